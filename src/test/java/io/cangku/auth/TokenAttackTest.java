package io.cangku.auth;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import io.cangku.auth.TokenHttp.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.cangku.auth.TokenHttp.bearer;
import static io.cangku.auth.TokenAuthRegistry.ADMIN;
import static io.cangku.auth.TokenAuthRegistry.ADMIN_PASSWORD;
import static io.cangku.auth.TokenProtocolTest.access;
import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Attacks on the token scheme, each of which must be refused: forged, unsigned, tampered and expired
 * tokens, tokens used beyond what they grant, refresh tokens that should have died, and scope strings
 * crafted to widen a grant.
 */
@DisplayName("Attacks on token authentication")
class TokenAttackTest {

    static final String ALICE = "alice";              // group team-a: pull+push on team-a/**
    static final String ALICE_PASSWORD = "alice-password-1";
    static final byte[] SECRET_LAYER = "layer of team-b/secret:1".getBytes(StandardCharsets.UTF_8);

    static TokenAuthRegistry registry;
    static TokenHttp http;

    @BeforeAll
    static void startRegistry() {
        registry = TokenAuthRegistry.with()
                .set("--registry.auth.throttle.max-failures=1000")
                .set("--registry.auth.throttle.max-failures-per-address=1000")
                .set("--registry.auth.throttle.max-failures-per-name=1000")
                .user(ALICE, ALICE_PASSWORD, "team-a")
                .rule("team-a/**", "group:team-a", "pull,push")
                .rule("public/**", "anonymous", "pull")
                .start();
        http = registry.http();
        for (String repository : List.of("team-a/app", "team-a/other", "team-b/secret", "public/hello")) {
            http.pushImageAsAdmin(repository, "1");
        }
    }

    @AfterAll
    static void stopRegistry() {
        registry.close();
    }

    static JWK realKey() {
        return registry.bean(TokenKeys.class).signingKey();
    }

    static Response pullTeamB(String token) {
        return http.get("/v2/team-b/secret/manifests/1", bearer(token));
    }

    static void assertRefusedAsInvalid(Response response) {
        assertThat(response.status()).isEqualTo(401);
        assertThat(response.errorCode()).isEqualTo("UNAUTHORIZED");
        assertThat(response.header("WWW-Authenticate")).contains("error=\"invalid_token\"");
    }

    @Nested
    @DisplayName("forged and damaged tokens")
    class Forged {

        final JWTClaimsSet adminClaims = ForgedTokens.claims(ADMIN, "repository:team-b/secret:pull,push,delete").build();

        @Test
        @DisplayName("control: the same claims signed with the registry's own key are accepted (so the forgeries below differ only in what they test)")
        void control() {
            // when
            Response response = pullTeamB(ForgedTokens.sign(realKey(), realKey().getKeyID(), adminClaims));

            // then
            assertThat(response.status()).isEqualTo(200);
        }

        @ParameterizedTest(name = "alg \"{0}\"")
        @ValueSource(strings = {"none", "None", "NONE", "nOnE"})
        @DisplayName("an unsigned token (alg: none) is refused, with or without the real key id")
        void unsigned(String alg) {
            // given
            String withoutKid = ForgedTokens.unsigned(alg, null, adminClaims, "");
            String withKid = ForgedTokens.unsigned(alg, realKey().getKeyID(), adminClaims, "");
            String realToken = ForgedTokens.sign(realKey(), realKey().getKeyID(), adminClaims);
            String withRealSignature = ForgedTokens.unsigned(alg, realKey().getKeyID(), adminClaims, realToken.split("\\.")[2]);

            // then
            assertRefusedAsInvalid(pullTeamB(withoutKid));
            assertRefusedAsInvalid(pullTeamB(withKid));
            assertRefusedAsInvalid(pullTeamB(withRealSignature));
        }

        @Test
        @DisplayName("a token signed by another EC key is refused, under its own key id or the registry's")
        void foreignEcKey() throws Exception {
            // given
            ECKey attacker = new ECKeyGenerator(Curve.P_256).keyIDFromThumbprint(true).generate();

            // then
            assertRefusedAsInvalid(pullTeamB(ForgedTokens.sign(attacker, attacker.getKeyID(), adminClaims)));
            assertRefusedAsInvalid(pullTeamB(ForgedTokens.sign(attacker, realKey().getKeyID(), adminClaims)));
        }

