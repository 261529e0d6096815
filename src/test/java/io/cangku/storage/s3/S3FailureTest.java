package io.cangku.storage.s3;

import io.cangku.testing.Backends;
import io.cangku.testing.RegistryContext;
import io.cangku.testing.SeededContent;
import io.cangku.testing.S3TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When the store is unreachable, every request that needs it is answered 503 UNAVAILABLE with the spec's
 * error body (after the SDK's retries), the registry keeps answering what needs no storage, and it serves
 * again as soon as the store is back, with nothing half-written visible.
 */
class S3FailureTest {

    @TempDir
    Path objects;

    private S3TestServer s3;
    private RegistryContext registry;
    private final HttpClient http = HttpClient.newHttpClient();

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
    @DisplayName("an unreachable store gives 503 UNAVAILABLE, and the registry recovers when it returns")
    void outageAndRecovery() throws Exception {
        // given a registry on a store that works, with a blob in it
        s3 = S3TestServer.filesystem(objects);
        int s3Port = s3.endpoint().getPort();
        registry = RegistryContext.startOpen(Backends.s3Arguments(s3, "outage"),
                "--registry.storage.s3.max-attempts=2", "--registry.storage.s3.connection-timeout=1s");
        URI base = registry.uri();
        SeededContent stored = new SeededContent(21, 10_000);
        byte[] content = stored.bytes();
        String digest = stored.sha256();
        SeededContent refused = new SeededContent(22, 100);
        assertThat(send(base, "POST", "/v2/demo/outage/blobs/uploads/?digest=" + digest, content).statusCode()).isEqualTo(201);

        // when the store goes away
        s3.close();
        s3 = null;

        // then requests that need it answer 503 with the spec's error, and the rest still works
        HttpResponse<String> get = send(base, "GET", "/v2/demo/outage/blobs/" + digest, null);
        assertThat(get.statusCode()).isEqualTo(503);
        assertThat(get.body()).contains("UNAVAILABLE");
        assertThat(get.headers().firstValue("Retry-After")).isPresent();
        HttpResponse<String> push = send(base, "POST", "/v2/demo/outage/blobs/uploads/?digest=" + refused.sha256(),
                refused.bytes());
        assertThat(push.statusCode()).isEqualTo(503);
        assertThat(send(base, "GET", "/v2/demo/outage/tags/list", null).statusCode()).isEqualTo(503);
        assertThat(send(base, "GET", "/v2/", null).statusCode()).isEqualTo(200);

        // when the store is back
        s3 = S3TestServer.filesystem(objects, s3Port);

        // then the registry serves again, and the push that failed left no blob
        HttpResponse<String> again = send(base, "GET", "/v2/demo/outage/blobs/" + digest, null);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)).isEqualTo(content);
        assertThat(send(base, "HEAD", "/v2/demo/outage/blobs/" + refused.sha256(), null).statusCode()).isEqualTo(404);
    }

    private HttpResponse<String> send(URI base, String method, String path, byte[] body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
                .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(body));
        if (body != null) {
            request.header("Content-Type", "application/octet-stream");
        }
        return http.send(request.build(), BodyHandlers.ofString(java.nio.charset.StandardCharsets.ISO_8859_1));
    }
}
