package io.cangku.auth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.cangku.auth.TokenHttp.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import static io.cangku.auth.TokenHttp.bearer;
import static io.cangku.auth.TokenAuthRegistry.ADMIN;
import static io.cangku.auth.TokenAuthRegistry.ADMIN_PASSWORD;
import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * The Docker token protocol end to end over real HTTP (distribution {@code docs/spec/auth/token.md},
 * {@code oauth.md}, {@code jwt.md}, {@code scope.md}): the challenge, both forms of the token endpoint, the
 * JWT it issues, and what those tokens let each kind of account do.
 */
@DisplayName("Token authentication protocol")
class TokenProtocolTest {

    static final String ALICE = "alice";             // group team-a: pull+push on team-a/**
    static final String ALICE_PASSWORD = "alice-password-1";
    static final String BOB = "bob";                 // no groups: pull on shared/** only
    static final String BOB_PASSWORD = "bob-password-22";

    static TokenAuthRegistry registry;
    static TokenHttp http;

    @BeforeAll
    static void startRegistry() {
        registry = TokenAuthRegistry.with()
                .set("--registry.auth.throttle.max-failures=1000") // wrong passwords here are deliberate, not an attack
                .set("--registry.auth.throttle.max-failures-per-address=1000")
                .set("--registry.auth.throttle.max-failures-per-name=1000")
                .set("--registry.auth.login-audit-interval=0s") // the audit test looks for a sign-in it makes
                .user(ALICE, ALICE_PASSWORD, "team-a")
                .user(BOB, BOB_PASSWORD)
                .rule("public/**", "anonymous", "pull")
                .rule("team-a/**", "group:team-a", "pull,push")
                .rule("shared/**", BOB, "pull")
                .start();
        http = registry.http();
        for (String repository : List.of("public/hello", "team-a/app", "team-b/secret", "shared/lib")) {
            http.pushImageAsAdmin(repository, "1");
        }
    }

    @AfterAll
    static void stopRegistry() {
        registry.close();
    }

    static JWTClaimsSet claims(String token) {
        try {
            return SignedJWT.parse(token).getJWTClaimsSet();
        } catch (ParseException e) {
            throw new AssertionError("not a JWT: " + token, e);
        }
    }

    /** The token's {@code access} claim as "type:name:a,b" strings, actions sorted. */
    @SuppressWarnings("unchecked")
    static List<String> access(String token) {
        List<String> result = new ArrayList<>();
        for (Object entry : (List<Object>) claims(token).getClaim("access")) {
            Map<String, Object> map = (Map<String, Object>) entry;
            List<String> actions = ((List<String>) map.get("actions")).stream().sorted().toList();
            result.add(map.get("type") + ":" + map.get("name") + ":" + String.join(",", actions));
        }
        return result;
    }

    String realm() {
        return "http://" + registry.hostPort() + "/token";
    }

    @Nested
    @DisplayName("the challenge of an unauthenticated /v2 request")
    class Challenge {

        @Test
        @DisplayName("a pull is answered 401 with a Bearer challenge naming realm, service and the pull scope")
        void pullIsChallengedWithItsScope() {
            // given no credentials
            // when
            Response response = http.get("/v2/team-a/app/manifests/1");

            // then
            assertThat(response.status()).isEqualTo(401);
            assertThat(response.header("WWW-Authenticate"))
                    .isEqualTo("Bearer realm=\"" + realm() + "\",service=\"cangku\",scope=\"repository:team-a/app:pull\"");
            assertThat(response.header("Docker-Distribution-API-Version")).isEqualTo("registry/2.0");
            assertThat(response.errorCode()).isEqualTo("UNAUTHORIZED");
            assertThat(response.json().path("errors").path(0).path("message").asString()).isNotEmpty();
        }

        @Test
        @DisplayName("an upload asks for pull and push, a delete for delete, the catalog for registry:catalog:*")
        void scopeFollowsTheMethod() {
            // when
            Response upload = http.send("POST", "/v2/team-a/app/blobs/uploads/", null);
            Response delete = http.send("DELETE", "/v2/team-a/app/manifests/1", null);
            Response catalog = http.get("/v2/_catalog");

            // then
            assertThat(upload.status()).isEqualTo(401);
            assertThat(upload.header("WWW-Authenticate")).endsWith(",scope=\"repository:team-a/app:pull,push\"");
            assertThat(delete.status()).isEqualTo(401);
            assertThat(delete.header("WWW-Authenticate")).endsWith(",scope=\"repository:team-a/app:delete\"");
            assertThat(catalog.status()).isEqualTo(401);
            assertThat(catalog.header("WWW-Authenticate")).endsWith(",scope=\"registry:catalog:*\"");
        }

