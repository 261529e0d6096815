package io.cangku.packaging;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.cangku.testing.Backends;
import io.cangku.testing.Processes;
import io.cangku.testing.RegistryContext;
import io.cangku.testing.RequiresTool;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * The Helm chart in {@code helm/cangku}, with real Helm 3 in this JVM (helm-java): it lints strictly, every
 * profile under {@code ci/} (and the defaults) renders, and every rendered object reads strictly into the
 * Kubernetes API types (fabric8's model), so a misspelt or misplaced field fails here instead of being dropped
 * by an API server. Then what matters is checked against the application itself: the probe paths and ports, the
 * environment variables and the ConfigMap's settings are keys the registry binds, secrets are referenced and
 * never inlined, and every pod runs locked down. Each profile is rendered once for all the tests.
 */
@DisplayName("Helm chart")
class HelmChartTest {

    static final Path CHART = Path.of("helm", "cangku").toAbsolutePath();
    static final String RELEASE = "cangku";
    static final String NAMESPACE = "registry";
    static final String KUBERNETES_VERSION = "1.31.0";
    static final YAMLMapper YAML = new YAMLMapper();
    /** Fails on any field the Kubernetes type does not have (see {@link #strictKubernetesMapper()}). */
    static final ObjectMapper KUBERNETES = strictKubernetesMapper();
    /** The Kubernetes kinds the chart may render, by apiVersion and kind. */
    static final Map<String, Class<? extends HasMetadata>> KINDS = Map.ofEntries(
            Map.entry("v1/ConfigMap", ConfigMap.class),
            Map.entry("v1/Secret", Secret.class),
            Map.entry("v1/Service", Service.class),
            Map.entry("v1/ServiceAccount", ServiceAccount.class),
            Map.entry("v1/PersistentVolumeClaim", PersistentVolumeClaim.class),
            Map.entry("apps/v1/Deployment", Deployment.class),
            Map.entry("autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class),
            Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
            Map.entry("batch/v1/CronJob", CronJob.class),
            Map.entry("networking.k8s.io/v1/Ingress", Ingress.class),
            Map.entry("monitoring.coreos.com/v1/ServiceMonitor", ServiceMonitor.class));

    static final Map<String, Rendered> RENDERED = new LinkedHashMap<>();
    static Set<String> knownKeys;
    static Path work;

    @BeforeAll
    static void renderEveryProfile() throws IOException {
        work = Backends.newTempDir("cgk-helm-");
        knownKeys = configurationKeys();
        for (String profile : profiles()) {
            RENDERED.put(profile, render(profile));
        }
    }

    @AfterAll
    static void cleanUp() {
        Backends.deleteRecursively(work);
    }

    /** "default" (values.yaml alone) and every {@code ci/*-values.yaml}. */
    static List<String> profiles() throws IOException {
        List<String> profiles = new ArrayList<>(List.of("default"));
        try (Stream<Path> files = Files.list(CHART.resolve("ci"))) {
            files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith("-values.yaml")).sorted().forEach(profiles::add);
        }
        return profiles;
    }

    static Rendered render(String profile) {
        var template = template();
        if (!profile.equals("default")) {
            template.withValuesFile(CHART.resolve("ci").resolve(profile));
        }
        String yaml = template.call();
        List<HasMetadata> objects = new ArrayList<>();
        try (var documents = YAML.readerFor(JsonNode.class).<JsonNode>readValues(yaml)) {
            while (documents.hasNext()) {
                JsonNode document = documents.next();
                if (document == null || document.isNull() || document.isEmpty()) {
                    continue;
                }
                String kind = document.path("apiVersion").asText() + "/" + document.path("kind").asText();
                Class<? extends HasMetadata> type = KINDS.get(kind);
                assertThat(type).as("%s renders a kind this test knows: %s", profile, kind).isNotNull();
                try {
                    objects.add(KUBERNETES.treeToValue(document, type));
                } catch (IOException e) {
                    throw new AssertionError(profile + ": " + kind + " " + document.path("metadata").path("name").asText()
                            + " does not match the Kubernetes API type: " + e.getMessage(), e);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(profile + " rendered YAML that does not parse", e);
        }
        return new Rendered(profile, yaml, objects);
    }

    /** helm template as for a cluster of a version the chart supports (Helm's offline default, 1.20, is not). */
    static com.marcnuri.helm.TemplateCommand template() {
        return new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE).withKubeVersion(KUBERNETES_VERSION);
    }

    static Stream<String> profileNames() throws IOException {
        return profiles().stream();
    }

    // --- lint --------------------------------------------------------------------------------------------------

    @Test
    @DisplayName("lints strictly with its defaults and with every profile")
    void lintsStrictly() throws IOException {
        for (String profile : profiles()) {
            // given: helm lint takes no values file, so each profile is linted as a copy of the chart whose
            // values.yaml is the defaults with the profile laid over them, as `helm install -f` would merge them
            Path chart = profile.equals("default") ? CHART : chartWithProfile(profile);

            // when
            LintResult result = new Helm(chart).lint().strict().call();

            // then
            assertThat(result.isFailed()).as("%s: %s", profile, result.getMessages()).isFalse();
            assertThat(result.getMessages()).as(profile).noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("profileNames")
    @DisplayName("renders objects that read strictly into the Kubernetes API types")
    void rendersStrictObjects(String profile) {
        // then: render() already read every object strictly; each profile has the core of the chart
        Rendered rendered = RENDERED.get(profile);
        assertThat(rendered.all(Deployment.class)).hasSize(1);
        assertThat(rendered.all(Service.class)).isNotEmpty();
        assertThat(rendered.all(ConfigMap.class)).hasSize(1);
        assertThat(rendered.all(CronJob.class)).hasSize(1);
        assertThat(rendered.objects()).allSatisfy(o -> assertThat(o.getMetadata().getLabels())
                .containsEntry("app.kubernetes.io/instance", RELEASE)
                .containsEntry("app.kubernetes.io/managed-by", "Helm"));
    }

    // --- what the application must agree with ------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("profileNames")
    @DisplayName("probes /livez and /readyz on the registry's port, and names the management port")
    void probesAndPorts(String profile) {
        // given
        Rendered rendered = RENDERED.get(profile);
        Container registry = rendered.registryContainer();
        JsonNode settings = rendered.settings();

        // then: the named ports are the ones the ConfigMap tells the application to listen on
        assertThat(port(registry, "http")).isEqualTo(settings.path("server").path("port").asInt());
        assertThat(port(registry, "management")).isEqualTo(settings.path("management").path("server").path("port").asInt());
        assertThat(port(registry, "management")).isEqualTo(5001);
        assertProbe(registry.getLivenessProbe(), "/livez");
        assertProbe(registry.getStartupProbe(), "/livez");
        assertProbe(registry.getReadinessProbe(), "/readyz");
        // the Service routes to the registry port only; metrics have a Service of their own
        Service service = rendered.named(Service.class, RELEASE);
        assertThat(service.getSpec().getPorts()).singleElement()
                .satisfies(p -> assertThat(p.getTargetPort().getStrVal()).isEqualTo("http"));
        rendered.find(Service.class, RELEASE + "-metrics").ifPresent(metrics ->
                assertThat(metrics.getSpec().getPorts()).singleElement()
                        .satisfies(p -> assertThat(p.getTargetPort().getStrVal()).isEqualTo("management")));
    }

    @Test
    @DisplayName("the probe paths answer 200 in the application started with the chart's settings")
    void probePathsExistInTheApplication() throws Exception {
        // given: the registry started with the default profile's application.yml, on free ports and a temp root
        Path config = Files.createDirectories(work.resolve("chart-config"));
        Files.writeString(config.resolve("application.yml"),
                RENDERED.get("default").only(ConfigMap.class).getData().get("application.yml"));
        Path root = Files.createDirectories(work.resolve("data"));
        Container container = RENDERED.get("default").registryContainer();
        String livez = container.getLivenessProbe().getHttpGet().getPath();
        String readyz = container.getReadinessProbe().getHttpGet().getPath();
        try (RegistryContext registry = RegistryContext.start(List.of(
                "--spring.config.additional-location=file:" + config + "/",
                "--management.server.port=0",
                "--registry.storage.filesystem.root=" + root,
                "--registry.auth.admin.password=chart-probe-test-password"));
             HttpClient http = HttpClient.newHttpClient()) {
            int managementPort = Integer.parseInt(registry.bean(org.springframework.core.env.Environment.class)
                    .getProperty("local.management.port"));

            // when
            int live = http.send(HttpRequest.newBuilder(registry.uri().resolve(livez)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            int ready = http.send(HttpRequest.newBuilder(registry.uri().resolve(readyz)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            int health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/actuator/health")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();

            // then
            assertThat(live).as("GET %s on the registry port", livez).isEqualTo(200);
            assertThat(ready).as("GET %s on the registry port", readyz).isEqualTo(200);
            assertThat(health).as("GET /actuator/health on the management port").isEqualTo(200);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("profileNames")
    @DisplayName("sets only environment variables and settings that bind to real configuration keys")
    void environmentAndSettingsBindToRealKeys(String profile) {
        // given
        Rendered rendered = RENDERED.get(profile);

        // then
        for (Container container : rendered.containers()) {
            for (EnvVar variable : container.getEnv()) {
                assertThat(bindsToKnownKey(variable.getName()))
                        .as("%s: %s in container %s binds to a configuration key", profile, variable.getName(), container.getName())
                        .isTrue();
            }
        }
        for (String key : flatten(rendered.settings())) {
            assertThat(isKnownKey(key)).as("%s: the ConfigMap's %s is a configuration key", profile, key).isTrue();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("profileNames")
    @DisplayName("references secrets from Secrets and never inlines them")
    void secretsAreReferenced(String profile) throws IOException {
        // given
        Rendered rendered = RENDERED.get(profile);
        JsonNode values = profileValues(profile);

        // then: every secret-looking variable comes from a Secret the release renders or the profile names
        for (Container container : rendered.containers()) {
            for (EnvVar variable : container.getEnv()) {
                if (variable.getName().matches(".*(PASSWORD|SECRET|ACCESS_KEY|TOKEN).*")) {
                    assertThat(variable.getValue()).as("%s: %s has no inline value", profile, variable.getName()).isNull();
                    var reference = variable.getValueFrom().getSecretKeyRef();
                    assertThat(reference).as("%s: %s comes from a Secret", profile, variable.getName()).isNotNull();
                    rendered.find(Secret.class, reference.getName()).ifPresentOrElse(
                            secret -> assertThat(secret.getData()).as("%s: Secret %s", profile, reference.getName()).containsKey(reference.getKey()),
                            () -> assertThat(List.of(values.path("auth").path("existingSecret").asText(),
                                    values.path("storage").path("s3").path("existingSecret").asText()))
                                    .as("%s: %s names an existing Secret", profile, reference.getName()).contains(reference.getName()));
                }
            }
        }
        // and no secret value given in the profile appears in clear anywhere in the rendered output
        for (String secret : List.of(values.path("auth").path("admin").path("password").asText(),
                values.path("storage").path("s3").path("secretKey").asText())) {
            if (!secret.isEmpty()) {
                assertThat(rendered.yaml()).as("%s leaks a secret", profile).doesNotContain(secret);
                String encoded = Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8));
                assertThat(rendered.only(Secret.class).getData()).containsValue(encoded);
            }
        }
        assertThat(rendered.only(ConfigMap.class).getData().get("application.yml")).doesNotContainIgnoringCase("password:");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("profileNames")
    @DisplayName("runs every pod non-root, read-only, without privileges, capabilities or escalation")
    void podsAreLockedDown(String profile) {
        for (PodSpec pod : RENDERED.get(profile).podSpecs()) {
            assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
            assertThat(pod.getAutomountServiceAccountToken()).isFalse();
            for (Container container : pod.getContainers()) {
                SecurityContext security = container.getSecurityContext();
                assertThat(security.getRunAsNonRoot()).as("%s %s runAsNonRoot", profile, container.getName()).isTrue();
                assertThat(security.getRunAsUser()).isPositive();
                assertThat(security.getReadOnlyRootFilesystem()).isTrue();
                assertThat(security.getAllowPrivilegeEscalation()).isFalse();
                assertThat(security.getPrivileged()).isFalse();
                assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
                assertThat(security.getCapabilities().getAdd()).isNullOrEmpty();
                assertThat(security.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
                assertThat(container.getVolumeMounts()).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("profileNames")
    @DisplayName("runs the garbage collector as a CronJob with the registry's image, settings and storage")
    void garbageCollectorCronJob(String profile) throws IOException {
        // given
        Rendered rendered = RENDERED.get(profile);
        JsonNode gc = profileValues(profile).path("gc");
        CronJob cronJob = rendered.only(CronJob.class);
        Container collector = cronJob.getSpec().getJobTemplate().getSpec().getTemplate().getSpec().getContainers().getFirst();
        Container registry = rendered.registryContainer();

        // then
        assertThat(cronJob.getSpec().getConcurrencyPolicy()).isEqualTo("Forbid");
        assertThat(collector.getArgs().getFirst()).isEqualTo("gc");
        assertThat(collector.getArgs().contains("--dry-run")).isEqualTo(gc.path("dryRun").asBoolean());
        assertThat(collector.getArgs().contains("--delete-untagged")).isEqualTo(gc.path("deleteUntagged").asBoolean());
        assertThat(collector.getImage()).isEqualTo(registry.getImage());
        assertThat(collector.getEnv()).isEqualTo(registry.getEnv());
        assertThat(collector.getVolumeMounts()).isEqualTo(registry.getVolumeMounts());
        // and the registry.gc.* settings both read (the CronJob's gc command and the pods), from the ConfigMap
        JsonNode settings = rendered.settings().path("registry").path("gc");
        assertThat(settings.path("grace-period").asText()).isEqualTo(gc.path("gracePeriod").asText("1h"));
        assertThat(settings.path("delete-untagged").asBoolean()).isEqualTo(gc.path("deleteUntagged").asBoolean());
        assertThat(settings.has("schedule")).as("the CronJob collects, so the pods do not").isFalse();
    }

    @Test
    @DisplayName("gc.serverSchedule collects inside the registry pods instead of a CronJob, never both")
    void collectorScheduleInsideTheServer() throws IOException {
        // when
        String yaml = template().set("gc.enabled", false).set("gc.serverSchedule", "0 15 2 * * *").call();

        // then
        assertThat(yaml).doesNotContain("kind: CronJob");
        JsonNode configMap = YAML.readerFor(JsonNode.class).<JsonNode>readValues(yaml).readAll().stream()
                .filter(d -> d != null && "ConfigMap".equals(d.path("kind").asText())).findFirst().orElseThrow();
        JsonNode gc = YAML.readTree(configMap.path("data").path("application.yml").asText()).path("registry").path("gc");
        assertThat(gc.path("schedule").asText()).isEqualTo("0 15 2 * * *");
        assertThat(gc.path("grace-period").asText()).isEqualTo("1h");
        assertThatThrownBy(() -> template().set("gc.serverSchedule", "0 15 2 * * *").call())
                .hasMessageContaining("gc.serverSchedule and the gc CronJob (gc.enabled) would both collect");
        assertThatThrownBy(() -> template().set("gc.serverSchedule", "15 2 * * *").call())
                .hasMessageContaining("/gc/serverSchedule");
        assertThatThrownBy(() -> template().set("gc.gracePeriod", "one hour").call())
                .hasMessageContaining("/gc/gracePeriod");
    }

    // --- the profiles ------------------------------------------------------------------------------------------

    @Test
    @DisplayName("filesystem: one pod on a kept PersistentVolumeClaim, replaced not rolled")
    void filesystemProfile() {
        Rendered rendered = RENDERED.get("filesystem-values.yaml");
        Deployment deployment = rendered.only(Deployment.class);
        PersistentVolumeClaim claim = rendered.only(PersistentVolumeClaim.class);

        assertThat(deployment.getSpec().getReplicas()).isEqualTo(1);
        assertThat(deployment.getSpec().getStrategy().getType()).isEqualTo("Recreate");
        assertThat(claim.getSpec().getResources().getRequests().get("storage").toString()).isEqualTo("50Gi");
        assertThat(claim.getMetadata().getAnnotations()).containsEntry("helm.sh/resource-policy", "keep");
        assertThat(deployment.getSpec().getTemplate().getSpec().getVolumes())
                .filteredOn(v -> v.getPersistentVolumeClaim() != null)
                .singleElement().satisfies(v -> assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo(claim.getMetadata().getName()));
        assertThat(rendered.all(HorizontalPodAutoscaler.class)).isEmpty();
        assertThat(rendered.all(PodDisruptionBudget.class)).isEmpty();
        assertThat(rendered.settings().path("registry").path("storage").path("filesystem").path("root").asText()).isEqualTo("/data");
        assertThat(rendered.settings().path("registry").path("uploads").path("max-age").asText()).isEqualTo("12h");
        // the collector must reach the same ReadWriteOnce volume: on the registry pod's node
        assertThat(rendered.only(CronJob.class).getSpec().getJobTemplate().getSpec().getTemplate().getSpec()
                .getAffinity().getPodAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()).isNotEmpty();
    }

    @Test
    @DisplayName("s3 with Ingress and autoscaling: HPA, PodDisruptionBudget, spread, TLS, ServiceMonitor")
    void s3Profile() {
        Rendered rendered = RENDERED.get("s3-ingress-autoscaling-values.yaml");
        Deployment deployment = rendered.only(Deployment.class);
        HorizontalPodAutoscaler hpa = rendered.only(HorizontalPodAutoscaler.class);
        Ingress ingress = rendered.only(Ingress.class);
        ServiceMonitor monitor = rendered.only(ServiceMonitor.class);
        Service metrics = rendered.named(Service.class, RELEASE + "-metrics");

        assertThat(deployment.getSpec().getReplicas()).as("the HPA owns the replica count").isNull();
        assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
        assertThat(deployment.getSpec().getTemplate().getSpec().getTopologySpreadConstraints())
                .extracting(c -> c.getTopologyKey()).containsExactly("kubernetes.io/hostname", "topology.kubernetes.io/zone");
        assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(deployment.getMetadata().getName());
        assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(3);
        assertThat(hpa.getSpec().getMetrics()).hasSize(2);
        assertThat(rendered.only(PodDisruptionBudget.class).getSpec().getMinAvailable().getIntVal()).isEqualTo(2);
        assertThat(ingress.getSpec().getTls()).singleElement().satisfies(tls -> {
            assertThat(tls.getHosts()).containsExactly("registry.example.com");
            assertThat(tls.getSecretName()).isEqualTo("registry.example.com-tls");
        });
        assertThat(ingress.getSpec().getRules().getFirst().getHttp().getPaths().getFirst().getBackend().getService().getPort().getName())
                .isEqualTo("http");
        assertThat(ingress.getMetadata().getAnnotations()).containsEntry("nginx.ingress.kubernetes.io/proxy-body-size", "0");
        // behind the Ingress: the token realm is the public https URL, and the proxy's X-Forwarded-* count
        assertThat(rendered.settings().path("registry").path("external-url").asText()).isEqualTo("https://registry.example.com");
        assertThat(rendered.settings().path("server").path("forward-headers-strategy").asText()).isEqualTo("native");
        assertThat(rendered.settings().path("registry").path("storage").path("s3").path("bucket").asText()).isEqualTo("cangku-images");
        // the ServiceMonitor scrapes a port the metrics Service has, on the path the management port serves
        assertThat(monitor.getSpec().getEndpoints()).singleElement().satisfies(endpoint -> {
            assertThat(endpoint.getPath()).isEqualTo("/actuator/prometheus");
            assertThat(metrics.getSpec().getPorts()).extracting(p -> p.getName()).contains(endpoint.getPort());
        });
        assertThat(metrics.getMetadata().getLabels()).containsAllEntriesOf(monitor.getSpec().getSelector().getMatchLabels());
        assertThat(metrics.getSpec().getSelector()).isEqualTo(rendered.named(Service.class, RELEASE).getSpec().getSelector());
        assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(metrics.getSpec().getSelector());
    }

    @Test
    @DisplayName("existing secrets: the chart renders no Secret and reads the named ones")
    void existingSecretsProfile() {
        Rendered rendered = RENDERED.get("existing-secrets-values.yaml");
        Map<String, String> references = new LinkedHashMap<>();
        rendered.registryContainer().getEnv().stream().filter(e -> e.getValueFrom() != null)
                .forEach(e -> references.put(e.getName(), e.getValueFrom().getSecretKeyRef().getName() + "/" + e.getValueFrom().getSecretKeyRef().getKey()));

        assertThat(rendered.all(Secret.class)).isEmpty();
        assertThat(references).containsExactlyInAnyOrderEntriesOf(Map.of(
                "REGISTRY_AUTH_ADMIN_PASSWORD", "cangku-admin/password",
                "REGISTRY_STORAGE_S3_ACCESS_KEY", "cangku-s3/AWS_ACCESS_KEY_ID",
                "REGISTRY_STORAGE_S3_SECRET_KEY", "cangku-s3/AWS_SECRET_ACCESS_KEY"));
        assertThat(rendered.registryContainer().getImage()).endsWith("@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
        assertThat(rendered.only(Deployment.class).getSpec().getReplicas()).isEqualTo(2);
        assertThat(rendered.all(PodDisruptionBudget.class)).hasSize(1);
    }

    @Test
    @DisplayName("refuses values that cannot work, naming the value")
    void refusesImpossibleValues() {
        assertThatThrownBy(() -> template().set("replicaCount", 2).call())
                .hasMessageContaining("storage.type=filesystem runs exactly one pod");
        assertThatThrownBy(() -> template().set("storage.type", "s3").call())
                .hasMessageContaining("storage.type=s3 needs storage.s3.bucket");
        assertThatThrownBy(() -> template().set("storage.type", "s4").call())
                .hasMessageContaining("/storage/type").hasMessageContaining("'filesystem', 's3'");
        // values.schema.json: a misspelt key is an error, not silently ignored
        assertThatThrownBy(() -> template().set("persistance.size", "1Gi").call())
                .hasMessageContaining("persistance");
    }

    // --- style -------------------------------------------------------------------------------------------------

    @Test
    @RequiresTool("yamllint")
    @DisplayName("values.yaml, the profiles and docker-compose.yml pass yamllint strictly")
    void yamllint() {
        Processes.Output lint = Processes.command("yamllint", "--strict", "--config-file", ".yamllint",
                        CHART.resolve("values.yaml").toString(), CHART.resolve("ci").toString(), "docker-compose.yml")
                .runAllowingFailure();

        assertThat(lint.succeeded()).as("%s", lint).isTrue();
    }

    @Test
    @DisplayName("documents every value in values.yaml with a comment")
    void everyValueIsDocumented() throws IOException {
        List<String> lines = Files.readAllLines(CHART.resolve("values.yaml"));
        Set<String> documented = new HashSet<>();
        for (String line : lines) {
            if (line.strip().startsWith("## @param ")) {
                documented.add(line.strip().substring("## @param ".length()).split(" ")[0]);
            }
        }
        JsonNode values = YAML.readTree(CHART.resolve("values.yaml").toFile());
        for (String key : flattenValues(values, "")) {
            assertThat(documented.stream().anyMatch(d -> key.equals(d) || key.startsWith(d + ".")))
                    .as("values.yaml documents %s with a ## @param line", key).isTrue();
        }
    }

    // --- helpers -----------------------------------------------------------------------------------------------

    record Rendered(String profile, String yaml, List<HasMetadata> objects) {

        <T extends HasMetadata> List<T> all(Class<T> type) {
            return objects.stream().filter(type::isInstance).map(type::cast).toList();
        }

        <T extends HasMetadata> T only(Class<T> type) {
            List<T> all = all(type);
            assertThat(all).as("%s renders one %s", profile, type.getSimpleName()).hasSize(1);
            return all.getFirst();
        }

        <T extends HasMetadata> java.util.Optional<T> find(Class<T> type, String name) {
            return all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst();
        }

        <T extends HasMetadata> T named(Class<T> type, String name) {
            return find(type, name).orElseThrow(() -> new AssertionError(profile + " renders no " + type.getSimpleName() + " " + name));
        }

        List<PodSpec> podSpecs() {
            List<PodSpec> pods = new ArrayList<>();
            all(Deployment.class).forEach(d -> pods.add(d.getSpec().getTemplate().getSpec()));
            all(CronJob.class).forEach(c -> pods.add(c.getSpec().getJobTemplate().getSpec().getTemplate().getSpec()));
            return pods;
        }

        List<Container> containers() {
            return podSpecs().stream().flatMap(p -> p.getContainers().stream()).toList();
        }

        Container registryContainer() {
            return only(Deployment.class).getSpec().getTemplate().getSpec().getContainers().stream()
                    .filter(c -> c.getName().equals("registry")).findFirst().orElseThrow();
        }

        /** The application.yml the ConfigMap mounts, as a tree. */
        JsonNode settings() {
            try {
                return YAML.readTree(only(ConfigMap.class).getData().get("application.yml"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static void assertProbe(Probe probe, String path) {
        assertThat(probe).as("probe on %s", path).isNotNull();
        assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
        assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("http");
    }

    static int port(Container container, String name) {
        return container.getPorts().stream().filter(p -> name.equals(p.getName())).map(ContainerPort::getContainerPort)
                .findFirst().orElseThrow(() -> new AssertionError("no container port named " + name));
    }

    static JsonNode profileValues(String profile) throws IOException {
        return profile.equals("default") ? YAML.createObjectNode() : YAML.readTree(CHART.resolve("ci").resolve(profile).toFile());
    }

    /** A copy of the chart whose values.yaml is the defaults with the profile laid over them. */
    static Path chartWithProfile(String profile) throws IOException {
        Path copy = work.resolve("lint-" + profile.replace(".yaml", ""));
        try (Stream<Path> files = Files.walk(CHART)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path target = copy.resolve(CHART.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
        }
        JsonNode merged = YAML.readerForUpdating(YAML.readTree(CHART.resolve("values.yaml").toFile()))
                .readValue(CHART.resolve("ci").resolve(profile).toFile());
        YAML.writeValue(copy.resolve("values.yaml").toFile(), merged);
        return copy;
    }

    /**
     * Every configuration key the application knows: the configuration metadata of this project and of the
     * libraries it uses ({@code META-INF/spring-configuration-metadata.json} on the class path), and the keys
     * of its {@code application.yml}.
     */
    static Set<String> configurationKeys() throws IOException {
        Set<String> keys = new TreeSet<>();
        Enumeration<URL> metadata = HelmChartTest.class.getClassLoader().getResources("META-INF/spring-configuration-metadata.json");
        boolean own = false;
        while (metadata.hasMoreElements()) {
            URL url = metadata.nextElement();
            own |= url.getProtocol().equals("file") && url.getPath().contains("/target/classes/");
            try (InputStream in = url.openStream()) {
                new ObjectMapper().readTree(in).path("properties").forEach(p -> keys.add(p.path("name").asText()));
            }
        }
        assertThat(own).as("the project's own configuration metadata (spring-boot-configuration-processor) is on the class path").isTrue();
        try (InputStream in = HelmChartTest.class.getResourceAsStream("/application.yml")) {
            keys.addAll(flatten(YAML.readTree(in)));
        }
        // Read by Spring Boot before any binding, so in no metadata file (Spring Boot reference, "External
        // Application Properties"): where further configuration files are.
        keys.addAll(List.of("spring.config.location", "spring.config.additional-location", "spring.config.import"));
        return keys;
    }

    /**
     * Spring Boot's binding from the environment (SystemEnvironmentPropertyMapper): a key's variable is the key
     * with '.' as '_', dashes dropped and upper case, so registry.storage.s3.access-key is
     * REGISTRY_STORAGE_S3_ACCESSKEY or, as Spring also accepts, REGISTRY_STORAGE_S3_ACCESS_KEY.
     */
    static boolean bindsToKnownKey(String variable) {
        String wanted = variable.toUpperCase(Locale.ROOT).replace("_", "");
        for (String known : knownKeys) {
            String candidate = known.replaceAll("\\[(\\d+)]", ".$1").replace(".", "").replace("-", "").toUpperCase(Locale.ROOT);
            if (wanted.equals(candidate)) {
                return true;
            }
        }
        return false;
    }

    static boolean isKnownKey(String key) {
        String wanted = canonical(key);
        for (String known : knownKeys) {
            String candidate = canonical(known);
            // a map- or list-valued key (registry.auth.users) holds whatever is below it
            if (wanted.equals(candidate) || wanted.startsWith(candidate + ".") || wanted.startsWith(candidate + "[")) {
                return true;
            }
        }
        return false;
    }

    /** Keys compared as Spring Boot does: case and dashes do not matter. */
    static String canonical(String key) {
        return key.toLowerCase(Locale.ROOT).replace("-", "");
    }

    static List<String> flatten(JsonNode tree) {
        List<String> keys = new ArrayList<>();
        flatten(tree, "", keys);
        return keys;
    }

    private static void flatten(JsonNode node, String prefix, List<String> keys) {
        if (node.isObject() && !node.isEmpty()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                flatten(field.getValue(), prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey(), keys);
            }
        } else if (node.isArray() && !node.isEmpty()) {
            for (int i = 0; i < node.size(); i++) {
                flatten(node.get(i), prefix + "[" + i + "]", keys);
            }
        } else {
            keys.add(prefix);
        }
    }

    /** The keys of values.yaml down to the leaves, stopping at free-form maps and lists. */
    private static List<String> flattenValues(JsonNode node, String prefix) {
        List<String> keys = new ArrayList<>();
        if (node.isObject() && !node.isEmpty()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                keys.addAll(flattenValues(field.getValue(), prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey()));
            }
        } else {
            keys.add(prefix);
        }
        return keys;
    }

    /**
     * A mapper that fails on a field the Kubernetes type does not have. fabric8's types catch every unknown
     * field in an "additionalProperties" map (a JSON any-setter), so FAIL_ON_UNKNOWN_PROPERTIES alone would
     * accept anything: the any-setter is removed from every fabric8 type first.
     */
    static ObjectMapper strictKubernetesMapper() {
        SimpleModule strict = new SimpleModule("strict-kubernetes");
        strict.setDeserializerModifier(new BeanDeserializerModifier() {
            @Override
            public BeanDeserializerBuilder updateBuilder(DeserializationConfig config, BeanDescription description,
                                                         BeanDeserializerBuilder builder) {
                if (description.getBeanClass().getName().startsWith("io.fabric8.")) {
                    builder.setAnySetter(null);
                }
                return builder;
            }
        });
        return new ObjectMapper()
                .registerModule(strict)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
    }

    @Test
    @DisplayName("the strict mapper refuses a misspelt field (so the checks above can fail)")
    void strictMapperRefusesUnknownFields() throws IOException {
        ObjectNode deployment = (ObjectNode) YAML.readTree("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: x}
                spec:
                  replicas: 1
                  template:
                    spec:
                      containers:
                        - name: x
                          image: x
                          readinesProbe: {httpGet: {path: /readyz, port: http}}
                """);

        assertThatThrownBy(() -> KUBERNETES.treeToValue(deployment, Deployment.class))
                .hasMessageContaining("readinesProbe");
    }
}
