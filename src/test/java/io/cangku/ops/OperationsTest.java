package io.cangku.ops;

import io.cangku.auth.TokenAuthRegistry;
import io.cangku.auth.TokenHttp;
import io.cangku.testing.Backends;
import io.cangku.testing.OciLayout;
import io.cangku.testing.Processes;
import io.cangku.testing.RequiresTool;
import io.cangku.testing.TestImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.context.ApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.cangku.auth.TokenAuthRegistry.ADMIN;
import static io.cangku.auth.TokenAuthRegistry.ADMIN_PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Probes, the management port, metrics and the access log of one registry with token authentication on
 * (so "open without login" means something), over real HTTP on random ports, filesystem storage.
 */
@DisplayName("Operations: probes, management port, metrics, access log")
@ExtendWith(OutputCaptureExtension.class)
class OperationsTest {

    static final String REPOSITORY = "opsrepo-zebra/app";
    static final String TAG = "tag-quokka-7";
    static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    static TokenAuthRegistry registry;
    static URI management;
    static Path work;

    @BeforeAll
    static void start() {
        registry = TokenAuthRegistry.start();
        management = URI.create("http://127.0.0.1:" + registry.context().managementPort());
        work = Backends.newTempDir("cangku-ops-");
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    static HttpResponse<String> get(URI uri, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @DisplayName("/livez and /readyz answer UP on the registry's port without a login, while /v2/ asks for one")
    void probesAreOpen() throws Exception {
        // when
        HttpResponse<String> live = get(registry.uri().resolve("/livez"));
        HttpResponse<String> ready = get(registry.uri().resolve("/readyz"));
        HttpResponse<String> v2 = get(registry.uri().resolve("/v2/"));

        // then
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(live.body()).contains("\"status\":\"UP\"");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("\"status\":\"UP\"").doesNotContain("filesystem");
        assertThat(v2.statusCode()).isEqualTo(401);
    }

    @Test
    @DisplayName("not ready (starting or stopping): /v2 gets 503 UNAVAILABLE in the spec's error envelope with Retry-After, other paths plain text, and /readyz says so")
    void notReadyAnswers() throws Exception {
        // given: readiness refused, as between Tomcat opening the port and the start-up listeners' end
        ApplicationContext context = registry.context().applicationContext();
        AvailabilityChangeEvent.publish(context, ReadinessState.REFUSING_TRAFFIC);
        HttpResponse<String> base;
        HttpResponse<String> manifest;
        HttpResponse<String> head;
        HttpResponse<String> token;
        HttpResponse<String> ready;
        try {
            // when
            base = get(registry.uri().resolve("/v2/"));
            manifest = get(registry.uri().resolve("/v2/" + REPOSITORY + "/manifests/" + TAG), "Authorization", "Bearer not-checked");
            head = HTTP.send(HttpRequest.newBuilder(registry.uri().resolve("/v2/" + REPOSITORY + "/blobs/sha256:" + "0".repeat(64)))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            token = get(registry.uri().resolve("/token?service=cangku&scope=repository:" + REPOSITORY + ":pull"));
            ready = get(registry.uri().resolve("/readyz"));
        } finally {
            AvailabilityChangeEvent.publish(context, ReadinessState.ACCEPTING_TRAFFIC);
        }

        // then: /v2 speaks the registry protocol, even before authentication is looked at
        for (HttpResponse<String> v2 : List.of(base, manifest)) {
            assertThat(v2.statusCode()).isEqualTo(503);
            assertThat(v2.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(v2.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
            assertThat(v2.headers().firstValue("Docker-Distribution-API-Version")).hasValue("registry/2.0");
            assertThat(v2.headers().firstValue("WWW-Authenticate")).isEmpty();
            JsonNode error = JsonMapper.builder().build().readTree(v2.body()).path("errors").path(0);
            assertThat(error.path("code").asString()).isEqualTo("UNAVAILABLE");
            assertThat(error.path("message").asString()).contains("not ready", "retry");
        }
        assertThat(head.statusCode()).isEqualTo(503);
        assertThat(head.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(head.body()).isEmpty();
        // and the rest plain text, with the same hint
        assertThat(token.statusCode()).isEqualTo(503);
        assertThat(token.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(token.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/plain"));
        assertThat(ready.statusCode()).isEqualTo(503);
        // and once ready again, the same request is the protocol's usual answer
        assertThat(get(registry.uri().resolve("/v2/")).statusCode()).isEqualTo(401);
    }

    @Test
    @DisplayName("the management port serves health with details and the Prometheus scrape, and nothing else of Actuator")
    void managementPortServesHealthAndPrometheusOnly() throws Exception {
        // when
        HttpResponse<String> health = get(management.resolve("/actuator/health"));
        HttpResponse<String> readiness = get(management.resolve("/actuator/health/readiness"));
        HttpResponse<String> prometheus = get(management.resolve("/actuator/prometheus"));

        // then
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"storage\"", "\"backend\":\"filesystem\"", "\"readinessState\"");
        assertThat(readiness.statusCode()).isEqualTo(200);
        assertThat(prometheus.statusCode()).isEqualTo(200);
        assertThat(prometheus.body()).contains("jvm_memory_used_bytes", "tomcat_");
        for (String path : List.of("/actuator", "/actuator/env", "/actuator/beans", "/actuator/configprops",
                "/actuator/heapdump", "/actuator/loggers", "/actuator/metrics", "/actuator/shutdown")) {
            assertThat(get(management.resolve(path)).statusCode()).as("management port %s", path).isEqualTo(404);
        }
        for (String path : List.of("/actuator/health", "/actuator/prometheus", "/actuator/env")) {
            assertThat(get(registry.uri().resolve(path)).statusCode()).as("registry port %s", path).isIn(401, 404);
        }
    }

    @Test
    @RequiresTool("skopeo")
    @DisplayName("after a push and a pull, the scrape shows routes, bytes, uploads, storage calls, caches and logins, with no name, tag or digest as a label")
    void metricsAfterPushAndPull() throws Exception {
        // given an image pushed and pulled by skopeo, a real client
        Path layout = OciLayout.create(work.resolve("image")).add(TestImages.image().seed(901).build(), "v1").root();
        String image = "docker://" + registry.hostPort() + "/" + REPOSITORY + ":" + TAG;
        Processes.Output push = skopeo("copy", "--dest-tls-verify=false", "--dest-creds", ADMIN + ":" + ADMIN_PASSWORD,
                "oci:" + layout + ":v1", image);
        assertThat(push.succeeded()).as(push.describe()).isTrue();
        Processes.Output pull = skopeo("copy", "--src-tls-verify=false", "--src-creds", ADMIN + ":" + ADMIN_PASSWORD,
                image, "oci:" + work.resolve("pulled") + ":v1");
        assertThat(pull.succeeded()).as(pull.describe()).isTrue();

        // when
        String scrape = get(management.resolve("/actuator/prometheus")).body();

        // then the registry's figures are there
        assertThat(positive(scrape, "cangku_bytes_pushed_bytes_total", "kind=\"blob\"")).isTrue();
        assertThat(positive(scrape, "cangku_bytes_pulled_bytes_total", "kind=\"blob\"")).isTrue();
        assertThat(positive(scrape, "cangku_bytes_pushed_bytes_total", "kind=\"manifest\"")).isTrue();
        assertThat(positive(scrape, "cangku_upload_requests_seconds_count", "method=\"PUT\"")).isTrue();
        assertThat(positive(scrape, "cangku_upload_request_size_bytes_sum", "method=\"PATCH\"")).isTrue();
        assertThat(positive(scrape, "cangku_logins_total", "outcome=\"success\"")).isTrue();
        assertThat(positive(scrape, "cangku_storage_operations_seconds_count", "operation=\"append\"")).isTrue();
        assertThat(positive(scrape, "cangku_storage_operations_seconds_count", "operation=\"sealAppendable\"")).isTrue();
        assertThat(positive(scrape, "http_server_requests_seconds_count", "uri=\"/v2/{name}/manifests/{reference}\"")).isTrue();
        assertThat(positive(scrape, "http_server_requests_seconds_count", "uri=\"/v2/{name}/blobs/uploads/{uuid}\"")).isTrue();
        assertThat(positive(scrape, "http_server_requests_seconds_count", "uri=\"/v2/{name}/blobs/{digest}\"")).isTrue();
        assertThat(scrape).contains("cache_gets_total{cache=\"BlobService.blobs\",result=\"hit\"}", "cache_size{cache=\"ManifestService.manifestBytes\"}");
        assertThat(positive(scrape, "tomcat_global_request_seconds_count", "name=")).isTrue();
        // every cache measured records its hit rate (a cache built without recordStats() shows its size alone,
        // and Micrometer warns about it at every start)
        List<String> sized = caches(scrape, "cache_size{");
        assertThat(sized).contains("BlobService.recentlyMarked", "Credentials.recentThrottled");
        assertThat(caches(scrape, "cache_gets_total{")).containsAll(sized);

        // and no label value holds the repository, the tag or a digest
        List<String> values = new ArrayList<>();
        for (String line : scrape.lines().filter(l -> !l.startsWith("#")).toList()) {
            Matcher label = LABEL.matcher(line);
            while (label.find()) {
                values.add(label.group(2));
            }
        }
        assertThat(values).isNotEmpty().noneMatch(v -> v.contains("opsrepo") || v.contains("zebra") || v.contains(TAG)
                || v.contains("sha256") || v.matches(".*[0-9a-f]{32}.*"));
    }

    private static List<String> caches(String scrape, String metric) {
        return scrape.lines().filter(l -> l.startsWith(metric)).map(l -> l.replaceAll(".*cache=\"([^\"]+)\".*", "$1"))
                .distinct().toList();
    }

    @Test
    @DisplayName("http.server.requests carries Spring's tags, with an invented method and an unmatched path bounded")
    void requestTimerTags() throws Exception {
        // given a request with a method no client should send, one to a path no route matches, and a plain /v2/ GET
        HttpResponse<Void> invented = HTTP.send(HttpRequest.newBuilder(registry.uri().resolve("/v2/"))
                .method("BREW", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
        assertThat(invented.statusCode()).isGreaterThanOrEqualTo(400);
        assertThat(get(registry.uri().resolve("/no-such-page-" + TAG)).statusCode()).isIn(302, 404); // the console's login, or nothing
        assertThat(get(registry.uri().resolve("/v2/")).statusCode()).isEqualTo(401);

        // when
        String scrape = get(management.resolve("/actuator/prometheus")).body();

        // then every series has the same six tags as Spring's own observation gave it
        assertThat(scrape).contains("http_server_requests_seconds_count{error=\"none\",exception=\"none\",method=\"GET\","
                + "outcome=\"CLIENT_ERROR\",status=\"401\",uri=\"/v2/\"}");
        // and neither the invented method nor the unmatched path becomes a label value
        assertThat(positive(scrape, "http_server_requests_seconds_count", "method=\"UNKNOWN\"")).isTrue();
        assertThat(scrape).doesNotContain("BREW", "no-such-page");
    }

    @Test
    @DisplayName("each request gets one access-log line with route, repository, status, bytes, duration, user, client and request id")
    void accessLog(CapturedOutput output) throws Exception {
        // given a token, so the line names the user
        String token = registry.http().token(ADMIN, ADMIN_PASSWORD, "repository:" + REPOSITORY + ":pull");

        // when
        HttpResponse<String> offered = get(registry.uri().resolve("/v2/" + REPOSITORY + "/tags/list"),
                "X-Request-Id", "ops-test-4711", "Authorization", "Bearer " + token);
        HttpResponse<String> forged = get(registry.uri().resolve("/v2/"), "X-Request-Id", "a b\tforged line " + "x".repeat(80));

        // then the client's id comes back, and a bad one is replaced by a generated one
        assertThat(offered.headers().firstValue("X-Request-Id")).hasValue("ops-test-4711");
        String generated = forged.headers().firstValue("X-Request-Id").orElseThrow();
        assertThat(generated).matches("[0-9a-f]{16}");

        // and one line each, carrying the id from the MDC (written once the response is sent: the client may
        // read the answer a moment before the line appears)
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
        while (!output.getOut().contains("[" + generated + "]") && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        List<String> lines = output.getOut().lines().filter(l -> l.contains("io.cangku.access")).toList();
        assertThat(lines.stream().filter(l -> l.contains("[ops-test-4711]"))).singleElement().satisfies(line ->
                assertThat(line).contains("GET /v2/{name}/tags/list " + offered.statusCode(), "repo=" + REPOSITORY,
                        "user=" + ADMIN, "client=127.0.0.1", "in=0", "out=" + offered.body().length()).containsPattern(" \\d+ms "));
        assertThat(lines.stream().filter(l -> l.contains("[" + generated + "]"))).singleElement().satisfies(line ->
                assertThat(line).contains("GET /v2/ 401", "user=-"));
        assertThat(output.getOut()).doesNotContain("forged line");
    }

    private static boolean positive(String scrape, String metric, String label) {
        return scrape.lines().filter(l -> l.startsWith(metric + "{") && l.contains(label))
                .anyMatch(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)) > 0);
    }

    private static Processes.Output skopeo(String... arguments) throws IOException {
        Path auth = Files.writeString(Files.createTempFile(work, "auth", ".json"), "{\"auths\":{}}");
        List<String> command = new ArrayList<>(List.of("skopeo"));
        command.addAll(List.of(arguments));
        return Processes.command(command).env("REGISTRY_AUTH_FILE", auth.toString())
                .env("TMPDIR", work.toString()).runAllowingFailure();
    }
}
