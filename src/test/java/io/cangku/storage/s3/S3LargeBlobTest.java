package io.cangku.storage.s3;

import io.cangku.CangkuApplication;
import io.cangku.testing.SeededContent;
import io.cangku.testing.S3TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A 2 GiB blob pushed in chunked PATCHes and pulled back through a registry on S3 whose JVM has a 256 MiB
 * heap: proof that no path holds a blob in memory. The registry runs as a separate process (the test's
 * classpath, {@code java -Xmx256m io.cangku.CangkuApplication}) against s3proxy in this JVM, which keeps the
 * objects as files under a temporary directory. Tagged {@code large}: it moves about 10 GiB through disks.
 */
@Tag("large")
class S3LargeBlobTest {

    static final long SIZE = Long.getLong("cangku.test.large-blob-bytes", 2L << 30);
    static final long CHUNK = 256L << 20;
    static final long SEED = 7_2026L;

    @TempDir
    Path work;

    private S3TestServer s3;
    private Process registry;
    private Path log;

    @AfterEach
    void stop() throws Exception {
        if (registry != null) {
            registry.destroy();
            if (!registry.waitFor(30, TimeUnit.SECONDS)) {
                registry.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        if (s3 != null) {
            s3.close();
        }
    }

    @Test
    @DisplayName("a 2 GiB blob pushes in chunks and pulls back intact through S3 with -Xmx256m")
    void twoGiBThroughS3With256MiBHeap() throws Exception {
        // given s3proxy here, and the registry in its own small JVM
        Path objects = Files.createDirectories(work.resolve("s3"));
        s3 = S3TestServer.filesystem(objects);
        int port = freePort();
        log = work.resolve("registry.log");
        registry = startRegistry(port, "large-" + ProcessHandle.current().pid());
        URI base = URI.create("http://127.0.0.1:" + port);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        awaitReady(http, base);
        SeededContent blob = new SeededContent(SEED, SIZE);
        String expected = blob.sha256();

        // when pushed in chunked PATCHes of 256 MiB, streamed from a seeded generator
        Instant pushStart = Instant.now();
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(base.resolve("/v2/big/blob/blobs/uploads/"))
                .POST(BodyPublishers.noBody()).build(), BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(202);
        String location = post.headers().firstValue("Location").orElseThrow();
        for (long start = 0; start < SIZE; start += CHUNK) {
            long from = start;
            long length = Math.min(CHUNK, SIZE - start);
            HttpResponse<String> patch = http.send(HttpRequest.newBuilder(base.resolve(location))
                    .method("PATCH", BodyPublishers.fromPublisher(BodyPublishers.ofInputStream(() -> blob.open(from, length)), length))
                    .header("Content-Type", "application/octet-stream")
                    .header("Content-Range", start + "-" + (start + length - 1))
                    .build(), BodyHandlers.ofString());
            assertThat(patch.statusCode()).as("PATCH at %d: %s", start, patch.body()).isEqualTo(202);
            location = patch.headers().firstValue("Location").orElseThrow();
        }
        Duration patches = Duration.between(pushStart, Instant.now());
        String separator = location.contains("?") ? "&" : "?";
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(base.resolve(location + separator + "digest=" + expected))
                .PUT(BodyPublishers.noBody()).build(), BodyHandlers.ofString());
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
        Duration push = Duration.between(pushStart, Instant.now());

        // then it pulls back with the same digest
        Instant pullStart = Instant.now();
        HttpResponse<InputStream> get = http.send(HttpRequest.newBuilder(base.resolve("/v2/big/blob/blobs/" + expected))
                .GET().build(), BodyHandlers.ofInputStream());
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.headers().firstValueAsLong("Content-Length")).hasValue(SIZE);
        assertThat(SeededContent.sha256(get.body())).isEqualTo(expected);
        Duration pull = Duration.between(pullStart, Instant.now());

        assertThat(registry.isAlive()).as("the registry survived").isTrue();
        assertThat(Files.readString(log)).doesNotContain("OutOfMemoryError");
        System.out.printf("%d MiB through S3 with -Xmx256m: push %ds (%.0f MiB/s; PATCHes %ds, final PUT %ds), pull %ds (%.0f MiB/s)%n",
                SIZE >> 20, push.toSeconds(), SIZE / 1048576.0 / Math.max(1, push.toMillis()) * 1000,
                patches.toSeconds(), push.minus(patches).toSeconds(),
                pull.toSeconds(), SIZE / 1048576.0 / Math.max(1, pull.toMillis()) * 1000);
    }

    private Process startRegistry(int port, String bucket) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+ExitOnOutOfMemoryError",
                "-cp", System.getProperty("java.class.path"), CangkuApplication.class.getName(),
                "--server.port=" + port,
                "--registry.auth.mode=none",
                "--registry.storage.type=s3",
                "--registry.storage.s3.bucket=" + bucket,
                "--registry.storage.s3.endpoint=" + s3.endpoint(),
                "--registry.storage.s3.path-style-access=true",
                "--registry.storage.s3.access-key=" + S3TestServer.ACCESS_KEY,
                "--registry.storage.s3.secret-key=" + S3TestServer.SECRET_KEY,
                "--registry.storage.s3.create-bucket=true",
                "--registry.storage.s3.buffer-directory=" + Files.createDirectories(work.resolve("buffers"))));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private void awaitReady(HttpClient http, URI base) throws Exception {
        Instant deadline = Instant.now().plusSeconds(90);
        while (Instant.now().isBefore(deadline)) {
            assertThat(registry.isAlive()).as("registry exited early:%n%s", Files.readString(log)).isTrue();
            try {
                if (http.send(HttpRequest.newBuilder(base.resolve("/v2/")).build(), BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new AssertionError("registry did not start in 90 s:\n" + Files.readString(log));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
