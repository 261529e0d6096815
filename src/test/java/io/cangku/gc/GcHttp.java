package io.cangku.gc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The few HTTP calls the heavy collection tests (and the quota tests) make against a registry (a client's push steps, a pull by
 * digest, the admin API), over the JDK client. {@code api.V2Client} is that package's own (it records every
 * reply for its after-test checks, which these long concurrent runs do not want), so this is a thin one.
 */
public final class GcHttp {

    public static final JsonMapper JSON = JsonMapper.builder().build();

    // One client for the JVM: each HttpClient owns a selector thread.
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    private final URI root;

    public GcHttp(URI root) {
        this.root = root;
    }

    public record Reply(int status, byte[] body, String location) {

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        public JsonNode json() {
            return JSON.readTree(body);
        }

        public String errorCode() {
            try {
                return json().path("errors").path(0).path("code").asString(null);
            } catch (RuntimeException e) {
                return null;
            }
        }

        @Override
        public String toString() {
            String text = text();
            return status + (text.isEmpty() ? "" : " " + (text.length() > 300 ? text.substring(0, 300) + "…" : text));
        }
    }

    public Reply send(String method, String path, byte[] body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(path.startsWith("http") ? URI.create(path) : URI.create(root + path))
                .timeout(Duration.ofMinutes(2))
                .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(body));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            HttpResponse<byte[]> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Reply(response.statusCode(), response.body(), response.headers().firstValue("Location").orElse(null));
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(method + " " + path + " interrupted", e);
        }
    }

    public Reply get(String path, String... headers) {
        return send("GET", path, null, headers);
    }

    public Reply head(String path) {
        return send("HEAD", path, null);
    }

    public Reply delete(String path) {
        return send("DELETE", path, null);
    }

    /**
     * Uploads a blob as skopeo, podman and docker do: {@code POST} a session, then {@code PUT ?digest=} with the
     * bytes. Returns the final reply (201 when stored).
     */
    public Reply upload(String repository, String digest, byte[] content) {
        Reply session = send("POST", "/v2/" + repository + "/blobs/uploads/", new byte[0]);
        if (session.status() != 202) {
            return session;
        }
        String location = session.location();
        String separator = location.contains("?") ? "&" : "?";
        return send("PUT", location + separator + "digest=" + digest, content, "Content-Type", "application/octet-stream");
    }

    public Reply putManifest(String repository, String reference, String mediaType, byte[] manifest) {
        return send("PUT", "/v2/" + repository + "/manifests/" + reference, manifest, "Content-Type", mediaType);
    }

    /** {@code POST /api/gc}; answers the run record (202) or 409 while another run holds the lease. */
    public Reply startCollection(boolean dryRun) {
        return send("POST", "/api/gc", ("{\"dryRun\":" + dryRun + "}").getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json");
    }

    public JsonNode collection(String id) {
        Reply reply = get("/api/gc/" + id);
        if (reply.status() != 200) {
            throw new IllegalStateException("GET /api/gc/" + id + " -> " + reply);
        }
        return reply.json();
    }
}
