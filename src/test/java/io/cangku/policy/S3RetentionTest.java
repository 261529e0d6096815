package io.cangku.policy;

import io.cangku.testing.Backends;
import io.cangku.testing.RegistryContext;
import io.cangku.testing.TestImage;
import io.cangku.testing.TestImages;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Retention and immutable tags on S3 storage (a real S3 server: the shared s3proxy, a fresh bucket per test). */
class S3RetentionTest extends RetentionContract {

    @Override
    List<String> freshStorage() {
        return Backends.s3Arguments(Backends.newBucketName());
    }

    @Test
    @DisplayName("without conditional writes, rules are still saved and an immutable tag is still created once and refused a move")
    void immutableTagsWithoutConditionalWrites() throws Exception {
        List<String> arguments = new ArrayList<>(Backends.s3Arguments(Backends.newBucketName()));
        arguments.add("--registry.auth.mode=none");
        arguments.add("--registry.storage.s3.conditional-writes=false");
        try (RegistryContext plain = RegistryContext.start(arguments); HttpClient http = HttpClient.newHttpClient()) {
            // given
            URI base = plain.uri();
            assertThat(http.send(HttpRequest.newBuilder(base.resolve("/api/immutable-tags/releases"))
                    .header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"repositories\":\"**\",\"tags\":\"v.*\"}")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(201);
            TestImage first = TestImages.image().seed(17_001).randomLayers(1, 1024).build();
            TestImage second = TestImages.image().seed(17_002).randomLayers(1, 1024).build();

            // when / then
            assertThat(push(http, base, "plain/app", "v1", first)).isEqualTo(201);
            assertThat(push(http, base, "plain/app", "v1", first)).isEqualTo(201);
            assertThat(push(http, base, "plain/app", "v1", second)).isEqualTo(409);
        }
    }

    private static int push(HttpClient http, URI base, String repository, String tag, TestImage image) throws Exception {
        for (var blob : image.blobs()) {
            if (blob != image.manifest()) {
                http.send(HttpRequest.newBuilder(base.resolve("/v2/" + repository + "/blobs/uploads/?digest=" + blob.digest()))
                        .header("Content-Type", "application/octet-stream")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(blob.content())).build(), HttpResponse.BodyHandlers.discarding());
            }
        }
        return http.send(HttpRequest.newBuilder(base.resolve("/v2/" + repository + "/manifests/" + tag))
                .header("Content-Type", image.manifest().mediaType())
                .PUT(HttpRequest.BodyPublishers.ofByteArray(image.manifest().content())).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