        @Test
        @DisplayName("a token signed by a foreign RSA key, or carrying its own key in the jwk header, is refused")
        void foreignRsaAndEmbeddedKey() throws Exception {
            // given
            RSAKey rsa = new RSAKeyGenerator(2048).keyIDFromThumbprint(true).generate();
            ECKey attacker = new ECKeyGenerator(Curve.P_256).generate();
            String embedded = ForgedTokens.sign(new JWSHeader.Builder(JWSAlgorithm.ES256).type(JOSEObjectType.JWT)
                    .keyID(realKey().getKeyID()).jwk(attacker.toPublicJWK()).build(), new ECDSASigner(attacker), adminClaims);

            // then
            assertRefusedAsInvalid(pullTeamB(ForgedTokens.sign(rsa, rsa.getKeyID(), adminClaims)));
            assertRefusedAsInvalid(pullTeamB(ForgedTokens.sign(rsa, realKey().getKeyID(), adminClaims)));
            assertRefusedAsInvalid(pullTeamB(embedded));
        }

        @Test
        @DisplayName("HS256 with the registry's public key as the HMAC secret (algorithm confusion) is refused")
        void algorithmConfusion() throws Exception {
            // given
            byte[] publicKey = realKey().toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8);
            byte[] encoded = ((ECKey) realKey()).toECPublicKey().getEncoded();

            // then
            assertRefusedAsInvalid(pullTeamB(ForgedTokens.hmac(publicKey, realKey().getKeyID(), adminClaims)));
            assertRefusedAsInvalid(pullTeamB(ForgedTokens.hmac(encoded, realKey().getKeyID(), adminClaims)));
        }

        @Test
        @DisplayName("a real token whose payload was changed (more rights, another subject) is refused")
        void tamperedPayload() {
            // given
            String real = http.token(ALICE, ALICE_PASSWORD, "repository:team-a/app:pull");
            String tampered = ForgedTokens.withPayload(real, adminClaims);
            String sameRepositoryMoreActions = ForgedTokens.withPayload(real,
                    ForgedTokens.claims(ALICE, "repository:team-a/app:pull,push").build());

            // then
            assertThat(http.get("/v2/team-a/app/manifests/1", bearer(real)).status()).isEqualTo(200);
            assertRefusedAsInvalid(pullTeamB(tampered));
            assertRefusedAsInvalid(http.send("POST", "/v2/team-a/app/blobs/uploads/", null, bearer(sameRepositoryMoreActions)));
        }

        @Test
        @DisplayName("a token whose signature was cut off or truncated is refused")
        void damagedSignature() {
            // given
            String real = http.token(ALICE, ALICE_PASSWORD, "repository:team-a/app:pull");
            String[] parts = real.split("\\.");

            // then
            assertRefusedAsInvalid(http.get("/v2/team-a/app/manifests/1", bearer(parts[0] + "." + parts[1] + ".")));
            assertRefusedAsInvalid(http.get("/v2/team-a/app/manifests/1", bearer(parts[0] + "." + parts[1])));
            assertRefusedAsInvalid(http.get("/v2/team-a/app/manifests/1",
                    bearer(parts[0] + "." + parts[1] + "." + parts[2].substring(0, parts[2].length() - 4))));
        }

        @Test
        @DisplayName("an expired token is refused, whether the registry issued it or it was signed with the registry's key")
        void expired() throws Exception {
            // given a token service like the registry's, with the registry's key, whose tokens are born expired
            AuthProperties p = registry.bean(AuthProperties.class);
            AuthProperties bornExpired = new AuthProperties(p.mode(), p.service(), p.issuer(), Duration.ofMinutes(-2),
                    Duration.ofMinutes(-2), p.maxScopesPerRequest(), p.maxTokenRequestSize(), p.loginAuditInterval(), p.admin(), p.token(), p.throttle(), p.users(), p.rules());
            TokenService issuer = new TokenService(registry.bean(TokenKeys.class), bornExpired);
            String issued = issuer.issueAccessToken(new Subject(ADMIN, List.of(), true),
                    List.of(Scope.repository("team-b/secret", Set.of(Scope.PULL)))).token();
            Instant now = Instant.now();
            String signed = ForgedTokens.sign(realKey(), realKey().getKeyID(), ForgedTokens.claims(ADMIN, "repository:team-b/secret:pull")
                    .issueTime(Date.from(now.minus(Duration.ofMinutes(10)))).notBeforeTime(Date.from(now.minus(Duration.ofMinutes(10))))
                    .expirationTime(Date.from(now.minus(Duration.ofMinutes(5)))).build());
            String expiredRefresh = issuer.issueRefreshToken(registry.bean(AccountDirectory.class).findAccount(ALICE).orElseThrow());

            // then
            assertRefusedAsInvalid(pullTeamB(issued));
            assertRefusedAsInvalid(pullTeamB(signed));
            assertThat(http.tokenPost(List.of(entry("grant_type", "refresh_token"), entry("refresh_token", expiredRefresh)))
                    .status()).isEqualTo(401);
        }

