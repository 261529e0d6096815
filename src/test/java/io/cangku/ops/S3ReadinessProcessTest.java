package io.cangku.ops;

import io.cangku.testing.Backends;
import io.cangku.testing.RegistryProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A registry JVM on S3 (s3proxy) with token authentication, where the first administrator and the signing key
 * are set up after Tomcat opens the port: logins hammered from the moment the port opens are answered 503
 * until the registry is ready and 200 after, never 401. The same JVM, fresh, shows JSON log lines
 * ({@code logging.structured.format.console=ecs}) and the one line for a TLS ClientHello on the plain port.
 */
@DisplayName("Readiness on S3, JSON logs and TLS on the plain port, in a registry JVM of its own")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class S3ReadinessProcessTest {

    static final String PASSWORD = "ops-admin-password-31337";
    static final Duration STARTUP_BOUND = Duration.ofSeconds(150);
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    static final JsonMapper JSON = JsonMapper.builder().build();

    static Process process;
    static Path log;
    static int port;
    static int managementPort;
    static final List<Integer> loginStatuses = new ArrayList<>();

    @BeforeAll
    static void startAndHammerLogin() throws Exception {
        port = RegistryProcess.freePort();
        managementPort = RegistryProcess.freePort();
        log = Backends.newTempDir("cangku-readiness-").resolve("registry.log");
        List<String> command = new ArrayList<>(RegistryProcess.javaCommand(List.of("-Xmx256m")));
        command.addAll(List.of("--server.port=" + port, "--management.server.port=" + managementPort,
                "--registry.auth.admin.password=" + PASSWORD, "--logging.structured.format.console=ecs"));
        command.addAll(Backends.s3Arguments(Backends.newBucketName()));
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();

        // from the moment the port opens: a correct login, again and again, until ten in a row succeed
        long deadline = System.nanoTime() + STARTUP_BOUND.toNanos();
        int successes = 0;
        while (successes < 10 && System.nanoTime() < deadline && process.isAlive()) {
            Optional<Integer> status = login();
            if (status.isEmpty()) {
                Thread.sleep(10); // not listening yet
                continue;
            }
            loginStatuses.add(status.get());
            successes = status.get() == 200 ? successes + 1 : 0;
        }
        assertThat(successes).as("ten logins in a row succeeded; statuses %s; log:%n%s", loginStatuses, output()).isEqualTo(10);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    static Optional<Integer> login() throws InterruptedException {
        String form = "grant_type=password&service=cangku&username=admin&password=" + URLEncoder.encode(PASSWORD, StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/token"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build();
        try {
            return Optional.of(HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode());
        } catch (ConnectException | HttpConnectTimeoutException e) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // the port opened mid-attempt
        }
    }

    static String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    @Order(1)
    @DisplayName("from the moment the port opens, a correct login gets 503 (not ready) or 200, never 401")
    void noLoginRefusedBeforeReady() {
        assertThat(loginStatuses).isNotEmpty().allMatch(s -> s == 200 || s == 503, "200 or 503");
        assertThat(loginStatuses.getLast()).isEqualTo(200);
    }

    @Test
    @Order(2)
    @DisplayName("a TLS ClientHello on the plain-HTTP port gets a 400 and one short INFO line, no stack trace")
    void tlsClientHelloOnPlainPort() throws Exception {
        // when a client speaks TLS: the start of a ClientHello record
        byte[] hello = {0x16, 0x03, 0x01, 0x00, 0x2f, 0x01, 0x00, 0x00, 0x2b, 0x03, 0x03, 1, 2, 3, 4, 5, 6, 7, 8};
        String answer;
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(hello);
            out.flush();
            InputStream in = socket.getInputStream();
            answer = new String(in.readNBytes(12), StandardCharsets.ISO_8859_1);
        }
        Thread.sleep(500);

        // then
        assertThat(answer).startsWith("HTTP/1.1 400");
        String output = output();
        List<String> lines = output.lines().filter(l -> l.contains("spoke TLS")).toList();
        assertThat(lines).as(output).hasSize(1);
        assertThat(JSON.readTree(lines.getFirst()).path("log").path("level").asString()).isEqualTo("INFO");
        assertThat(output).doesNotContain("Invalid character found in method name", "stack_trace", "at org.apache.");
    }

    @Test
    @Order(3)
    @DisplayName("with logging.structured.format.console=ecs the access log is JSON with its fields and the request id")
    void jsonAccessLog() throws Exception {
        // when
        HttpResponse<String> readyz = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz"))
                .header("X-Request-Id", "json-probe-1").build(), HttpResponse.BodyHandlers.ofString());
        Thread.sleep(300);

        // then
        assertThat(readyz.statusCode()).isEqualTo(200);
        JsonNode line = output().lines().filter(l -> l.startsWith("{") && l.contains("json-probe-1"))
                .map(JSON::readTree).filter(n -> "io.cangku.access".equals(n.path("log").path("logger").asString()))
                .findFirst().orElseThrow(() -> new AssertionError("no JSON access line in:\n" + output()));
        // ECS nests the dotted keys: http.status becomes {"http":{"status":…}}
        assertThat(line.path("requestId").asString()).isEqualTo("json-probe-1");
        assertThat(line.path("http").path("route").asString()).isEqualTo("/readyz");
        assertThat(line.path("http").path("method").asString()).isEqualTo("GET");
        assertThat(line.path("http").path("status").asInt()).isEqualTo(200);
        // Tomcat counts what went on the wire, chunked framing included
        assertThat(line.path("bytes").path("out").asLong()).isGreaterThanOrEqualTo(readyz.body().length());
        assertThat(line.path("duration").path("ms").isNumber()).isTrue();
        assertThat(line.path("client").asString()).isEqualTo("127.0.0.1");
        assertThat(line.path("user").asString()).isEqualTo("-");
    }

    @Test
    @Order(4)
    @DisplayName("the scrape counts the logins, and storage calls against the s3 backend")
    void loginsAndS3StorageInTheScrape() throws Exception {
        String scrape = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/actuator/prometheus")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(scrape).containsPattern("cangku_logins_total\\{outcome=\"success\"\\} ([1-9]\\d*)\\.0")
                .contains("cangku_storage_operations_seconds_count{backend=\"s3\"");
    }
}
