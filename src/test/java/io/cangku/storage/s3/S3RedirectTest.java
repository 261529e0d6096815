package io.cangku.storage.s3;

import io.cangku.testing.Backends;
import io.cangku.testing.RegistryContext;
import io.cangku.testing.SeededContent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code registry.storage.s3.redirect=true}: blob GET answers 307 to a presigned URL the client fetches from S3. */
class S3RedirectTest {

    static RegistryContext registry;
    static final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @BeforeAll
    static void start() {
        registry = RegistryContext.startOpen(Backends.s3Arguments(Backends.newBucketName()), "--registry.storage.s3.redirect=true");
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    @Test
    @DisplayName("blob GET redirects to the store, HEAD answers itself")
    void redirects() throws Exception {
        // given a pushed blob
        URI base = registry.uri();
        SeededContent blob = new SeededContent(11, 300_000);
        byte[] content = blob.bytes();
        String digest = blob.sha256();
        HttpResponse<String> push = http.send(HttpRequest.newBuilder(base.resolve("/v2/demo/redirect/blobs/uploads/?digest=" + digest))
                .POST(BodyPublishers.ofByteArray(content)).header("Content-Type", "application/octet-stream").build(),
                BodyHandlers.ofString());
        assertThat(push.statusCode()).isEqualTo(201);

        // when
        HttpResponse<Void> get = http.send(HttpRequest.newBuilder(base.resolve("/v2/demo/redirect/blobs/" + digest)).build(),
                BodyHandlers.discarding());
        HttpResponse<Void> head = http.send(HttpRequest.newBuilder(base.resolve("/v2/demo/redirect/blobs/" + digest))
                .method("HEAD", BodyPublishers.noBody()).build(), BodyHandlers.discarding());

        // then the client fetches the bytes from the store, without credentials of its own
        assertThat(get.statusCode()).isEqualTo(307);
        URI location = URI.create(get.headers().firstValue("Location").orElseThrow());
        assertThat(location.getQuery()).contains("X-Amz-Signature");
        HttpResponse<byte[]> direct = http.send(HttpRequest.newBuilder(location).build(), BodyHandlers.ofByteArray());
        assertThat(direct.statusCode()).isEqualTo(200);
        assertThat(direct.body()).isEqualTo(content);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(content.length);
    }
}