        @Test
        @DisplayName("a token signed with the registry's own key (as one read from disk) is refused when it lives longer than the configured lifetime or is issued in the future")
        void lifetimeBeyondTheConfiguredOne() {
            // given tokens signed with the real key: a 100-year administrator token, one issued an hour from now,
            // and one at the configured lifetime (5 minutes) as a control
            Instant now = Instant.now();
            String century = ForgedTokens.sign(realKey(), realKey().getKeyID(), ForgedTokens.claims(ADMIN, "repository:team-b/secret:pull")
                    .expirationTime(Date.from(now.plus(Duration.ofDays(36_500)))).build());
            String future = ForgedTokens.sign(realKey(), realKey().getKeyID(), ForgedTokens.claims(ADMIN, "repository:team-b/secret:pull")
                    .issueTime(Date.from(now.plus(Duration.ofHours(1)))).notBeforeTime(Date.from(now.minusSeconds(1)))
                    .expirationTime(Date.from(now.plus(Duration.ofHours(1)).plus(Duration.ofMinutes(4)))).build());
            String configured = ForgedTokens.sign(realKey(), realKey().getKeyID(), ForgedTokens.claims(ADMIN, "repository:team-b/secret:pull")
                    .build());

            // then
            assertRefusedAsInvalid(pullTeamB(century));
            assertRefusedAsInvalid(pullTeamB(future));
            assertThat(pullTeamB(configured).status()).isEqualTo(200);
        }

        @Test
        @DisplayName("a token not valid yet, for another audience, from another issuer, or without an expiry is refused")
        void wrongTimeOrParty() {
            // given
            Instant later = Instant.now().plus(Duration.ofMinutes(10));
            List<JWTClaimsSet> variants = List.of(
                    new JWTClaimsSet.Builder(adminClaims).notBeforeTime(Date.from(later)).issueTime(Date.from(later)).build(),
                    new JWTClaimsSet.Builder(adminClaims).audience("another-registry").build(),
                    new JWTClaimsSet.Builder(adminClaims).audience(List.of()).build(),
                    new JWTClaimsSet.Builder(adminClaims).issuer("someone-else").build(),
                    new JWTClaimsSet.Builder(adminClaims).expirationTime(null).build(),
                    new JWTClaimsSet.Builder(adminClaims).issueTime(null).build());

            // then
            for (JWTClaimsSet claims : variants) {
                assertRefusedAsInvalid(pullTeamB(ForgedTokens.sign(realKey(), realKey().getKeyID(), claims)));
            }
            assertRefusedAsInvalid(pullTeamB(ForgedTokens.sign(realKey(), null, adminClaims)));
        }

