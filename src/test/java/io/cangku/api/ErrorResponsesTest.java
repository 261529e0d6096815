package io.cangku.api;

import io.cangku.auth.TokenAuthRegistry;
import io.cangku.auth.TokenHttp;
import io.cangku.auth.TokenHttp.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.cangku.auth.TokenHttp.bearer;
import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every refusal, whichever part of the server makes it (an endpoint, the security chain, the request
 * firewall, the servlet error page, Tomcat's own parser), is answered in the format of the protocol the
 * request spoke: the OCI envelope on {@code /v2}, the token endpoint's envelope on {@code /token}, problem
 * details on {@code /api}. Raw sockets send what an HTTP client would refuse or normalise.
 */
@DisplayName("Error responses, one format per protocol")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ErrorResponsesTest {

    static final String BOB = "bob";
    static final String BOB_PASSWORD = "bob-password-42";

    TokenAuthRegistry registry;
    TokenHttp http;
    String bobs;

    @BeforeAll
    void start() {
        registry = TokenAuthRegistry.with().user(BOB, BOB_PASSWORD).start();
        http = registry.http();
        bobs = http.token(BOB, BOB_PASSWORD, "repository:team-a/app:pull,push");
    }

    @AfterAll
    void stop() {
        registry.close();
    }

    /** A request written byte for byte, {@code Connection: close}; {@code headers} are whole header lines. */
    RawHttp.Response raw(String method, byte[] path, String... headers) {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes((method + " ").getBytes(StandardCharsets.US_ASCII));
        request.writeBytes(path);
        StringBuilder rest = new StringBuilder(" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        for (String header : headers) {
            rest.append(header).append("\r\n");
        }
        request.writeBytes(rest.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
        try (RawHttp connection = RawHttp.connect(registry.context().port())) {
            return connection.write(request.toByteArray()).readResponse();
        }
    }

    RawHttp.Response raw(String method, String path, String... headers) {
        return raw(method, path.getBytes(StandardCharsets.ISO_8859_1), headers);
    }

    static String bigHeader() {
        return "X-Padding: " + "a".repeat(20_000);
    }

    /** {@code {"errors":[{"code","message","detail"}]}} and nothing else, with a message a person can act on. */
    static void assertOciEnvelope(int status, Map<String, String> headers, byte[] body, int expectedStatus, String code) {
        assertThat(status).as("status of %s", new String(body, StandardCharsets.UTF_8)).isEqualTo(expectedStatus);
        assertThat(headers.get("content-type")).startsWith("application/json");
        JsonNode json = TokenHttp.JSON.readTree(body);
        assertThat(json.propertyNames()).containsExactly("errors");
        assertThat(json.path("errors").size()).isEqualTo(1);
        JsonNode error = json.path("errors").get(0);
        assertThat(error.propertyNames()).containsExactly("code", "message", "detail");
        assertThat(error.path("code").asString()).isEqualTo(code);
        assertThat(error.path("message").asString()).hasSizeGreaterThan(10).doesNotContain("Exception", "\tat ");
        assertThat(error.path("detail").isObject()).isTrue();
    }

    static void assertOciEnvelope(Response response, int status, String code) {
        assertOciEnvelope(response.status(), lowerCase(response), response.body(), status, code);
    }

    static void assertOciEnvelope(RawHttp.Response response, int status, String code) {
        assertOciEnvelope(response.status(), response.headers(), response.body(), status, code);
    }

    /** RFC 9457: status, title, detail, instance, as Spring's ProblemDetail writes them. */
    static void assertProblem(int status, Map<String, String> headers, byte[] body, int expectedStatus) {
        assertThat(status).as("status of %s", new String(body, StandardCharsets.UTF_8)).isEqualTo(expectedStatus);
        assertThat(headers.get("content-type")).contains("json");
        JsonNode json = TokenHttp.JSON.readTree(body);
        assertThat(json.propertyNames()).containsExactlyInAnyOrder("status", "title", "detail", "instance");
        assertThat(json.path("status").asInt()).isEqualTo(expectedStatus);
        assertThat(json.path("detail").asString()).hasSizeGreaterThan(10).doesNotContain("Exception", "\tat ");
    }

    static Map<String, String> lowerCase(Response response) {
        Map<String, String> headers = new LinkedHashMap<>();
        response.headers().map().forEach((name, values) -> headers.put(name.toLowerCase(java.util.Locale.ROOT), values.getFirst()));
        return headers;
    }

    @Nested
    @DisplayName("what Tomcat refuses before any servlet runs")
    class RefusedByTomcat {

        @Test
        @DisplayName("a raw backslash in a /v2 path is 400 NAME_INVALID in the OCI envelope, not Tomcat's HTML page")
        void backslash() {
            assertOciEnvelope(raw("GET", "/v2/team-a/a\\b/tags/list"), 400, "NAME_INVALID");
        }

        @Test
        @DisplayName("a raw non-ASCII byte in a /v2 path (Latin-1 or UTF-8) is 400 NAME_INVALID in the OCI envelope")
        void nonAscii() {
            for (byte[] path : List.of(
                    new byte[] {'/', 'v', '2', '/', 'a', (byte) 0xe9, '/', 't', 'a', 'g', 's', '/', 'l', 'i', 's', 't'},
                    "/v2/café/tags/list".getBytes(StandardCharsets.UTF_8))) {
                assertOciEnvelope(raw("GET", path), 400, "NAME_INVALID");
            }
        }

        @Test
        @DisplayName("headers over server.max-http-request-header-size are 431 naming the limit, in each protocol's format")
        void headersTooLarge() {
            // when
            RawHttp.Response v2 = raw("GET", "/v2/", bigHeader());
            RawHttp.Response token = raw("GET", "/token?service=cangku", bigHeader());
            RawHttp.Response admin = raw("GET", "/api/users", bigHeader());

            // then
            assertOciEnvelope(v2, 431, "UNSUPPORTED");
            assertThat(TokenHttp.JSON.readTree(v2.body()).path("errors").get(0).path("message").asString())
                    .contains("server.max-http-request-header-size");
            assertOciEnvelope(token, 431, "invalid_request");
            assertProblem(admin.status(), admin.headers(), admin.body(), 431);
        }
    }

    @Nested
    @DisplayName("the error page")
    class ErrorPage {

        @Test
        @DisplayName("GET /error asked for directly is 404, not Boot's 500 \"status 999\"")
        void errorPathIsNotFound() {
            // when
            Response json = http.get("/error", "Accept", "application/json");
            Response html = http.get("/error", "Accept", "text/html");

            // then
            assertThat(json.status()).isEqualTo(404);
            assertThat(json.json().path("status").asInt()).isEqualTo(404);
            assertThat(html.status()).isEqualTo(404);
            assertThat(http.get("/error/x").status()).isEqualTo(404);
        }
    }

    @Nested
    @DisplayName("on /v2, whoever refuses")
    class V2 {

        @Test
        @DisplayName("unauthorized, denied, malformed, unknown, wrong method, firewall: the same OCI envelope")
        void sameShape() {
            List<Object[]> cases = new ArrayList<>();
            cases.add(new Object[] {http.get("/v2/team-a/app/manifests/1"), 401, "UNAUTHORIZED"});          // security: no token
            cases.add(new Object[] {http.get("/v2/team-a/app/manifests/1", bearer("not.a.token")), 401, "UNAUTHORIZED"});
            cases.add(new Object[] {http.get("/v2/team-a/app/manifests/1", bearer(bobs)), 403, "DENIED"}); // access check
            cases.add(new Object[] {http.get("/v2/Team-A/app/tags/list", bearer(bobs)), 400, "NAME_INVALID"});  // route parser
            cases.add(new Object[] {http.get("/v2/team-a/app/nothing-here", bearer(bobs)), 404, "UNSUPPORTED"});
            cases.add(new Object[] {http.send("POST", "/v2/bob/app/manifests/1", null, bearer(http.token(BOB, BOB_PASSWORD,
                    "repository:bob/app:pull,push"))), 405, "UNSUPPORTED"});
            for (Object[] c : cases) {
                assertOciEnvelope((Response) c[0], (int) c[1], (String) c[2]);
                assertThat(((Response) c[0]).header("Docker-Distribution-API-Version")).isEqualTo("registry/2.0");
            }
            assertOciEnvelope(raw("GET", "/v2/team-a/%2e%2e/x/tags/list"), 400, "NAME_INVALID"); // firewall
        }

        @Test
        @DisplayName("a HEAD refused for want of a right is a 401 insufficient_scope challenge whose error_description says why")
        void refusedHeadExplainsInTheChallenge() {
            // when
            Response head = http.send("HEAD", "/v2/team-a/app/blobs/sha256:" + "0".repeat(64), null, bearer(bobs));
            Response get = http.get("/v2/team-a/app/blobs/sha256:" + "0".repeat(64), bearer(bobs));

            // then: HEAD has no body, so the reason travels in the challenge, which containers/image and docker print
            assertThat(head.status()).isEqualTo(401);
            assertThat(head.body()).isEmpty();
            assertThat(head.header("WWW-Authenticate")).startsWith("Bearer realm=\"")
                    .contains("error=\"insufficient_scope\"", "error_description=\"bob may not pull team-a/app\"");
            // a request that can carry a body keeps the spec's 403 DENIED with the reason in it
            assertOciEnvelope(get, 403, "DENIED");
            assertThat(get.json().path("errors").get(0).path("message").asString()).isEqualTo("bob may not pull team-a/app");
        }

        @Test
        @DisplayName("a chunk out of order is 416 with the upload's Range, its Location and its id")
        void chunkOutOfOrder() {
            // given
            String token = http.token(BOB, BOB_PASSWORD, "repository:bob/chunks:pull,push");
            Response start = http.send("POST", "/v2/bob/chunks/blobs/uploads/", null, bearer(token));
            String location = start.header("Location");

            // when
            Response patch = http.send("PATCH", location, "abc".getBytes(StandardCharsets.US_ASCII),
                    "Authorization", "Bearer " + token, "Content-Range", "5-7", "Content-Type", "application/octet-stream");

            // then
            assertOciEnvelope(patch, 416, "BLOB_UPLOAD_INVALID");
            assertThat(patch.header("Range")).isEqualTo("0-0");
            assertThat(patch.header("Location")).isEqualTo(location);
            assertThat(patch.header("Docker-Upload-UUID")).isEqualTo(start.header("Docker-Upload-UUID"));
        }
    }

    @Nested
    @DisplayName("on /token")
    class Token {

        @Test
        @DisplayName("wrong password, unknown grant, not a form, too large: the token endpoint's envelope")
        void sameShape() {
            assertOciEnvelope(http.tokenGet(BOB, "wrong-password-1", null), 401, "UNAUTHORIZED");
            assertOciEnvelope(http.tokenPost(List.of(entry("grant_type", "magic"))), 400, "unsupported_grant_type");
            assertOciEnvelope(http.send("POST", "/token", "{}".getBytes(StandardCharsets.US_ASCII),
                    "Content-Type", "application/json"), 415, "invalid_request");
            assertOciEnvelope(http.send("POST", "/token", new byte[100_000], "Content-Type", "application/x-www-form-urlencoded"),
                    413, "invalid_request");
        }
    }

    @Nested
    @DisplayName("on /api")
    class AdminApi {

        @Test
        @DisplayName("unauthorized, not an administrator, malformed JSON, unknown path: problem details")
        void sameShape() {
            List<Response> responses = List.of(
                    http.admin("GET", "/api/users", null, "admin", "wrong-password-1"),
                    http.admin("GET", "/api/users", null, BOB, BOB_PASSWORD),
                    http.send("POST", "/api/users", "{\"name\":".getBytes(StandardCharsets.US_ASCII), "Authorization",
                            TokenHttp.basic(TokenAuthRegistry.ADMIN, TokenAuthRegistry.ADMIN_PASSWORD), "Content-Type", "application/json"),
                    http.admin("GET", "/api/no-such-thing", null));
            List<Integer> statuses = List.of(401, 403, 400, 404);
            for (int i = 0; i < responses.size(); i++) {
                Response response = responses.get(i);
                assertProblem(response.status(), lowerCase(response), response.body(), statuses.get(i));
            }
            assertThat(responses.get(1).header("Content-Type")).startsWith("application/problem+json");
        }

        @Test
        @DisplayName("a path the request firewall refuses (a ';') is a problem on /api and the token envelope on /token")
        void firewall() {
            // when
            RawHttp.Response admin = raw("GET", "/api/users;x=1");
            RawHttp.Response token = raw("GET", "/token;x=1?service=cangku");

            // then
            assertProblem(admin.status(), admin.headers(), admin.body(), 400);
            assertOciEnvelope(token, 400, "invalid_request");
        }
    }
}
