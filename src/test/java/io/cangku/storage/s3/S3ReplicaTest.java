package io.cangku.storage.s3;

import io.cangku.testing.Backends;
import io.cangku.testing.RegistryContext;
import io.cangku.testing.SeededContent;
import io.cangku.testing.S3TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two registry instances (two Spring contexts, as two replicas behind a load balancer would be) over one
 * bucket: whatever one writes, the other serves at once, because neither keeps state of its own.
 */
class S3ReplicaTest {

    static String bucket;
    static RegistryContext replicaA;
    static RegistryContext replicaB;
    static final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @BeforeAll
    static void startReplicas() {
        bucket = Backends.newBucketName();
        replicaA = start(bucket);
        replicaB = start(bucket);
    }

    private static RegistryContext start(String bucket) {
        return RegistryContext.startOpen(Backends.s3Arguments(bucket), "--registry.storage.s3.part-size=5MB");
    }

    @AfterAll
    static void stopReplicas() {
        replicaB.close();
        replicaA.close();
    }

    @Test
    @DisplayName("an image pushed through replica A is pulled byte for byte through replica B")
    void pushOnAPullOnB() throws Exception {
        // given an image with a small layer, a layer of several parts, and a config
        byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"
                .getBytes(StandardCharsets.UTF_8);
        byte[] smallLayer = new SeededContent(1, 100_000).bytes();
        long bigSize = 12L << 20;
        String bigDigest = new SeededContent(2, bigSize).sha256();
        // when pushed through A: the config in a monolithic PUT, the layers in one PATCH each
        String configDigest = pushWhole(replicaA, "demo/app", config);
        String smallDigest = pushInOnePatch(replicaA, "demo/app", BodyPublishers.ofByteArray(smallLayer), sha256(smallLayer));
        assertThat(pushInOnePatch(replicaA, "demo/app", BodyPublishers.ofInputStream(() -> new SeededContent(2, bigSize).open()),
                bigDigest)).isEqualTo(bigDigest);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest
                + "\",\"size\":" + config.length + "},\"layers\":["
                + "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" + smallDigest + "\",\"size\":" + smallLayer.length + "},"
                + "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" + bigDigest + "\",\"size\":" + bigSize + "}]}")
                .getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> put = send(replicaA, "PUT", "/v2/demo/app/manifests/v1",
                BodyPublishers.ofByteArray(manifest), "Content-Type", "application/vnd.oci.image.manifest.v1+json");
        assertThat(put.statusCode()).isEqualTo(201);