        @Test
        @DisplayName("GET /v2/ names no scope; HEAD gets the same challenge without a body")
        void baseAndHead() {
            // when
            Response base = http.get("/v2/");
            Response head = http.send("HEAD", "/v2/team-a/app/manifests/1", null);

            // then
            assertThat(base.status()).isEqualTo(401);
            assertThat(base.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"" + realm() + "\",service=\"cangku\"");
            assertThat(base.errorCode()).isEqualTo("UNAUTHORIZED");
            assertThat(head.status()).isEqualTo(401);
            assertThat(head.header("WWW-Authenticate")).contains("scope=\"repository:team-a/app:pull\"");
            assertThat(head.body()).isEmpty();
        }

        @Test
        @DisplayName("a token that does not verify is answered with error=\"invalid_token\"")
        void invalidToken() {
            // when
            Response response = http.get("/v2/team-a/app/manifests/1", bearer("not-a-token"));

            // then
            assertThat(response.status()).isEqualTo(401);
            assertThat(response.header("WWW-Authenticate")).contains("error=\"invalid_token\"");
            assertThat(response.errorCode()).isEqualTo("UNAUTHORIZED");
        }

        @Test
        @DisplayName("a token from the challenge's realm, for the challenge's scope, opens the request")
        void theDanceWorks() {
            // given
            Response challenge = http.get("/v2/team-a/app/manifests/1");
            assertThat(challenge.header("WWW-Authenticate")).contains("realm=\"" + realm() + "\"");

            // when
            String token = http.token(ALICE, ALICE_PASSWORD, "repository:team-a/app:pull");
            Response response = http.get("/v2/team-a/app/manifests/1", bearer(token));

            // then
            assertThat(response.status()).isEqualTo(200);
        }
    }

    @Nested
    @DisplayName("GET /token")
    class TokenGet {

        @Test
        @DisplayName("with basic credentials returns token, access_token, expires_in and issued_at")
        void issuesToken() {
            // when
            Instant before = Instant.now();
            Response response = http.tokenGet(ALICE, ALICE_PASSWORD, null, "repository:team-a/app:pull");

            // then
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.header("Cache-Control")).contains("no-store");
            JsonNode body = response.json();
            assertThat(body.path("token").asString()).isNotEmpty().isEqualTo(body.path("access_token").asString());
            assertThat(body.path("expires_in").asInt()).isEqualTo(300);
            Instant issuedAt = Instant.parse(body.path("issued_at").asString());
            assertThat(issuedAt).isBetween(before.minusSeconds(1), Instant.now().plusSeconds(1));
            assertThat(body.has("refresh_token")).isFalse();
        }

        @Test
        @DisplayName("with offline_token=true and a client_id also returns a refresh token")
        void offlineToken() {
            // when
            Response response = http.tokenGet(ALICE, ALICE_PASSWORD, "offline_token=true&client_id=test-client",
                    "repository:team-a/app:pull");

            // then
            assertThat(response.status()).isEqualTo(200);
            String refresh = response.json().path("refresh_token").asString();
            assertThat(refresh).isNotEmpty();
            assertThat(claims(refresh).getSubject()).isEqualTo(ALICE);
            assertThat(claims(refresh).getClaim("access")).isNull();
        }

