package io.cangku.clients;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import io.cangku.testing.TestImages;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads what the registry holds over plain HTTP, independently of the client under test, so that a round
 * trip is judged by the bytes the registry serves and not by what the same client says about them.
 */
final class RegistryContent {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String ACCEPT = String.join(", ", TestImages.OCI_MANIFEST, TestImages.OCI_INDEX,
            TestImages.DOCKER_MANIFEST, TestImages.DOCKER_MANIFEST_LIST);

    /** A manifest as served: its bytes, its Content-Type and its Docker-Content-Digest header. */
    record Manifest(byte[] content, String mediaType, String digestHeader) {

        JsonNode json() {
            return JSON.readTree(content);
        }
    }

    private final URI root;
    private final HttpClient http = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NORMAL)   // a backend may serve blobs by redirect
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    RegistryContent(String hostAndPort) {
        this.root = URI.create("http://" + hostAndPort + "/v2/");
    }

    Manifest manifest(String repository, String reference) {
        HttpResponse<byte[]> response = send("GET", repository + "/manifests/" + reference);
        if (response.statusCode() != 200) {
            throw new AssertionError("GET manifest " + repository + ":" + reference + " answered "
                    + response.statusCode() + ": " + new String(response.body()));
        }
        return new Manifest(response.body(),
                response.headers().firstValue("Content-Type").orElse(""),
                response.headers().firstValue("Docker-Content-Digest").orElse(""));
    }

    /** The status of {@code HEAD /v2/<repository>/manifests/<reference>}. */
    int manifestStatus(String repository, String reference) {
        return send("HEAD", repository + "/manifests/" + reference).statusCode();
    }

    byte[] blob(String repository, String digest) {
        HttpResponse<byte[]> response = send("GET", repository + "/blobs/" + digest);
        if (response.statusCode() != 200) {
            throw new AssertionError("GET blob " + digest + " in " + repository + " answered "
                    + response.statusCode());
        }
        return response.body();
    }

    private HttpResponse<byte[]> send(String method, String path) {
        HttpRequest request = HttpRequest.newBuilder(root.resolve(path))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .header("Accept", ACCEPT)
                .timeout(Duration.ofSeconds(30))
                .build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new AssertionError(method + " " + request.uri() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
