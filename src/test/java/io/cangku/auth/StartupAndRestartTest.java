package io.cangku.auth;

import com.nimbusds.jwt.SignedJWT;
import io.cangku.auth.TokenHttp.Response;
import io.cangku.testing.Backends;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.cangku.auth.TokenHttp.bearer;
import static io.cangku.auth.TokenAuthRegistry.ADMIN;
import static io.cangku.auth.TokenAuthRegistry.ADMIN_PASSWORD;
import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What lives across restarts and replicas on the same storage: the first administrator (a generated
 * password is printed once, at first start only) and the token signing key (tokens stay valid through a
 * restart and on every instance).
 */
@DisplayName("Startup, restarts and replicas")
@ExtendWith(OutputCaptureExtension.class)
class StartupAndRestartTest {

    static final Pattern GENERATED = Pattern.compile("Generated administrator password.*?password: (\\S+)", Pattern.DOTALL);

    static int occurrences(String text, String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            count++;
        }
        return count;
    }

    static String kid(String token) throws Exception {
        return SignedJWT.parse(token).getHeader().getKeyID();
    }

    @Nested
    @DisplayName("the first administrator")
    class FirstAdministrator {

        @Test
        @DisplayName("by default auth is on, and a generated password is logged once at first start, not again at a restart")
        void generatedPasswordIsLoggedOnce(CapturedOutput output) {
            // given fresh storage and no configured password
            Path root = Backends.newTempDir("cangku-first-start-");
            String password;

            // when
            try (TokenAuthRegistry first = TokenAuthRegistry.with().startOn(root)) {
                Matcher matcher = GENERATED.matcher(output.getAll());
                assertThat(matcher.find()).as("the generated password is printed").isTrue();
                password = matcher.group(1);

                // then auth is on, and the printed password is the administrator's
                assertThat(first.http().get("/v2/").status()).isEqualTo(401);
                assertThat(first.http().token(ADMIN, password, "registry:catalog:*")).isNotEmpty();
            }
            assertThat(occurrences(output.getAll(), password)).isEqualTo(1);
            int mark = output.getAll().length();

            // and when restarted on the same storage
            try (TokenAuthRegistry second = TokenAuthRegistry.with().startOn(root)) {
                assertThat(second.http().token(ADMIN, password, "registry:catalog:*")).isNotEmpty();
            }
            String restart = output.getAll().substring(mark);
            assertThat(restart).contains("Tomcat started on port");
            assertThat(restart).doesNotContain("Generated administrator password").doesNotContain(password);
        }

        @Test
        @DisplayName("a configured password is applied, never logged, and a change at restart ends the old password and its refresh tokens")
        void configuredPasswordChanges(CapturedOutput output) {
            // given
            Path root = Backends.newTempDir("cangku-admin-password-");
            String refresh;
            try (TokenAuthRegistry first = TokenAuthRegistry.with().adminPassword("first-admin-password").startOn(root)) {
                Response login = first.http().tokenPost(List.of(entry("grant_type", "password"), entry("access_type", "offline"),
                        entry("client_id", "test"), entry("username", ADMIN), entry("password", "first-admin-password")));
                assertThat(login.status()).isEqualTo(200);
                refresh = login.json().path("refresh_token").asString();
            }

            // when
            try (TokenAuthRegistry second = TokenAuthRegistry.with().adminPassword("second-admin-password").startOn(root)) {
                TokenHttp http = second.http();

                // then
                assertThat(http.tokenGet(ADMIN, "first-admin-password", null).status()).isEqualTo(401);
                assertThat(http.tokenGet(ADMIN, "second-admin-password", null).status()).isEqualTo(200);
                assertThat(http.tokenPost(List.of(entry("grant_type", "refresh_token"), entry("refresh_token", refresh)))
                        .status()).isEqualTo(401);
            }
            assertThat(output.getAll()).contains("administrator 'admin' set from registry.auth.admin.password")
                    .doesNotContain("first-admin-password").doesNotContain("second-admin-password")
                    .doesNotContain("Generated administrator password");
        }

        @Test
        @DisplayName("a declared user's refresh tokens end when the configured password-hash changes")
        void declaredHashChanges() {
            // given
            Path root = Backends.newTempDir("cangku-declared-");
            String refresh;
            try (TokenAuthRegistry first = TokenAuthRegistry.with().user("ci", "first-ci-password").startOn(root)) {
                refresh = first.http().tokenGet("ci", "first-ci-password", "offline_token=true&client_id=test")
                        .json().path("refresh_token").asString();
                assertThat(refresh).isNotEmpty();
            }

            // when
            try (TokenAuthRegistry second = TokenAuthRegistry.with().user("ci", "second-ci-password").startOn(root)) {

                // then
                assertThat(second.http().tokenPost(List.of(entry("grant_type", "refresh_token"), entry("refresh_token", refresh)))
                        .status()).isEqualTo(401);
                assertThat(second.http().tokenGet("ci", "second-ci-password", null).status()).isEqualTo(200);
            }
        }
    }

    @Nested
    @DisplayName("the token signing key")
    class SigningKey {

        @Test
        @DisplayName("survives a restart: a token issued before still opens the registry after")
        void survivesRestart() throws Exception {
            // given
            Path root = Backends.newTempDir("cangku-key-restart-");
            String token;
            try (TokenAuthRegistry first = TokenAuthRegistry.with().adminPassword(ADMIN_PASSWORD).startOn(root)) {
                token = first.http().token(ADMIN, ADMIN_PASSWORD, "repository:kept/app:pull,push");
                assertThat(first.http().pushImage("kept/app", "1", token).status()).isEqualTo(201);
            }

            // when
            try (TokenAuthRegistry second = TokenAuthRegistry.with().adminPassword(ADMIN_PASSWORD).startOn(root)) {
                Response pull = second.http().get("/v2/kept/app/manifests/1", bearer(token));

                // then
                assertThat(pull.status()).isEqualTo(200);
                assertThat(kid(second.http().token(ADMIN, ADMIN_PASSWORD))).isEqualTo(kid(token));
            }
        }

        @Test
        @DisplayName("is shared by two instances on the same storage: each accepts the other's tokens")
        void sharedByReplicas() throws Exception {
            // given
            Path root = Backends.newTempDir("cangku-key-replicas-");
            try (TokenAuthRegistry a = TokenAuthRegistry.with().adminPassword(ADMIN_PASSWORD).startOn(root);
                 TokenAuthRegistry b = TokenAuthRegistry.with().adminPassword(ADMIN_PASSWORD).startOn(root)) {
                assertTokensCross(a, b);
            }
        }

        private void assertTokensCross(TokenAuthRegistry a, TokenAuthRegistry b) throws Exception {
            // given an image pushed through a
            String pushToken = a.http().token(ADMIN, ADMIN_PASSWORD, "repository:replicated/app:pull,push");
            assertThat(a.http().pushImage("replicated/app", "1", pushToken).status()).isEqualTo(201);

            // when
            List<Integer> statuses = new ArrayList<>();
            String fromA = a.http().token(ADMIN, ADMIN_PASSWORD, "repository:replicated/app:pull");
            String fromB = b.http().token(ADMIN, ADMIN_PASSWORD, "repository:replicated/app:pull");
            statuses.add(b.http().get("/v2/replicated/app/manifests/1", bearer(fromA)).status());
            statuses.add(a.http().get("/v2/replicated/app/manifests/1", bearer(fromB)).status());
            String refreshFromA = a.http().tokenGet(ADMIN, ADMIN_PASSWORD, "offline_token=true&client_id=test")
                    .json().path("refresh_token").asString();
            statuses.add(b.http().tokenPost(List.of(entry("grant_type", "refresh_token"), entry("refresh_token", refreshFromA))).status());

            // then
            assertThat(statuses).containsExactly(200, 200, 200);
            assertThat(kid(fromA)).isEqualTo(kid(fromB));
        }
    }
}