        @Test
        @DisplayName("anonymously returns a token (and never a refresh token)")
        void anonymous() {
            // when
            Response response = http.tokenGet(null, null, "offline_token=true&client_id=test-client", "repository:public/hello:pull");

            // then
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.json().has("refresh_token")).isFalse();
            String token = response.json().path("token").asString();
            assertThat(claims(token).getSubject()).isEmpty();
            assertThat(access(token)).containsExactly("repository:public/hello:pull");
        }

        @Test
        @DisplayName("with a wrong password is 401 UNAUTHORIZED, for known and unknown names alike")
        void wrongPassword() {
            // when
            Response wrong = http.tokenGet(ALICE, "not-her-password", null, "repository:team-a/app:pull");
            Response unknown = http.tokenGet("nobody", "whatever", null, "repository:team-a/app:pull");

            // then
            for (Response response : List.of(wrong, unknown)) {
                assertThat(response.status()).isEqualTo(401);
                assertThat(response.errorCode()).isEqualTo("UNAUTHORIZED");
                assertThat(response.json().has("token")).isFalse();
            }
            assertThat(wrong.text()).isEqualTo(unknown.text());
        }

        @Test
        @DisplayName("for another service is 400")
        void otherService() {
            // when
            Response response = http.get("/token?service=elsewhere&scope=repository:team-a/app:pull",
                    "Authorization", TokenHttp.basic(ALICE, ALICE_PASSWORD));

            // then
            assertThat(response.status()).isEqualTo(400);
        }
    }

    @Nested
    @DisplayName("POST /token")
    class TokenPost {

        @Test
        @DisplayName("grant_type=password returns access_token, scope and expires_in, but no refresh token unless asked")
        void passwordGrant() {
            // when
            Response response = http.tokenPost(List.of(entry("grant_type", "password"), entry("service", "cangku"),
                    entry("client_id", "docker"), entry("username", ALICE), entry("password", ALICE_PASSWORD),
                    entry("scope", "repository:team-a/app:pull,push")));

            // then
            assertThat(response.status()).isEqualTo(200);
            JsonNode body = response.json();
            assertThat(body.path("access_token").asString()).isNotEmpty();
            assertThat(body.path("scope").asString()).isEqualTo("repository:team-a/app:pull,push");
            assertThat(body.path("expires_in").asInt()).isEqualTo(300);
            assertThat(body.has("refresh_token")).isFalse();
            assertThat(access(body.path("access_token").asString())).containsExactly("repository:team-a/app:pull,push");
        }

        @Test
        @DisplayName("grant_type=password with access_type=offline returns a refresh token that grant_type=refresh_token accepts")
        void refreshGrant() {
            // given
            Response login = http.tokenPost(List.of(entry("grant_type", "password"), entry("service", "cangku"),
                    entry("client_id", "docker"), entry("access_type", "offline"), entry("username", ALICE),
                    entry("password", ALICE_PASSWORD)));
            assertThat(login.status()).isEqualTo(200);
            String refresh = login.json().path("refresh_token").asString();
            assertThat(refresh).isNotEmpty();

            // when
            Response refreshed = http.tokenPost(List.of(entry("grant_type", "refresh_token"), entry("service", "cangku"),
                    entry("client_id", "docker"), entry("refresh_token", refresh),
                    entry("scope", "repository:team-a/app:pull,push"), entry("scope", "repository:team-b/secret:pull")));

            // then
            assertThat(refreshed.status()).isEqualTo(200);
            String token = refreshed.json().path("access_token").asString();
            assertThat(access(token)).containsExactly("repository:team-a/app:pull,push");
            assertThat(refreshed.json().path("scope").asString()).isEqualTo("repository:team-a/app:pull,push");
            assertThat(refreshed.json().path("refresh_token").asString()).isEqualTo(refresh);
            assertThat(claims(token).getSubject()).isEqualTo(ALICE);
            assertThat(http.pushImage("team-a/app", "refreshed", token).status()).isEqualTo(201);
        }

        @Test
        @DisplayName("a wrong password is 401; an unknown grant or a missing field is 400")
        void badRequests() {
            // when
            Response wrong = http.tokenPost(List.of(entry("grant_type", "password"), entry("username", ALICE),
                    entry("password", "wrong-password")));
            Response unknownGrant = http.tokenPost(List.of(entry("grant_type", "client_credentials")));
            Response missingPassword = http.tokenPost(List.of(entry("grant_type", "password"), entry("username", ALICE)));
            Response badRefresh = http.tokenPost(List.of(entry("grant_type", "refresh_token"), entry("refresh_token", "garbage")));

            // then
            assertThat(wrong.status()).isEqualTo(401);
            assertThat(unknownGrant.status()).isEqualTo(400);
            assertThat(unknownGrant.errorCode()).isEqualTo("unsupported_grant_type");
            assertThat(missingPassword.status()).isEqualTo(400);
            assertThat(badRefresh.status()).isEqualTo(401);
        }
    }

    @Nested
    @DisplayName("the issued JWT")
    class Jwt {

        @Test
        @DisplayName("is signed with ES256 under a key id and carries iss, sub, aud, exp, nbf, iat, jti and access")
        void claimsAndHeader() throws ParseException {
            // when
            String token = http.token(ALICE, ALICE_PASSWORD, "repository:team-a/app:pull,push");

            // then
            JWSHeader header = SignedJWT.parse(token).getHeader();
            assertThat(header.getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
            assertThat(header.getKeyID()).isNotBlank();
            assertThat(header.getType().getType()).isEqualTo("JWT");
            JWTClaimsSet claims = claims(token);
            assertThat(claims.getIssuer()).isEqualTo("cangku");
            assertThat(claims.getSubject()).isEqualTo(ALICE);
            assertThat(claims.getAudience()).containsExactly("cangku");
            Instant iat = claims.getIssueTime().toInstant();
            assertThat(iat).isCloseTo(Instant.now(), within(Duration.ofSeconds(5)));
            assertThat(Duration.between(iat, claims.getExpirationTime().toInstant())).isEqualTo(Duration.ofMinutes(5));
            assertThat(claims.getNotBeforeTime().toInstant()).isBeforeOrEqualTo(iat);
            assertThat(UUID.fromString(claims.getJWTID())).isNotNull();
            assertThat(access(token)).containsExactly("repository:team-a/app:pull,push");
        }

        @Test
        @DisplayName("has a fresh jti each time")
        void uniqueJti() {
            // when
            String first = http.token(ALICE, ALICE_PASSWORD, "repository:team-a/app:pull");
            String second = http.token(ALICE, ALICE_PASSWORD, "repository:team-a/app:pull");

            // then
            assertThat(claims(first).getJWTID()).isNotEqualTo(claims(second).getJWTID());
        }

        @Test
        @DisplayName("grants the intersection of what was asked and what is allowed: asking too much grants less, never an error")
        void intersection() {
            // when
            Response response = http.tokenGet(ALICE, ALICE_PASSWORD, null,
                    "repository:team-a/app:pull,push,delete",   // delete is not hers
                    "repository:team-b/secret:pull",            // nothing there is hers
                    "repository:alice/own:*",                   // her namespace: everything
                    "repository:public/hello:pull,push",        // public: pull only
                    "registry:catalog:*");

            // then
            assertThat(response.status()).isEqualTo(200);
            assertThat(access(response.json().path("token").asString())).containsExactly(
                    "repository:team-a/app:pull,push",
                    "repository:alice/own:delete,pull,push",
                    "repository:public/hello:pull",
                    "registry:catalog:*");
        }

        @Test
        @DisplayName("grants nothing when nothing is asked")
        void nothingAsked() {
            // when
            String token = http.token(ALICE, ALICE_PASSWORD);

            // then
            assertThat(access(token)).isEmpty();
            assertThat(http.get("/v2/", bearer(token)).status()).isEqualTo(200);
            assertThat(http.get("/v2/team-a/app/manifests/1", bearer(token)).status()).isEqualTo(401);
        }
    }

    @Nested
    @DisplayName("what a token lets an account do")
    class Rights {

        @Test
        @DisplayName("a token narrower than the account's rights is answered 401 insufficient_scope, naming the scope needed")
        void insufficientScope() {
            // given alice may push to team-a/app, but her token only grants pull
            String pullOnly = http.token(ALICE, ALICE_PASSWORD, "repository:team-a/app:pull");

            // when
            Response response = http.send("POST", "/v2/team-a/app/blobs/uploads/", null, bearer(pullOnly));

            // then
            assertThat(response.status()).isEqualTo(401);
            assertThat(response.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"" + realm()
                    + "\",service=\"cangku\",scope=\"repository:team-a/app:pull,push\",error=\"insufficient_scope\""
                    + ",error_description=\"the token does not grant pull,push team-a/app\"");
            assertThat(response.errorCode()).isEqualTo("UNAUTHORIZED");
        }

        @Test
        @DisplayName("an account without the right is answered 403 DENIED")
        void denied() {
            // given bob may not push to team-a/app; asking for it grants nothing
            String token = http.token(BOB, BOB_PASSWORD, "repository:team-a/app:pull,push");
            assertThat(access(token)).isEmpty();

            // when
            Response push = http.send("POST", "/v2/team-a/app/blobs/uploads/", null, bearer(token));
            Response pull = http.get("/v2/team-a/app/manifests/1", bearer(token));

            // then
            for (Response response : List.of(push, pull)) {
                assertThat(response.status()).isEqualTo(403);
                assertThat(response.errorCode()).isEqualTo("DENIED");
                assertThat(response.header("WWW-Authenticate")).isNull();
            }
        }

        @Test
        @DisplayName("a user rule gives exactly its actions: bob pulls shared/lib but may not push there")
        void userRule() {
            // given
            String token = http.token(BOB, BOB_PASSWORD, "repository:shared/lib:pull,push");
            assertThat(access(token)).containsExactly("repository:shared/lib:pull");

            // when
            Response pull = http.get("/v2/shared/lib/manifests/1", bearer(token));
            Response push = http.pushImage("shared/lib", "bob", token);

            // then
            assertThat(pull.status()).isEqualTo(200);
            assertThat(push.status()).isEqualTo(403);
            assertThat(push.errorCode()).isEqualTo("DENIED");
        }

        @Test
        @DisplayName("anonymous callers pull from public/** and nowhere else, and push nowhere")
        void anonymousPull() {
            // given
            String publicToken = http.token(null, null, "repository:public/hello:pull,push");
            String privateToken = http.token(null, null, "repository:team-a/app:pull");

            // when
            Response publicPull = http.get("/v2/public/hello/manifests/1", bearer(publicToken));
            Response publicPush = http.pushImage("public/hello", "anon", publicToken);
            Response privatePull = http.get("/v2/team-a/app/manifests/1", bearer(privateToken));
            Response privateWithout = http.get("/v2/team-b/secret/manifests/1");

            // then
            assertThat(access(publicToken)).containsExactly("repository:public/hello:pull");
            assertThat(publicPull.status()).isEqualTo(200);
            assertThat(publicPush.status()).isEqualTo(401);
            assertThat(access(privateToken)).isEmpty();
            assertThat(privatePull.status()).isEqualTo(401);
            assertThat(privatePull.header("WWW-Authenticate")).contains("error=\"insufficient_scope\"");
            assertThat(privateWithout.status()).isEqualTo(401);
        }

        @Test
        @DisplayName("the catalog lists only the repositories the caller may pull; anonymous callers get no catalog")
        void catalog() {
            // given
            assertThat(http.pushImage("alice/own", "1", http.token(ALICE, ALICE_PASSWORD, "repository:alice/own:pull,push"))
                    .status()).isEqualTo(201);

            // when
            List<String> forAlice = catalogOf(http.token(ALICE, ALICE_PASSWORD, "registry:catalog:*"));
            List<String> forBob = catalogOf(http.token(BOB, BOB_PASSWORD, "registry:catalog:*"));
            List<String> forAdmin = catalogOf(http.token(ADMIN, ADMIN_PASSWORD, "registry:catalog:*"));
            String anonymousToken = http.token(null, null, "registry:catalog:*");
            Response anonymous = http.get("/v2/_catalog", bearer(anonymousToken));

            // then
            assertThat(forAlice).contains("alice/own", "public/hello", "team-a/app").doesNotContain("team-b/secret", "shared/lib");
            assertThat(forBob).contains("public/hello", "shared/lib").doesNotContain("team-a/app", "team-b/secret", "alice/own");
            assertThat(forAdmin).contains("alice/own", "public/hello", "shared/lib", "team-a/app", "team-b/secret");
            assertThat(access(anonymousToken)).isEmpty();
            assertThat(anonymous.status()).isEqualTo(401);
        }

        private List<String> catalogOf(String token) {
            Response response = http.get("/v2/_catalog", bearer(token));
            assertThat(response.status()).isEqualTo(200);
            List<String> names = new ArrayList<>();
            response.json().path("repositories").forEach(n -> names.add(n.asString()));
            return names;
        }

        @Test
        @DisplayName("every user owns <username>/**, and only that: not <username>-x/**, not another user's")
        void ownership() {
            // when
            String alices = http.token(ALICE, ALICE_PASSWORD, "repository:alice/tools/cli:*", "repository:alice-evil/app:push",
                    "repository:alicex:push", "repository:bob/app:pull");
            String bobs = http.token(BOB, BOB_PASSWORD, "repository:alice/tools/cli:pull,push");

            // then
            assertThat(access(alices)).containsExactly("repository:alice/tools/cli:delete,pull,push");
            assertThat(http.pushImage("alice/tools/cli", "1", alices).status()).isEqualTo(201);
            assertThat(http.send("DELETE", "/v2/alice/tools/cli/manifests/1", null, bearer(alices)).status()).isEqualTo(202);
            assertThat(access(bobs)).isEmpty();
            assertThat(http.pushImage("alice/tools/cli", "bob", bobs).status()).isEqualTo(403);
        }

        @Test
        @DisplayName("groups: a rule for a group reaches its members, and leaving the group takes the right away")
        void groups() {
            // given a user and a rule created through the admin API
            http.createUser("dave", "dave-password-3", "team-b");
            Map<String, Object> rule = new LinkedHashMap<>();
            rule.put("repositories", "team-b/**");
            rule.put("groups", List.of("team-b"));
            rule.put("actions", List.of("pull"));
            assertThat(http.admin("POST", "/api/rules", rule).status()).isEqualTo(201);

            // when
            String member = http.token("dave", "dave-password-3", "repository:team-b/secret:pull,push");
            Map<String, Object> update = Map.of("groups", List.of());
            assertThat(http.admin("PUT", "/api/users/dave", update).status()).isEqualTo(200);
            String formerMember = http.token("dave", "dave-password-3", "repository:team-b/secret:pull");

            // then
            assertThat(access(member)).containsExactly("repository:team-b/secret:pull");
            assertThat(http.get("/v2/team-b/secret/manifests/1", bearer(member)).status()).isEqualTo(200);
            assertThat(access(formerMember)).isEmpty();
            assertThat(http.get("/v2/team-b/secret/manifests/1", bearer(formerMember)).status()).isEqualTo(403);
        }

        @Test
        @DisplayName("an administrator may do everything")
        void administrator() {
            // when
            String token = http.token(ADMIN, ADMIN_PASSWORD, "repository:team-b/secret:*");

            // then
            assertThat(access(token)).containsExactly("repository:team-b/secret:delete,pull,push");
            assertThat(http.pushImage("team-b/secret", "admin", token).status()).isEqualTo(201);
        }
    }

    @Nested
    @DisplayName("robot accounts")
    class Robots {

        @Test
        @DisplayName("POST /api/robots shows the secret once; it signs in until the robot expires")
        void robotLifecycle() {
            // when
            Response created = http.admin("POST", "/api/robots",
                    Map.of("name", "ci-bot", "groups", List.of("team-a"), "expiresIn", "PT3S"));

            // then
            assertThat(created.status()).isEqualTo(201);
            String secret = created.json().path("secret").asString();
            assertThat(secret).hasSizeGreaterThanOrEqualTo(32);
            Instant expiresAt = Instant.parse(created.json().path("expiresAt").asString());
            Response shown = http.admin("GET", "/api/users/ci-bot", null);
            assertThat(shown.status()).isEqualTo(200);
            assertThat(shown.json().path("robot").asBoolean()).isTrue();
            assertThat(shown.text()).doesNotContain(secret).doesNotContain("$2a$").doesNotContainIgnoringCase("password");
            assertThat(http.admin("GET", "/api/users", null).text()).doesNotContain(secret).doesNotContain("$2a$");

            String token = http.token("ci-bot", secret, "repository:team-a/app:pull,push");
            assertThat(access(token)).containsExactly("repository:team-a/app:pull,push");
            assertThat(http.pushImage("team-a/app", "ci", token).status()).isEqualTo(201);

            await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(expiresAt));
            assertThat(http.tokenGet("ci-bot", secret, null, "repository:team-a/app:pull").status()).isEqualTo(401);
        }

        @Test
        @DisplayName("a robot's name cannot take an existing account's")
        void nameTaken() {
            // when
            Response response = http.admin("POST", "/api/robots", Map.of("name", ALICE));

            // then
            assertThat(response.status()).isEqualTo(409);
        }
    }

    @Nested
    @DisplayName("the admin API")
    class AdminApi {

        @Test
        @DisplayName("is 401 without credentials or with wrong ones, 403 for a non-administrator, 200 for an administrator")
        void requiresAnAdministrator() {
            // when
            Response none = http.get("/api/users");
            Response wrong = http.admin("GET", "/api/users", null, ADMIN, "wrong-password");
            Response user = http.admin("GET", "/api/users", null, ALICE, ALICE_PASSWORD);
            Response admin = http.admin("GET", "/api/users", null);

            // then
            assertThat(none.status()).isEqualTo(401);
            assertThat(none.header("WWW-Authenticate")).startsWith("Basic ");
            assertThat(wrong.status()).isEqualTo(401);
            assertThat(user.status()).isEqualTo(403);
            assertThat(admin.status()).isEqualTo(200);
            assertThat(admin.text()).contains("\"alice\"").doesNotContain("$2a$");
        }

        @Test
        @DisplayName("refuses changes to a non-administrator on every endpoint")
        void writesNeedAnAdministrator() {
            // when
            List<Response> responses = Stream.of(
                    http.admin("POST", "/api/users", Map.of("name", "eve", "password", "eve-password", "admin", true), ALICE, ALICE_PASSWORD),
                    http.admin("POST", "/api/robots", Map.of("name", "eve-bot"), ALICE, ALICE_PASSWORD),
                    http.admin("POST", "/api/rules", Map.of("repositories", "**", "users", List.of(ALICE),
                            "actions", List.of("pull", "push", "delete")), ALICE, ALICE_PASSWORD),
                    http.admin("PUT", "/api/users/alice", Map.of("admin", true), ALICE, ALICE_PASSWORD),
                    http.admin("GET", "/api/audit", null, ALICE, ALICE_PASSWORD)).toList();

            // then
            assertThat(responses).allSatisfy(r -> assertThat(r.status()).isEqualTo(403));
            assertThat(http.admin("GET", "/api/users/eve", null).status()).isEqualTo(404);
        }

        @Test
        @DisplayName("does not take a registry token in place of a password")
        void registryTokenIsNoAdminCredential() {
            // given
            String adminToken = http.token(ADMIN, ADMIN_PASSWORD, "registry:catalog:*");

            // when
            Response response = http.get("/api/users", bearer(adminToken));

            // then
            assertThat(response.status()).isEqualTo(401);
        }

        @Test
        @DisplayName("cannot change accounts or rules declared in configuration")
        void declaredAreReadOnly() {
            // when
            Response deleteUser = http.admin("DELETE", "/api/users/" + BOB, null);
            Response deleteRule = http.admin("DELETE", "/api/rules/config-0", null);

            // then
            assertThat(deleteUser.status()).isEqualTo(409);
            assertThat(deleteRule.status()).isEqualTo(409);
            assertThat(http.token(BOB, BOB_PASSWORD)).isNotEmpty();
        }
    }

    @Nested
    @DisplayName("the audit log")
    class Audit {

        @Test
        @DisplayName("GET /api/audit shows logins, pushes, deletes and rule changes, with who and from where")
        void recordsWhatHappened() {
            // given
            Instant since = Instant.now().minusSeconds(1);
            String token = http.token(ALICE, ALICE_PASSWORD, "repository:alice/audited:pull,push,delete");
            assertThat(http.pushImage("alice/audited", "v1", token).status()).isEqualTo(201);
            assertThat(http.send("DELETE", "/v2/alice/audited/manifests/v1", null, bearer(token)).status()).isEqualTo(202);
            http.tokenGet(BOB, "not-bobs-password", null);
            Response rule = http.admin("POST", "/api/rules", Map.of("repositories", "audited/**", "users", List.of(BOB),
                    "actions", List.of("pull")));
            assertThat(rule.status()).isEqualTo(201);
            String ruleId = rule.json().path("id").asString();
            assertThat(http.admin("DELETE", "/api/rules/" + ruleId, null).status()).isEqualTo(204);

            // when / then (events are written off the request path)
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                Response audit = http.admin("GET", "/api/audit?since=" + since + "&limit=1000", null);
                assertThat(audit.status()).isEqualTo(200);
                List<String> events = new ArrayList<>();
                audit.json().forEach(e -> events.add(e.path("actor").asString("-") + " " + e.path("action").asString()
                        + " " + e.path("target").asString("-") + " " + e.path("result").asString()
                        + " " + e.path("clientAddress").asString("-")));
                assertThat(events).anyMatch(e -> e.equals("alice login - ok 127.0.0.1"));
                assertThat(events).anyMatch(e -> e.startsWith("bob login - denied"));
                assertThat(events).anyMatch(e -> e.startsWith("alice push alice/audited:v1@sha256:") && e.endsWith("ok 127.0.0.1"));
                assertThat(events).anyMatch(e -> e.startsWith("alice delete alice/audited:v1 ok"));
                assertThat(events).anyMatch(e -> e.startsWith("admin create-rule " + ruleId + " audited/** ok"));
                assertThat(events).anyMatch(e -> e.startsWith("admin delete-rule " + ruleId + " ok"));
            });
        }
    }
}