        // then B serves the manifest and every blob, byte for byte
        HttpResponse<byte[]> pulled = http.send(request(replicaB, "GET", "/v2/demo/app/manifests/v1", BodyPublishers.noBody(),
                "Accept", "application/vnd.oci.image.manifest.v1+json").build(), BodyHandlers.ofByteArray());
        assertThat(pulled.statusCode()).isEqualTo(200);
        assertThat(pulled.body()).isEqualTo(manifest);
        assertThat(pulled.headers().firstValue("Docker-Content-Digest")).hasValue(sha256(manifest));
        for (String digest : List.of(configDigest, smallDigest, bigDigest)) {
            HttpResponse<InputStream> blob = http.send(request(replicaB, "GET", "/v2/demo/app/blobs/" + digest,
                    BodyPublishers.noBody()).build(), BodyHandlers.ofInputStream());
            assertThat(blob.statusCode()).isEqualTo(200);
            assertThat(SeededContent.sha256(blob.body())).isEqualTo(digest);
        }
        assertThat(send(replicaB, "GET", "/v2/_catalog", BodyPublishers.noBody()).body()).contains("demo/app");
        assertThat(send(replicaB, "GET", "/v2/demo/app/tags/list", BodyPublishers.noBody()).body()).contains("\"v1\"");
    }

    @Test
    @DisplayName("a chunked upload started on A continues and completes on B, with chunks crossing part boundaries")
    void chunkedUploadAcrossReplicas() throws Exception {
        // given a blob of three chunks
        long size = 13L << 20;
        String digest = new SeededContent(3, size).sha256();
        long[] chunkEnds = {7L << 20, (7L << 20) + 1234, 11L << 20, size};
        HttpResponse<String> post = send(replicaA, "POST", "/v2/demo/chunked/blobs/uploads/", BodyPublishers.noBody());
        assertThat(post.statusCode()).isEqualTo(202);
        String location = post.headers().firstValue("Location").orElseThrow();

        // when the chunks alternate between the replicas, and B finishes
        try (InputStream source = new SeededContent(3, size).open()) {
            long start = 0;
            for (int i = 0; i < chunkEnds.length - 1; i++) {
                RegistryContext replica = i % 2 == 0 ? replicaA : replicaB;
                long end = chunkEnds[i];
                byte[] chunk = source.readNBytes((int) (end - start));
                HttpResponse<String> patch = send(replica, "PATCH", path(location), BodyPublishers.ofByteArray(chunk),
                        "Content-Type", "application/octet-stream", "Content-Range", start + "-" + (end - 1));
                assertThat(patch.statusCode()).as("PATCH %d", i).isEqualTo(202);
                assertThat(patch.headers().firstValue("Range")).hasValue("0-" + (end - 1));
                location = patch.headers().firstValue("Location").orElseThrow();
                start = end;
            }
            // the status is the same from either replica
            assertThat(send(replicaA, "GET", path(location), BodyPublishers.noBody()).headers().firstValue("Range"))
                    .hasValue("0-" + (start - 1));
            byte[] last = source.readAllBytes();
            String separator = location.contains("?") ? "&" : "?";
            HttpResponse<String> put = send(replicaB, "PUT", path(location) + separator + "digest=" + digest,
                    BodyPublishers.ofByteArray(last), "Content-Type", "application/octet-stream");
            assertThat(put.statusCode()).isEqualTo(201);
        }

        // then A serves it
        HttpResponse<InputStream> blob = http.send(request(replicaA, "GET", "/v2/demo/chunked/blobs/" + digest,
                BodyPublishers.noBody()).build(), BodyHandlers.ofInputStream());
        assertThat(blob.statusCode()).isEqualTo(200);
        assertThat(blob.headers().firstValueAsLong("Content-Length")).hasValue(size);
        assertThat(SeededContent.sha256(blob.body())).isEqualTo(digest);
        // and the finished session is gone on both
        assertThat(send(replicaA, "GET", path(location), BodyPublishers.noBody()).statusCode()).isEqualTo(404);
        assertThat(send(replicaB, "GET", path(location), BodyPublishers.noBody()).statusCode()).isEqualTo(404);
    }

    @Test
    @DisplayName("a tag deleted on A is gone on B at once, and a tag added on A is there on B at once")
    void tagChangesAreSeenAtOnce() throws Exception {
        // given a tagged manifest, read through B so any cache B keeps has seen it
        byte[] config = "{\"architecture\":\"arm64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
        String configDigest = pushWhole(replicaA, "demo/tags", config);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest
                + "\",\"size\":" + config.length + "},\"layers\":[]}").getBytes(StandardCharsets.UTF_8);
        assertThat(send(replicaA, "PUT", "/v2/demo/tags/manifests/old", BodyPublishers.ofByteArray(manifest),
                "Content-Type", "application/vnd.oci.image.manifest.v1+json").statusCode()).isEqualTo(201);
        assertThat(send(replicaB, "GET", "/v2/demo/tags/manifests/old", BodyPublishers.noBody(),
                "Accept", "application/vnd.oci.image.manifest.v1+json").statusCode()).isEqualTo(200);
        assertThat(send(replicaB, "HEAD", "/v2/demo/tags/manifests/old", BodyPublishers.noBody(),
                "Accept", "application/vnd.oci.image.manifest.v1+json").statusCode()).isEqualTo(200);

        // when A deletes it and adds another
        assertThat(send(replicaA, "DELETE", "/v2/demo/tags/manifests/old", BodyPublishers.noBody()).statusCode()).isEqualTo(202);
        assertThat(send(replicaA, "PUT", "/v2/demo/tags/manifests/new", BodyPublishers.ofByteArray(manifest),
                "Content-Type", "application/vnd.oci.image.manifest.v1+json").statusCode()).isEqualTo(201);

        // then B answers from storage, not from memory
        assertThat(send(replicaB, "GET", "/v2/demo/tags/manifests/old", BodyPublishers.noBody(),
                "Accept", "application/vnd.oci.image.manifest.v1+json").statusCode()).isEqualTo(404);
        assertThat(send(replicaB, "HEAD", "/v2/demo/tags/manifests/old", BodyPublishers.noBody(),
                "Accept", "application/vnd.oci.image.manifest.v1+json").statusCode()).isEqualTo(404);
        assertThat(send(replicaB, "GET", "/v2/demo/tags/manifests/new", BodyPublishers.noBody(),
                "Accept", "application/vnd.oci.image.manifest.v1+json").statusCode()).isEqualTo(200);
        String tags = send(replicaB, "GET", "/v2/demo/tags/tags/list", BodyPublishers.noBody()).body();
        assertThat(tags).contains("\"new\"").doesNotContain("\"old\"");
    }

    @Test
    @DisplayName("an upload whose digest does not match, or that is cancelled, leaves nothing in the bucket")
    void rejectedAndCancelledUploadsLeaveNothing() throws Exception {
        // given an upload of several parts begun on A
        long size = 11L << 20;
        String wrong = new SeededContent(99, 10).sha256();
        HttpResponse<String> post = send(replicaA, "POST", "/v2/demo/rejected/blobs/uploads/", BodyPublishers.noBody());
        HttpResponse<String> patch = send(replicaA, "PATCH", path(post.headers().firstValue("Location").orElseThrow()),
                BodyPublishers.ofInputStream(() -> new SeededContent(4, size).open()), "Content-Type", "application/octet-stream");
        assertThat(patch.statusCode()).isEqualTo(202);
        String location = patch.headers().firstValue("Location").orElseThrow();
        // when B is asked to complete it under a digest it does not have
        HttpResponse<String> put = send(replicaB, "PUT", path(location) + (location.contains("?") ? "&" : "?") + "digest=" + wrong,
                BodyPublishers.noBody());
        // then
        assertThat(put.statusCode()).isEqualTo(400);
        assertThat(put.body()).contains("DIGEST_INVALID");
        assertThat(send(replicaA, "HEAD", "/v2/demo/rejected/blobs/" + wrong, BodyPublishers.noBody()).statusCode()).isEqualTo(404);

        // and when another upload is cancelled on B after A received bytes
        post = send(replicaA, "POST", "/v2/demo/rejected/blobs/uploads/", BodyPublishers.noBody());
        patch = send(replicaA, "PATCH", path(post.headers().firstValue("Location").orElseThrow()),
                BodyPublishers.ofInputStream(() -> new SeededContent(5, size).open()), "Content-Type", "application/octet-stream");
        assertThat(send(replicaB, "DELETE", path(patch.headers().firstValue("Location").orElseThrow()), BodyPublishers.noBody())
                .statusCode()).isEqualTo(204);
        // the teardown finds no session objects and no multipart uploads
    }

    @Test
    @DisplayName("a session cancelled or completed on B is over on A too, though A started it and has just taken a chunk of it")
    void aSessionEndedOnOneReplicaIsOverOnTheOther() throws Exception {
        // given two sessions started on A, each with a chunk through A (A has read and kept each session's state)
        byte[] chunk = new SeededContent(6, 100_000).bytes();
        String[] locations = new String[2];
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> post = send(replicaA, "POST", "/v2/demo/ended/blobs/uploads/", BodyPublishers.noBody());
            HttpResponse<String> patch = send(replicaA, "PATCH", path(post.headers().firstValue("Location").orElseThrow()),
                    BodyPublishers.ofByteArray(chunk), "Content-Type", "application/octet-stream");
            assertThat(patch.statusCode()).isEqualTo(202);
            locations[i] = patch.headers().firstValue("Location").orElseThrow();
        }

        // when B cancels the first and completes the second
        assertThat(send(replicaB, "DELETE", path(locations[0]), BodyPublishers.noBody()).statusCode()).isEqualTo(204);
        assertThat(send(replicaB, "PUT", path(locations[1]) + (locations[1].contains("?") ? "&" : "?") + "digest=" + sha256(chunk),
                BodyPublishers.noBody()).statusCode()).isEqualTo(201);

        // then A answers BLOB_UPLOAD_UNKNOWN for both, whatever it is asked
        for (String location : locations) {
            HttpResponse<String> patch = send(replicaA, "PATCH", path(location), BodyPublishers.ofByteArray(chunk),
                    "Content-Type", "application/octet-stream", "Content-Range", chunk.length + "-" + (2 * chunk.length - 1));
            assertThat(patch.statusCode()).as("PATCH").isEqualTo(404);
            assertThat(patch.body()).contains("BLOB_UPLOAD_UNKNOWN");
            assertThat(send(replicaA, "GET", path(location), BodyPublishers.noBody()).statusCode()).as("GET").isEqualTo(404);
            assertThat(send(replicaA, "PUT", path(location) + (location.contains("?") ? "&" : "?") + "digest=" + sha256(chunk),
                    BodyPublishers.noBody()).statusCode()).as("PUT").isEqualTo(404);
            HttpResponse<String> cancel = send(replicaA, "DELETE", path(location), BodyPublishers.noBody());
            assertThat(cancel.statusCode()).as("DELETE").isEqualTo(404);
            assertThat(cancel.body()).contains("BLOB_UPLOAD_UNKNOWN");
        }
    }

    /** Finished, cancelled or failed, no upload session leaves objects or multipart uploads behind. */
    @AfterEach
    void noUploadLeftovers() {
        S3Properties properties = S3Properties.of(bucket, S3TestServer.shared().endpoint(), S3TestServer.ACCESS_KEY,
                S3TestServer.SECRET_KEY);
        try (S3Client s3 = S3ClientFactory.client(properties)) {
            assertThat(s3.listObjectsV2(b -> b.bucket(bucket).prefix("_uploads/")).contents()).isEmpty();
            assertThat(s3.listMultipartUploads(b -> b.bucket(bucket)).uploads()).isEmpty();
        }
    }

    // ---------------------------------------------------------------- HTTP

    private static String pushWhole(RegistryContext replica, String repository, byte[] content) throws Exception {
        String digest = sha256(content);
        HttpResponse<String> put = send(replica, "POST", "/v2/" + repository + "/blobs/uploads/?digest=" + digest,
                BodyPublishers.ofByteArray(content), "Content-Type", "application/octet-stream");
        if (put.statusCode() == 202) { // a registry may ask for the two-step upload instead
            String location = put.headers().firstValue("Location").orElseThrow();
            put = send(replica, "PUT", path(location) + (location.contains("?") ? "&" : "?") + "digest=" + digest,
                    BodyPublishers.ofByteArray(content), "Content-Type", "application/octet-stream");
        }
        assertThat(put.statusCode()).isEqualTo(201);
        return digest;
    }

    private static String pushInOnePatch(RegistryContext replica, String repository, BodyPublisher body,
                                         String digest) throws Exception {
        HttpResponse<String> post = send(replica, "POST", "/v2/" + repository + "/blobs/uploads/", BodyPublishers.noBody());
        assertThat(post.statusCode()).isEqualTo(202);
        HttpResponse<String> patch = send(replica, "PATCH", path(post.headers().firstValue("Location").orElseThrow()), body,
                "Content-Type", "application/octet-stream");
        assertThat(patch.statusCode()).isEqualTo(202);
        String location = patch.headers().firstValue("Location").orElseThrow();
        HttpResponse<String> put = send(replica, "PUT", path(location) + (location.contains("?") ? "&" : "?") + "digest=" + digest,
                BodyPublishers.noBody());
        assertThat(put.statusCode()).isEqualTo(201);
        return digest;
    }

    private static HttpResponse<String> send(RegistryContext replica, String method, String path,
                                             BodyPublisher body, String... headers) throws IOException, InterruptedException {
        return http.send(request(replica, method, path, body, headers).build(), BodyHandlers.ofString());
    }

    private static HttpRequest.Builder request(RegistryContext replica, String method, String path,
                                               BodyPublisher body, String... headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base(replica) + path)).method(method, body);
        for (int i = 0; i < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        return builder;
    }

    private static String base(RegistryContext replica) {
        return replica.uri().toString();
    }

    /** The path and query of a Location, which may be absolute or relative. */
    private static String path(String location) {
        URI uri = URI.create(location);
        return uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    }

    private static String sha256(byte[] content) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    }
}
