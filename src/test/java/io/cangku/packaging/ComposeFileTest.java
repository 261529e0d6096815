package io.cangku.packaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.cangku.testing.Backends;
import io.cangku.testing.Processes;
import io.cangku.testing.RegistryContext;
import io.cangku.testing.RequiresTool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docker-compose.yml as {@code docker-compose config} resolves it (the compose implementation Debian ships, in
 * CI): it refuses to start without its secrets, publishes on loopback only, gives Cangku S3 credentials of its
 * own and passes every secret as a file. That the secret files' names bind in the application is checked on
 * the registry itself.
 */
@DisplayName("docker-compose.yml")
class ComposeFileTest {

    static final Path COMPOSE_FILE = Path.of("docker-compose.yml").toAbsolutePath();
    static final List<String> SECRET_VARIABLES = List.of("MINIO_ROOT_USER_FILE", "MINIO_ROOT_PASSWORD_FILE",
            "CANGKU_S3_ACCESS_KEY_FILE", "CANGKU_S3_SECRET_KEY_FILE", "CANGKU_ADMIN_PASSWORD_FILE");
    static final YAMLMapper YAML = new YAMLMapper();

    static Path work;
    static Map<String, String> secretFiles = new LinkedHashMap<>();

    @BeforeAll
    static void secretFiles() throws IOException {
        work = Backends.newTempDir("cgk-compose-");
        for (String variable : SECRET_VARIABLES) {
            Path file = work.resolve(variable.toLowerCase());
            Files.writeString(file, "value-of-" + variable.toLowerCase() + "\n");
            secretFiles.put(variable, file.toString());
        }
    }

    @AfterAll
    static void cleanUp() {
        Backends.deleteRecursively(work);
    }

    static Processes.Output config(Map<String, String> environment) {
        return Processes.command("docker-compose", "--file", COMPOSE_FILE.toString(), "config")
                .env(environment)
                .in(work)
                .runAllowingFailure();
    }

    @Test
    @RequiresTool("docker-compose")
    @DisplayName("refuses to start without each secret, naming the variable")
    void refusesWithoutSecrets() {
        for (String missing : SECRET_VARIABLES) {
            // given
            Map<String, String> environment = new LinkedHashMap<>(secretFiles);
            environment.remove(missing);

            // when
            Processes.Output config = config(environment);

            // then
            assertThat(config.succeeded()).as("without %s: %s", missing, config).isFalse();
            assertThat(config.text()).contains("set " + missing + " to a file");
        }
    }

    @Test
    @RequiresTool("docker-compose")
    @DisplayName("with the secrets: loopback ports, secrets as files, Cangku's own S3 user, locked-down replicas")
    void resolvedConfiguration() throws IOException {
        // when
        Processes.Output config = config(secretFiles);

        // then
        assertThat(config.succeeded()).as("%s", config).isTrue();
        JsonNode compose = YAML.readTree(config.stdout());
        JsonNode services = compose.path("services");
        List<String> published = new ArrayList<>();
        services.forEach(service -> service.path("ports").forEach(port -> published.add(port.asText())));
        assertThat(published).isNotEmpty().allSatisfy(port -> assertThat(port).startsWith("127.0.0.1:"));

        // every secret is a file, and no secret value reaches an environment or the resolved file
        SECRET_VARIABLES.forEach(variable -> assertThat(config.stdout()).doesNotContain("value-of-" + variable.toLowerCase()));
        compose.path("secrets").forEach(secret -> assertThat(secretFiles.values()).contains(secret.path("file").asText()));
        JsonNode cangku = services.path("cangku");
        assertThat(cangku.path("environment").toString()).doesNotContainIgnoringCase("password").doesNotContain("ACCESS_KEY");
        assertThat(cangku.path("environment").path("SPRING_CONFIG_IMPORT").asText()).isEqualTo("configtree:/run/secrets/");
        Map<String, String> cangkuSecrets = new LinkedHashMap<>();
        cangku.path("secrets").forEach(s -> cangkuSecrets.put(s.path("source").asText(), s.path("target").asText()));
        assertThat(cangkuSecrets).containsExactlyInAnyOrderEntriesOf(Map.of(
                "cangku_s3_access_key", "registry.storage.s3.access-key",
                "cangku_s3_secret_key", "registry.storage.s3.secret-key",
                "cangku_admin_password", "registry.auth.admin.password"));

        // MinIO's root credentials go to MinIO and the init container only; Cangku waits for its user
        List<String> rootReaders = new ArrayList<>();
        services.fields().forEachRemaining(service -> service.getValue().path("secrets").forEach(s -> {
            String source = s.isTextual() ? s.asText() : s.path("source").asText();
            if (source.startsWith("minio_root")) {
                rootReaders.add(service.getKey());
            }
        }));
        assertThat(rootReaders).containsOnly("minio", "minio-init");
        assertThat(services.path("minio-init").path("entrypoint").toString()).contains("/compose/minio-init.sh");
        assertThat(Files.readString(Path.of("compose", "minio-init.sh"))).contains("mc admin user add").contains("mc admin policy attach");
        assertThat(cangku.path("depends_on").path("minio-init").path("condition").asText()).isEqualTo("service_completed_successfully");

        // the replicas run as the image's user on a read-only root filesystem
        assertThat(cangku.path("user").asText()).isEqualTo("10001:10001");
        assertThat(cangku.path("read_only").asBoolean()).isTrue();
        assertThat(cangku.path("healthcheck").path("test").toString()).contains("/readyz");
    }

    @Test
    @DisplayName("the secret files' names bind in the registry: the admin password from a config tree logs in")
    void secretFileNamesBind() throws Exception {
        // given: the secrets folder as compose mounts it for Cangku (file names are the targets above)
        Path secrets = Files.createDirectories(work.resolve("run-secrets"));
        Files.writeString(secrets.resolve("registry.auth.admin.password"), "compose-admin-password\n");
        Path root = Files.createDirectories(work.resolve("data"));

        try (RegistryContext registry = RegistryContext.start(List.of(
                "--spring.config.import=configtree:" + secrets + "/",
                "--registry.storage.filesystem.root=" + root));
             HttpClient http = HttpClient.newHttpClient()) {
            // when
            String basic = Base64.getEncoder().encodeToString("admin:compose-admin-password".getBytes(StandardCharsets.UTF_8));
            int status = http.send(HttpRequest.newBuilder(registry.uri().resolve("/token?service=cangku"))
                    .header("Authorization", "Basic " + basic).build(), HttpResponse.BodyHandlers.discarding()).statusCode();

            // then: the password was read from the file, without its trailing newline
            assertThat(status).isEqualTo(200);
        }
    }
}