        @Test
        @DisplayName("even a token signed with the registry's key grants nothing through an access entry the scope grammar rejects")
        void malformedAccessEntries() {
            // given
            String wildcard = ForgedTokens.sign(realKey(), realKey().getKeyID(),
                    ForgedTokens.claims(ALICE, "repository:*:pull,push").build());
            String traversal = ForgedTokens.sign(realKey(), realKey().getKeyID(),
                    ForgedTokens.claims(ALICE, "repository:team-a/../team-b/secret:pull").build());

            // then
            assertThat(pullTeamB(wildcard).status()).isIn(401, 403);
            assertThat(pullTeamB(traversal).status()).isIn(401, 403);
        }
    }

    @Nested
    @DisplayName("real tokens used beyond what they grant")
    class Misuse {

        @Test
        @DisplayName("a token for repository A is refused on repository B")
        void otherRepository() {
            // given
            String token = http.token(ALICE, ALICE_PASSWORD, "repository:team-a/app:pull,push");

            // when
            Response sibling = http.get("/v2/team-a/other/manifests/1", bearer(token));   // alice may pull there, token does not say so
            Response foreign = http.get("/v2/team-b/secret/manifests/1", bearer(token));  // alice may not pull there at all
            Response pushSibling = http.pushImage("team-a/other", "stolen", token);

            // then
            assertThat(sibling.status()).isEqualTo(401);
            assertThat(sibling.header("WWW-Authenticate")).contains("error=\"insufficient_scope\"");
            assertThat(foreign.status()).isEqualTo(403);
            assertThat(foreign.errorCode()).isEqualTo("DENIED");
            assertThat(pushSibling.status()).isEqualTo(401);
        }

        @Test
        @DisplayName("a pull token cannot push (upload, manifest, chunk) and a push token cannot delete")
        void pullCannotPush() {
            // given
            String pull = http.token(ALICE, ALICE_PASSWORD, "repository:team-a/app:pull");
            String push = http.token(ALICE, ALICE_PASSWORD, "repository:team-a/app:pull,push");
            Response session = http.send("POST", "/v2/team-a/app/blobs/uploads/", null, bearer(push));
            assertThat(session.status()).isEqualTo(202);
            String location = session.header("Location");

            // when
            Response upload = http.send("POST", "/v2/team-a/app/blobs/uploads/", null, bearer(pull));
            Response patch = http.send("PATCH", location, "data".getBytes(StandardCharsets.UTF_8), bearer(pull));
            Response manifest = http.pushImage("team-a/app", "pulled", pull);
            Response delete = http.send("DELETE", "/v2/team-a/app/manifests/1", null, bearer(push));

            // then
            for (Response response : List.of(upload, patch, manifest, delete)) {
                assertThat(response.status()).isIn(401, 403);
                assertThat(response.errorCode()).isIn("UNAUTHORIZED", "DENIED");
            }
            assertThat(http.get("/v2/team-a/app/manifests/1", bearer(pull)).status()).isEqualTo(200);
        }

        @Test
        @DisplayName("blobs and manifests of a repository one may not pull stay hidden behind one's own repository's path")
        void noContentThroughOwnRepository() {
            // given alice knows the digests in team-b/secret
            String token = http.token(ALICE, ALICE_PASSWORD, "repository:alice/mine:pull,push");
            String layer = TokenHttp.digest(SECRET_LAYER);
            String adminToken = http.token(ADMIN, ADMIN_PASSWORD, "repository:team-b/secret:pull");
            String manifestDigest = http.send("HEAD", "/v2/team-b/secret/manifests/1", null, bearer(adminToken))
                    .header("Docker-Content-Digest");

            // when
            Response blob = http.get("/v2/alice/mine/blobs/" + layer, bearer(token));
            Response manifest = http.get("/v2/alice/mine/manifests/" + manifestDigest, bearer(token));
            Response mount = http.send("POST", "/v2/alice/mine/blobs/uploads/?mount=" + layer + "&from=team-b/secret", null,
                    bearer(token));
            String manifestOverForeignLayer = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                    + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + layer
                    + "\",\"size\":" + SECRET_LAYER.length + "},\"layers\":[]}";
            Response link = http.send("PUT", "/v2/alice/mine/manifests/steal", manifestOverForeignLayer.getBytes(StandardCharsets.UTF_8),
                    "Authorization", "Bearer " + token, "Content-Type", "application/vnd.oci.image.manifest.v1+json");

            // then
            assertThat(blob.status()).isEqualTo(404);
            assertThat(manifest.status()).isEqualTo(404);
            assertThat(mount.status()).isEqualTo(202); // an ordinary upload session, not a mount
            assertThat(link.status()).isIn(400, 404); // the status is the API tests' concern; the refusal is ours
            assertThat(link.errorCode()).isEqualTo("MANIFEST_BLOB_UNKNOWN");
            assertThat(http.get("/v2/alice/mine/blobs/" + layer, bearer(token)).status()).isEqualTo(404);
        }

        @Test
        @DisplayName("an upload session of another repository cannot be continued through one's own")
        void foreignUploadSession() {
            // given
            String adminToken = http.token(ADMIN, ADMIN_PASSWORD, "repository:team-b/secret:pull,push");
            String location = http.send("POST", "/v2/team-b/secret/blobs/uploads/", null, bearer(adminToken)).header("Location");
            String sessionId = location.substring(location.lastIndexOf('/') + 1).split("\\?")[0];
            String token = http.token(ALICE, ALICE_PASSWORD, "repository:alice/mine:pull,push");

            // when
            Response status = http.get("/v2/alice/mine/blobs/uploads/" + sessionId, bearer(token));
            Response patch = http.send("PATCH", "/v2/alice/mine/blobs/uploads/" + sessionId, "x".getBytes(StandardCharsets.UTF_8),
                    bearer(token));

            // then
            assertThat(status.status()).isEqualTo(404);
            assertThat(status.errorCode()).isEqualTo("BLOB_UPLOAD_UNKNOWN");
            assertThat(patch.status()).isEqualTo(404);
        }

        @Test
        @DisplayName("a refresh token is not an access token, and an access token is not a refresh token")
        void tokenKindsDoNotMix() {
            // given
            Response login = http.tokenGet(ALICE, ALICE_PASSWORD, "offline_token=true&client_id=test", "repository:team-a/app:pull");
            String access = login.json().path("token").asString();
            String refresh = login.json().path("refresh_token").asString();

            // when
            Response refreshAsAccess = http.get("/v2/team-a/app/manifests/1", bearer(refresh));
            Response refreshAsBase = http.get("/v2/", bearer(refresh));
            Response accessAsRefresh = http.tokenPost(List.of(entry("grant_type", "refresh_token"), entry("refresh_token", access),
                    entry("scope", "repository:team-a/app:pull")));

            // then
            assertRefusedAsInvalid(refreshAsAccess);
            assertRefusedAsInvalid(refreshAsBase);
            assertThat(accessAsRefresh.status()).isEqualTo(401);
            assertThat(http.get("/v2/team-a/app/manifests/1", bearer(access)).status()).isEqualTo(200);
        }

        @Test
        @DisplayName("the refresh token of a deleted user is refused")
        void deletedUser() {
            // given
            http.createUser("leaver", "leaver-password");
            String refresh = refreshTokenOf("leaver", "leaver-password");
            assertThat(refresh("leaver-refresh", refresh).status()).isEqualTo(200);

            // when
            assertThat(http.admin("DELETE", "/api/users/leaver", null).status()).isEqualTo(204);

            // then
            assertThat(refresh("deleted", refresh).status()).isEqualTo(401);
            // and a new account of the same name does not inherit it
            http.createUser("leaver", "another-password");
            assertThat(refresh("recreated", refresh).status()).isEqualTo(401);
        }

        @Test
        @DisplayName("a refresh token issued before a password change is refused after it; one issued after works")
        void passwordChange() {
            // given
            http.createUser("changer", "first-password");
            String before = refreshTokenOf("changer", "first-password");

            // when
            assertThat(http.admin("PUT", "/api/users/changer", Map.of("password", "second-password")).status()).isEqualTo(200);

            // then
            assertThat(refresh("before", before).status()).isEqualTo(401);
            assertThat(http.tokenGet("changer", "first-password", null).status()).isEqualTo(401);
            String after = refreshTokenOf("changer", "second-password");
            assertThat(refresh("after", after).status()).isEqualTo(200);
        }

        @Test
        @DisplayName("the refresh token of an expired robot is refused")
        void expiredRobot() throws InterruptedException {
            // given
            Response created = http.admin("POST", "/api/robots", Map.of("name", "short-bot", "expiresIn", "PT2S"));
            String secret = created.json().path("secret").asString();
            String refresh = refreshTokenOf("short-bot", secret);
            Instant expiresAt = Instant.parse(created.json().path("expiresAt").asString());

            // when
            Thread.sleep(Math.max(0, Duration.between(Instant.now(), expiresAt).toMillis() + 100));

            // then
            assertThat(refresh("expired-robot", refresh).status()).isEqualTo(401);
        }

        private String refreshTokenOf(String user, String password) {
            Response login = http.tokenPost(List.of(entry("grant_type", "password"), entry("client_id", "test"),
                    entry("access_type", "offline"), entry("username", user), entry("password", password)));
            assertThat(login.status()).as("login of %s", user).isEqualTo(200);
            return login.json().path("refresh_token").asString();
        }

        private Response refresh(String clientId, String refreshToken) {
            return http.tokenPost(List.of(entry("grant_type", "refresh_token"), entry("client_id", clientId),
                    entry("refresh_token", refreshToken)));
        }
    }

    @Nested
    @DisplayName("scope strings crafted to widen a grant")
    class ScopeInjection {

        @ParameterizedTest(name = "[{0}] → [{1}]")
        @CsvSource(delimiter = '|', textBlock = """
                repository:team-a/app:pull,push repository:team-b/secret:push        | repository:team-a/app:pull,push
                repository:team-b/secret:push repository:team-a/app:pull             | repository:team-a/app:pull
                repository:team-a/app:pull,push   repository:team-b/secret:pull      | repository:team-a/app:pull,push
                repository:team-a/../team-b/secret:pull                              |
                repository:team-a/./app:pull                                         |
                repository:team-a//app:pull                                          |
                repository:/team-b/secret:pull                                       |
                repository:team-a/app,team-b/secret:pull                             |
                repository:team-b/secret,team-a/app:pull                             |
                repository:team-b secret:pull                                        |
                repository:TEAM-B/SECRET:pull                                        |
                repository:Team-A/App:pull                                           |
                repository:team-b/secret:pull:push                                   |
                repository:team-a/app:pull:team-b/secret:pull                        |
                repository:*:pull                                                    |
                repository:team-b/**:pull                                            |
                repository:team-a/app:*                                              | repository:team-a/app:pull,push
                repository:team-a/app:pull,push,delete,*                             | repository:team-a/app:pull,push
                repository:team-a/app:admin,pull                                     | repository:team-a/app:pull
                repository(plugin):team-b/secret:pull                                |
                registry:catalog:push                                                |
                registry:team-b/secret:pull                                          |
                catalog:team-b/secret:pull                                           |
                repository:team-a/app                                                |
                repository::pull                                                     |
                """)
        @DisplayName("one scope value is parsed into its separate scopes and grants only what the account may do")
        void oneValue(String scope, String expected) {
            // when
            Response get = http.tokenGet(ALICE, ALICE_PASSWORD, null, scope);
            Response post = http.tokenPost(List.of(entry("grant_type", "password"), entry("username", ALICE),
                    entry("password", ALICE_PASSWORD), entry("scope", scope)));

            // then
            List<String> granted = expected == null ? List.of() : List.of(expected);
            assertThat(get.status()).isEqualTo(200);
            assertThat(access(get.json().path("token").asString())).containsExactlyElementsOf(granted);
            assertThat(post.status()).isEqualTo(200);
            assertThat(access(post.json().path("access_token").asString())).containsExactlyElementsOf(granted);
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {
                "repository:team-a/app:pull\nrepository:team-b/secret:pull",
                "repository:team-a/app:pull\trepository:team-b/secret:pull",
                "repository:team-a/app:pull\r\nrepository:team-b/secret:pull",
                "repository:team-a/app:pull\u0000repository:team-b/secret:pull",
                "repository:team-b/secret%3Apull",
                "repository:team-b/secret:pu%6Cl"})
        @DisplayName("control characters and encoded separators do not split or smuggle a scope")
        void controlCharacters(String scope) {
            // when
            Response response = http.tokenGet(ALICE, ALICE_PASSWORD, null, scope);

            // then
            assertThat(response.status()).isEqualTo(200);
            assertThat(access(response.json().path("token").asString())).noneMatch(s -> s.contains("team-b"));
        }

        @Test
        @DisplayName("anonymous callers get no registry:catalog:* and no push on the public pattern")
        void anonymous() {
            // when
            String token = http.token(null, null, "registry:catalog:*", "repository:public/hello:pull,push,delete",
                    "repository:public/hello:* repository:team-a/app:pull");

            // then
            assertThat(access(token)).containsExactly("repository:public/hello:pull");
            assertThat(http.get("/v2/_catalog", bearer(token)).status()).isEqualTo(401);
        }

        @Test
        @DisplayName("a scope the caller may not have in the challenge's own format is still granted nothing")
        void challengeScopeReplayed() {
            // given the challenge for someone else's repository
            String challenge = http.get("/v2/team-b/secret/manifests/1").header("WWW-Authenticate");
            String scope = challenge.replaceAll(".*scope=\"([^\"]*)\".*", "$1");

            // when
            String token = http.token(ALICE, ALICE_PASSWORD, scope);

            // then
            assertThat(scope).isEqualTo("repository:team-b/secret:pull");
            assertThat(access(token)).isEmpty();
            assertThat(pullTeamB(token).status()).isEqualTo(403);
        }
    }
}
