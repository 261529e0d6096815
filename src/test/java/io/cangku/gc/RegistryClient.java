package io.cangku.gc;

import io.cangku.testing.TestBlob;
import io.cangku.testing.TestImage;
import io.cangku.testing.TestIndex;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Pushes and pulls over plain HTTP the way clients do (HEAD, then monolithic upload, then manifest PUT), for
 * the garbage-collection tests: just the requests these need, with the statuses they return.
 */
final class RegistryClient {

    record Reply(int status, byte[] body, java.net.http.HttpHeaders headers) {
        String text() {
            return new String(body, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI base;

    RegistryClient(URI base) {
        this.base = base;
    }

    Reply send(String method, String path, String contentType, byte[] body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        try {
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Reply(response.statusCode(), response.body(), response.headers());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Uploads the blob unless a HEAD says the repository has it (as real clients skip). */
    void pushBlob(String repository, TestBlob blob) {
        if (send("HEAD", "/v2/" + repository + "/blobs/" + blob.digest(), null, null).status() == 200) {
            return;
        }
        Reply reply = send("POST", "/v2/" + repository + "/blobs/uploads/?digest=" + blob.digest(),
                "application/octet-stream", blob.content());
        if (reply.status() != 201) {
            throw new AssertionError("upload of " + blob + " to " + repository + " answered " + reply.status() + " " + reply.text());
        }
    }

    Reply putManifest(String repository, String reference, TestBlob manifest) {
        return send("PUT", "/v2/" + repository + "/manifests/" + reference, manifest.mediaType(), manifest.content());
    }

    /** Blobs, then the manifest under {@code tag}; fails unless the PUT answers 201. */
    void pushImage(String repository, String tag, TestImage image) {
        image.blobs().stream().filter(b -> b != image.manifest()).forEach(b -> pushBlob(repository, b));
        Reply reply = putManifest(repository, tag, image.manifest());
        if (reply.status() != 201) {
            throw new AssertionError("manifest PUT answered " + reply.status() + " " + reply.text());
        }
    }

    /** Each child by digest, then the index under {@code tag}. */
    void pushIndex(String repository, String tag, TestIndex index) {
        for (TestImage image : index.images()) {
            pushImage(repository, image.manifest().digest(), image);
        }
        Reply reply = putManifest(repository, tag, index.index());
        if (reply.status() != 201) {
            throw new AssertionError("index PUT answered " + reply.status() + " " + reply.text());
        }
    }

    Reply getManifest(String repository, String reference) {
        return send("GET", "/v2/" + repository + "/manifests/" + reference, null, null);
    }

    Reply getBlob(String repository, String digest) {
        return send("GET", "/v2/" + repository + "/blobs/" + digest, null, null);
    }

    Reply delete(String repository, String reference) {
        return send("DELETE", "/v2/" + repository + "/manifests/" + reference, null, null);
    }
}
