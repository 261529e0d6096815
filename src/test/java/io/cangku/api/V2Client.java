package io.cangku.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A thin client for {@code /v2} over the JDK {@link HttpClient}: paths go out exactly as written (so a test
 * can send {@code ..} or {@code %2F}), redirects are not followed, and every reply is remembered so a test
 * class can check, after each test, that no reply was a 5xx and that every error body is the spec's envelope.
 */
final class V2Client {

    /** distribution-spec v1.1, "Error Codes": the {@code code} field MUST be one of these. */
    static final Set<String> SPEC_ERROR_CODES = Set.of(
            "BLOB_UNKNOWN", "BLOB_UPLOAD_INVALID", "BLOB_UPLOAD_UNKNOWN", "DIGEST_INVALID",
            "MANIFEST_BLOB_UNKNOWN", "MANIFEST_INVALID", "MANIFEST_UNKNOWN", "NAME_INVALID", "NAME_UNKNOWN",
            "SIZE_INVALID", "UNAUTHORIZED", "DENIED", "UNSUPPORTED", "TOOMANYREQUESTS");

    /**
     * Codes the server sends beyond the spec's list. distribution registers PAGINATION_NUMBER_INVALID for a
     * bad {@code n} too; it is a known deviation from "MUST be one of the following", accepted here by name
     * so that any other new code still fails.
     */
    static final Set<String> TOLERATED_EXTRA_CODES = Set.of("PAGINATION_NUMBER_INVALID");

    static final JsonMapper JSON = JsonMapper.builder().build();

    // One client for the whole JVM: each HttpClient owns a selector thread.
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    private static final Pattern STACK_FRAME = Pattern.compile("\\bat [\\w$.]+\\([\\w$]+\\.java:\\d+\\)");

    private final URI root;
    // Concurrency tests share one client between threads.
    private final List<Reply> replies = java.util.Collections.synchronizedList(new ArrayList<>());

    V2Client(URI root) {
        this.root = root;
    }

    static V2Client onPort(int port) {
        return new V2Client(URI.create("http://127.0.0.1:" + port));
    }

    URI root() {
        return root;
    }

    /** What the registry answered: status, headers and the whole body (test bodies are small). */
    record Reply(String request, int status, HttpHeaders headers, byte[] body) {

        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        JsonNode json() {
            return JSON.readTree(body);
        }

        /** The code of the first error in the body. */
        String errorCode() {
            return json().path("errors").path(0).path("code").asString(null);
        }

        /** The {@code Link} header's target when it has {@code rel="next"}. */
        Optional<String> nextLink() {
            String link = header("Link");
            if (link == null) {
                return Optional.empty();
            }
            Matcher m = Pattern.compile("<([^>]+)>;\\s*rel=\"next\"").matcher(link);
            return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
        }

        @Override
        public String toString() {
            return request + " -> " + status + " " + headers.map() + (body.length == 0 ? "" : " " + abbreviate(text()));
        }

        private static String abbreviate(String s) {
            return s.length() > 400 ? s.substring(0, 400) + "…" : s;
        }
    }

    Reply get(String path, String... headers) {
        return send("GET", path, BodyPublishers.noBody(), headers);
    }

    Reply head(String path, String... headers) {
        return send("HEAD", path, BodyPublishers.noBody(), headers);
    }

    Reply delete(String path) {
        return send("DELETE", path, BodyPublishers.noBody());
    }

    Reply post(String path, byte[] body, String... headers) {
        return send("POST", path, BodyPublishers.ofByteArray(body), headers);
    }

    Reply put(String path, byte[] body, String... headers) {
        return send("PUT", path, BodyPublishers.ofByteArray(body), headers);
    }

    Reply patch(String path, byte[] body, String... headers) {
        return send("PATCH", path, BodyPublishers.ofByteArray(body), headers);
    }

    /** A body sent with {@code Transfer-Encoding: chunked}: the JDK sends a stream of unknown length that way. */
    static BodyPublisher streamed(Supplier<InputStream> body) {
        return BodyPublishers.ofInputStream(body);
    }

    /** A streamed body with a {@code Content-Length}, never held in memory. */
    static BodyPublisher streamed(Supplier<InputStream> body, long contentLength) {
        return BodyPublishers.fromPublisher(BodyPublishers.ofInputStream(body), contentLength);
    }

