package io.cangku.storage.s3;

import io.cangku.testing.Backends;
import io.cangku.testing.RegistryProcess;
import io.cangku.testing.S3TestServer;
import io.cangku.testing.SeededContent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
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
    private RegistryProcess registry;

    @AfterEach
    void stop() {
        if (registry != null) {
            registry.close();
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
        List<String> arguments = new ArrayList<>(Backends.s3Arguments(s3, "large-" + ProcessHandle.current().pid()));
        arguments.add("--registry.storage.s3.buffer-directory=" + Files.createDirectories(work.resolve("buffers")));
        registry = RegistryProcess.start(work.resolve("registry.log"), List.of("-Xmx256m", "-XX:+ExitOnOutOfMemoryError"),
                arguments);
        URI base = registry.uri();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
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
        assertThat(registry.log()).doesNotContain("OutOfMemoryError");
        System.out.printf("%d MiB through S3 with -Xmx256m: push %ds (%.0f MiB/s; PATCHes %ds, final PUT %ds), pull %ds (%.0f MiB/s)%n",
                SIZE >> 20, push.toSeconds(), SIZE / 1048576.0 / Math.max(1, push.toMillis()) * 1000,
                patches.toSeconds(), push.minus(patches).toSeconds(),
                pull.toSeconds(), SIZE / 1048576.0 / Math.max(1, pull.toMillis()) * 1000);
    }
}
