package io.cangku.conformance;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
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
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The HTTP side of the conformance workflows, behaving like the Go suite's client (reggie on resty):
 * <ul>
 * <li>every request is first sent without credentials; on a 401 carrying {@code WWW-Authenticate: Bearer
 * realm=...,service=...,scope=...} a token is fetched from the realm with basic credentials and the request
 * is sent once more with {@code Authorization: Bearer}; a {@code Basic} challenge is answered with basic
 * credentials; nothing is cached between requests;</li>
 * <li>a {@code Location} is used the way the suite's {@code GetRelativeLocation} does: its scheme and host
 * are dropped and its path and query are sent to the registry root;</li>
 * <li>query parameters are appended to a query the path may already carry, form-encoded (so {@code :} in a
 * digest travels as {@code %3A});</li>
 * <li>redirects are followed (the suite's client follows up to 20);</li>
 * <li>request bodies are, by default, sent with {@code Transfer-Encoding: chunked} and no
 * {@code Content-Length}, which is what Go does with the suite's bodies; a {@code Content-Length} the
 * workflows "set" is therefore informational only, as it is in the suite.</li>
 * </ul>
 */
final class RegistryHttp {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern CHALLENGE_PARAM = Pattern.compile("([A-Za-z]+)=\"(.*?)\"");
    private static final String USER_AGENT = "cangku-conformance-workflows";

    private final URI root;
    private final Optional<ConformanceWorkflows.Credentials> credentials;
    private final Optional<String> authScope;
    private final boolean chunkedBodies;
    private final HttpClient client;

    RegistryHttp(URI root, Optional<ConformanceWorkflows.Credentials> credentials, Optional<String> authScope,
                 boolean chunkedBodies) {
        String text = root.toString();
        this.root = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
        this.credentials = credentials;
        this.authScope = authScope;
        this.chunkedBodies = chunkedBodies;
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    Request request(String method, String pathAndQuery) {
        return new Request(method, pathAndQuery);
    }

    Request get(String pathAndQuery) {
        return request("GET", pathAndQuery);
    }

    Request head(String pathAndQuery) {
        return request("HEAD", pathAndQuery);
    }

    Request post(String pathAndQuery) {
        return request("POST", pathAndQuery);
    }

    Request put(String pathAndQuery) {
        return request("PUT", pathAndQuery);
    }

    Request patch(String pathAndQuery) {
        return request("PATCH", pathAndQuery);
    }

    Request delete(String pathAndQuery) {
        return request("DELETE", pathAndQuery);
    }

    /** One request under construction; {@link #send()} performs it, with the challenge dance if needed. */
    final class Request {
        private final String method;
        private final String pathAndQuery;
        private final Map<String, String> query = new TreeMap<>();
        private final Map<String, String> headers = new LinkedHashMap<>();
        private byte[] body;

        private Request(String method, String pathAndQuery) {
            this.method = method;
            this.pathAndQuery = pathAndQuery;
        }

        Request query(String name, String value) {
            query.put(name, value);
            return this;
        }

        /**
         * Sets a header. {@code Content-Length} cannot be set on a JDK request and is dropped, as the Go
         * client drops it too: the length actually sent follows from the body.
         */
        Request header(String name, String value) {
            if (!name.equalsIgnoreCase("Content-Length")) {
                headers.put(name, value);
            }
            return this;
        }

        Request body(byte[] content) {
            this.body = content;
            return this;
        }

        Response send() {
            URI uri = uri();
            Response response = exchange(uri, null);
            if (response.status() == 401 && credentials.isPresent()) {
                Optional<String> authorization = authorizationFor(response);
                if (authorization.isPresent()) {
                    response = exchange(uri, authorization.get());
                }
            }
            return response;
        }

        private URI uri() {
            String path = pathAndQuery.startsWith("/") ? pathAndQuery : "/" + pathAndQuery;
            return URI.create(root + appendQuery(path, query));
        }

        private Response exchange(URI uri, String authorization) {
            HttpRequest.Builder builder = HttpRequest.newBuilder(uri)
                    .timeout(Duration.ofSeconds(60))
                    .method(method, publisher())
                    .header("User-Agent", USER_AGENT);
            headers.forEach(builder::header);
            if (authorization != null) {
                builder.header("Authorization", authorization);
            }
            return RegistryHttp.this.exchange(builder.build(), method + " " + uri);
        }

        private BodyPublisher publisher() {
            if (body == null || body.length == 0) {
                return BodyPublishers.noBody();
            }
            if (chunkedBodies) {
                byte[] content = body;
                return BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(content));
            }
            return BodyPublishers.ofByteArray(body);
        }
    }

    /** A response with its body read fully, and the request line it answered for assertion messages. */
    record Response(String requestLine, int status, HttpHeaders headers, byte[] body) {

        /** The first value of a header, or the empty string when absent (as Go's {@code Header.Get}). */
        String header(String name) {
            return headers.firstValue(name).orElse("");
        }

        String location() {
            return header("Location");
        }

        /** The path and query of {@code Location}: what the suite's {@code GetRelativeLocation} returns. */
        String relativeLocation() {
            String location = location();
            if (location.isEmpty()) {
                return "";
            }
            try {
                URI uri = URI.create(location);
                String path = uri.getRawPath() == null ? "" : uri.getRawPath();
                return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
            } catch (IllegalArgumentException e) {
                return "";
            }
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        JsonNode json() {
            return JSON.readTree(body);
        }

        @Override
        public String toString() {
            String shown = text();
            if (shown.length() > 600) {
                shown = shown.substring(0, 600) + "...";
            }
            return requestLine + " -> " + status + " " + headers.map() + (shown.isEmpty() ? "" : " " + shown);
        }
    }

    private Response exchange(HttpRequest request, String requestLine) {
        try {
            HttpResponse<byte[]> response = client.send(request, BodyHandlers.ofByteArray());
            byte[] body = response.body() == null ? new byte[0] : response.body();
            return new Response(requestLine, response.statusCode(), response.headers(), body);
        } catch (IOException e) {
            throw new UncheckedIOException(requestLine + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(requestLine + " interrupted", e);
        }
    }

    /**
     * The {@code Authorization} value that answers the challenge of a 401, as the suite's client computes it,
     * or empty when the 401 carries no challenge (the 401 is then what the workflow sees).
     */
    private Optional<String> authorizationFor(Response unauthorized) {
        String challenge = unauthorized.header("WWW-Authenticate").trim();
        if (challenge.isEmpty()) {
            return Optional.empty();
        }
        ConformanceWorkflows.Credentials creds = credentials.orElseThrow();
        String basic = "Basic " + Base64.getEncoder().encodeToString(
                (creds.username() + ":" + creds.password()).getBytes(StandardCharsets.UTF_8));
        String scheme = challenge.split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
        if (scheme.equals("basic")) {
            return Optional.of(basic);
        }
        if (!scheme.equals("bearer")) {
            throw new IllegalStateException("unsupported challenge: " + challenge);
        }
        Map<String, String> params = new LinkedHashMap<>();
        Matcher matcher = CHALLENGE_PARAM.matcher(challenge);
        while (matcher.find()) {
            params.put(matcher.group(1).toLowerCase(Locale.ROOT), matcher.group(2));
        }
        String realm = params.get("realm");
        if (realm == null || realm.isEmpty()) {
            throw new IllegalStateException("bearer challenge without realm: " + challenge);
        }
        Map<String, String> tokenQuery = new TreeMap<>();
        tokenQuery.put("service", params.getOrDefault("service", ""));
        String scope = authScope.orElse(params.getOrDefault("scope", ""));
        if (!scope.isEmpty()) {
            tokenQuery.put("scope", scope);
        }
        URI tokenUri = URI.create(appendQuery(realm, tokenQuery));
        HttpRequest tokenRequest = HttpRequest.newBuilder(tokenUri)
                .timeout(Duration.ofSeconds(60))
                .header("Accept", "application/json")
                .header("User-Agent", USER_AGENT)
                .header("Authorization", basic)
                .GET()
                .build();
        Response tokenResponse = exchange(tokenRequest, "GET " + tokenUri);
        if (tokenResponse.status() != 200) {
            throw new IllegalStateException("token request refused: " + tokenResponse);
        }
        JsonNode tokenJson = tokenResponse.json();
        String token = tokenJson.path("token").asString("");
        if (token.isEmpty()) {
            token = tokenJson.path("access_token").asString("");
        }
        if (token.isEmpty()) {
            throw new IllegalStateException("token response without token: " + tokenResponse);
        }
        return Optional.of("Bearer " + token);
    }

    private static String appendQuery(String pathOrUrl, Map<String, String> query) {
        if (query.isEmpty()) {
            return pathOrUrl;
        }
        List<String> pairs = new ArrayList<>();
        query.forEach((name, value) -> pairs.add(encode(name) + "=" + encode(value)));
        return pathOrUrl + (pathOrUrl.contains("?") ? "&" : "?") + String.join("&", pairs);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