    /** Sends one request; {@code headers} are name/value pairs. */
    Reply send(String method, String path, BodyPublisher body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(resolve(path))
                .timeout(Duration.ofMinutes(5))
                .method(method, body);
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        String description = method + " " + path;
        try {
            HttpResponse<byte[]> response = HTTP.send(request.build(), BodyHandlers.ofByteArray());
            Reply reply = new Reply(description, response.statusCode(), response.headers(), response.body());
            replies.add(reply);
            return reply;
        } catch (IOException e) {
            throw new UncheckedIOException(description + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(description + " interrupted", e);
        }
    }

    /** Streams a response body to the caller (a large blob); the caller closes it. Not recorded. */
    HttpResponse<InputStream> getStream(String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(resolve(path)).timeout(Duration.ofMinutes(10)).GET().build(),
                    BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    URI resolve(String pathOrUrl) {
        return pathOrUrl.startsWith("http") ? URI.create(pathOrUrl) : URI.create(root + pathOrUrl);
    }

    // ---- flows many tests share -------------------------------------------------------------------------

    /** Pushes a blob in one {@code POST ?digest=} and returns its digest. */
    String pushBlob(String repository, byte[] content) {
        String digest = OciContent.sha256(content);
        Reply reply = post("/v2/" + repository + "/blobs/uploads/?digest=" + digest, content,
                "Content-Type", "application/octet-stream");
        assertThat(reply.status()).as("%s", reply).isEqualTo(201);
        return digest;
    }

    void pushBlobs(String repository, OciContent.Blob... blobs) {
        for (OciContent.Blob blob : blobs) {
            pushBlob(repository, blob.bytes());
        }
    }

    /** Starts an upload session and returns its Location (a path). */
    String startUpload(String repository) {
        Reply reply = post("/v2/" + repository + "/blobs/uploads/", new byte[0]);
        assertThat(reply.status()).as("%s", reply).isEqualTo(202);
        return reply.header("Location");
    }

    Reply putManifest(String repository, String reference, OciContent.Document manifest) {
        return put("/v2/" + repository + "/manifests/" + reference, manifest.bytes(), "Content-Type", manifest.mediaType());
    }

    /** Pushes a manifest and expects 201. */
    void pushManifest(String repository, String reference, OciContent.Document manifest) {
        Reply reply = putManifest(repository, reference, manifest);
        assertThat(reply.status()).as("%s", reply).isEqualTo(201);
    }

    /** Pushes an image's blobs and its manifest under {@code tag}. */
    void pushImage(String repository, String tag, OciContent.Image image) {
        pushBlobs(repository, image.blobs().toArray(OciContent.Blob[]::new));
        pushManifest(repository, tag, image.manifest());
    }

    // ---- checks after each test --------------------------------------------------------------------------

    /**
     * No reply was a 5xx (a client's mistake is never the server's error), and every error reply with a
     * body is exactly {@code {"errors":[{"code","message","detail"}, ...]}} with a spec code, carries the
     * API version header, and holds no stack trace.
     */
    void assertEveryReplyWellFormed() {
        List<Reply> received;
        synchronized (replies) {
            received = List.copyOf(replies);
            replies.clear();
        }
        for (Reply reply : received) {
            assertThat(reply.status()).as("no 5xx: %s", reply).isLessThan(500);
            if (reply.status() >= 400) {
                assertWellFormedError(reply);
            }
        }
    }

    static void assertWellFormedError(Reply reply) {
        assertThat(reply.header("Docker-Distribution-API-Version")).as("%s", reply).isEqualTo("registry/2.0");
        if (reply.body().length == 0) {
            assertThat(reply.request()).as("only HEAD answers an error without a body: %s", reply).startsWith("HEAD ");
            return;
        }
        assertThat(reply.header("Content-Type")).as("%s", reply).startsWith("application/json");
        String text = reply.text();
        assertThat(STACK_FRAME.matcher(text).find()).as("stack trace in %s", reply).isFalse();
        assertThat(text).as("%s", reply).doesNotContain("Exception", "\tat ");
        JsonNode body = reply.json();
        assertThat(body.propertyNames()).as("%s", reply).containsExactly("errors");
        JsonNode errors = body.get("errors");
        assertThat(errors.isArray() && !errors.isEmpty()).as("%s", reply).isTrue();
        for (JsonNode error : errors) {
            assertThat(error.propertyNames()).as("%s", reply).containsExactlyInAnyOrder("code", "message", "detail");
            String code = error.get("code").asString();
            assertThat(code).as("%s", reply).matches("[A-Z_]+");
            assertThat(SPEC_ERROR_CODES.contains(code) || TOLERATED_EXTRA_CODES.contains(code))
                    .as("code %s is one of the spec's: %s", code, reply).isTrue();
            assertThat(error.get("message").isString()).as("%s", reply).isTrue();
        }
    }

    /** Parses the query of a path such as {@code /v2/x/tags/list?n=2&last=b}. */
    static Map<String, String> query(String pathAndQuery) {
        URI uri = URI.create(pathAndQuery);
        Map<String, String> result = new java.util.LinkedHashMap<>();
        if (uri.getRawQuery() != null) {
            for (String pair : uri.getRawQuery().split("&")) {
                int eq = pair.indexOf('=');
                result.put(java.net.URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return result;
    }
}
