package io.cangku.auth;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Raw HTTP against a registry for the auth tests: the JDK client, nothing cached, every header visible. Knows
 * just enough of the token protocol and of pushing to drive {@code /v2} with explicit tokens.
 *
 * <p>Deliberately not {@code api.V2Client}: that client records every reply so that a test fails on any 5xx or
 * malformed error body, while the auth tests send refused, forged and throttled requests on purpose and check
 * each answer (status, challenge, Retry-After) themselves; here a {@code null} header value leaves the header
 * out, so one call can be made with or without credentials. Nor {@code conformance.RegistryHttp}, which
 * answers challenges by itself as the Go suite's client does, where these tests must see them.
 */
public final class TokenHttp {

    public static final JsonMapper JSON = JsonMapper.builder().build();

    private final URI root;
    private final HttpClient client;

    public TokenHttp(URI root) {
        this(root, null);
    }

    /**
     * Requests sent from {@code localAddress} (any of 127.0.0.0/8 on Linux): the registry sees a client at that
     * address, as it would see another machine, with nothing a client could fake (X-Forwarded-For is ignored).
     */
    public TokenHttp(URI root, InetAddress localAddress) {
        this.root = root;
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10));
        if (localAddress != null) {
            builder.localAddress(localAddress);
        }
        this.client = builder.build();
    }

    /** A client at {@code 127.0.0.<lastOctet>}. */
    public static TokenHttp from(URI root, int lastOctet) {
        try {
            return new TokenHttp(root, InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) lastOctet}));
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    public record Response(int status, HttpHeaders headers, byte[] body) {

        public String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        public JsonNode json() {
            return JSON.readTree(body);
        }

        /** The first OCI error code of an {@code {"errors":[...]}} body. */
        public String errorCode() {
            return json().path("errors").path(0).path("code").asString("");
        }

        @Override
        public String toString() {
            return status + " " + headers.map() + " " + text();
        }
    }

    /** Sends a request; {@code headers} are name/value pairs. */
    public Response send(String method, String pathAndQuery, byte[] body, String... headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(root.resolve(pathAndQuery)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i < headers.length; i += 2) {
            if (headers[i + 1] != null) {
                builder.header(headers[i], headers[i + 1]);
            }
        }
        try {
            HttpResponse<byte[]> response = client.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Response(response.statusCode(), response.headers(), response.body() == null ? new byte[0] : response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + pathAndQuery + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public Response get(String pathAndQuery, String... headers) {
        return send("GET", pathAndQuery, null, headers);
    }

    /** {@code Authorization: Bearer <token>} as a header pair for {@link #send}. */
    public static String[] bearer(String token) {
        return new String[] {"Authorization", "Bearer " + token};
    }

    public static String basic(String username, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    // ---- the token endpoint

    /** {@code GET /token} with basic credentials (none when {@code username} is null) and these scopes. */
    public Response tokenGet(String username, String password, String query, String... scopes) {
        StringBuilder path = new StringBuilder("/token?service=cangku");
        if (query != null && !query.isEmpty()) {
            path.append('&').append(query);
        }
        for (String scope : scopes) {
            path.append("&scope=").append(encode(scope));
        }
        return get(path.toString(), "Authorization", username == null ? null : basic(username, password));
    }

    /** An access token for these scopes; fails the test when the endpoint refuses. */
    public String token(String username, String password, String... scopes) {
        Response response = tokenGet(username, password, null, scopes);
        if (response.status() != 200) {
            throw new AssertionError("token request for " + username + " refused: " + response);
        }
        return response.json().path("token").asString();
    }

    /** {@code POST /token} with a form body; values of a repeated field are given as separate entries. */
    public Response tokenPost(List<Map.Entry<String, String>> form) {
        List<String> pairs = new ArrayList<>();
        for (Map.Entry<String, String> field : form) {
            pairs.add(encode(field.getKey()) + "=" + encode(field.getValue()));
        }
        return send("POST", "/token", String.join("&", pairs).getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/x-www-form-urlencoded");
    }

    // ---- the admin API

    public Response admin(String method, String path, Object body, String username, String password) {
        byte[] bytes = body == null ? null : JSON.writeValueAsBytes(body);
        return send(method, path, bytes, "Authorization", basic(username, password),
                "Content-Type", body == null ? null : "application/json");
    }

    public Response admin(String method, String path, Object body) {
        return admin(method, path, body, TokenAuthRegistry.ADMIN, TokenAuthRegistry.ADMIN_PASSWORD);
    }

    /** Creates a user through the admin API. */
    public void createUser(String name, String password, String... groups) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        body.put("password", password);
        body.put("groups", List.of(groups));
        Response response = admin("POST", "/api/users", body);
        if (response.status() != 201) {
            throw new AssertionError("could not create user " + name + ": " + response);
        }
    }

    // ---- pushing

    /** Uploads a blob in one request ({@code POST ?digest=}); returns the response. */
    public Response pushBlob(String repository, byte[] content, String token) {
        return send("POST", "/v2/" + repository + "/blobs/uploads/?digest=" + digest(content), content,
                "Authorization", token == null ? null : "Bearer " + token,
                "Content-Type", "application/octet-stream");
    }

    /** Pushes a one-layer image and tags it; returns the manifest's response (201 on success). */
    public Response pushImage(String repository, String tag, String token) {
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},"
                + "\"created\":\"" + repository + ":" + tag + "\"}").getBytes(StandardCharsets.UTF_8);
        byte[] layer = ("layer of " + repository + ":" + tag).getBytes(StandardCharsets.UTF_8);
        for (byte[] blob : List.of(config, layer)) {
            Response uploaded = pushBlob(repository, blob, token);
            if (uploaded.status() != 201) {
                return uploaded;
            }
        }
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + digest(config)
                + "\",\"size\":" + config.length + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
                + "\"digest\":\"" + digest(layer) + "\",\"size\":" + layer.length + "}]}";
        return send("PUT", "/v2/" + repository + "/manifests/" + tag, manifest.getBytes(StandardCharsets.UTF_8),
                "Authorization", token == null ? null : "Bearer " + token,
                "Content-Type", "application/vnd.oci.image.manifest.v1+json");
    }

    /** Pushes {@link #pushImage a one-layer image} as the administrator: setup that must succeed. */
    public void pushImageAsAdmin(String repository, String tag) {
        String token = token(TokenAuthRegistry.ADMIN, TokenAuthRegistry.ADMIN_PASSWORD, "repository:" + repository + ":pull,push");
        Response response = pushImage(repository, tag, token);
        if (response.status() != 201) {
            throw new AssertionError("could not push " + repository + ":" + tag + " as the administrator: " + response);
        }
    }

    public static String digest(byte[] content) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
