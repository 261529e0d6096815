package io.cangku.auth;

import io.cangku.auth.TokenHttp.Response;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.cangku.auth.TokenHttp.bearer;
import static io.cangku.auth.TokenAuthRegistry.ADMIN;
import static io.cangku.auth.TokenAuthRegistry.ADMIN_PASSWORD;
import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

/** Passwords, robot secrets, tokens and hashes never reach the log, even with auth and web logging at their most verbose. */
@DisplayName("Secrets in logs")
@ExtendWith(OutputCaptureExtension.class)
class SecretsNotLoggedTest {

    @Test
    @DisplayName("no password, robot secret, token or password hash appears in the output of a run full of logins")
    void secretsNeverLogged(CapturedOutput output) throws IOException {
        List<String> secrets = new ArrayList<>(List.of(ADMIN_PASSWORD, "alice-password-1", "wrong-password-9", "carol-password-7",
                "carol-new-password-8"));
        TokenAuthRegistry.Settings settings = TokenAuthRegistry.with()
                .set("--logging.level.io.cangku=TRACE")
                .set("--logging.level.org.springframework.security=TRACE")
                .set("--logging.level.org.springframework.web=TRACE")
                .set("--logging.level.org.apache.catalina.authenticator=TRACE")
                .user("alice", "alice-password-1", "team-a");
        Path root;
        try (TokenAuthRegistry registry = settings.start()) {
            root = registry.root();
            TokenHttp http = registry.http();

            // given every way a secret travels: basic, password and refresh grants, the admin API, robots
            Response get = http.tokenGet("alice", "alice-password-1", "offline_token=true&client_id=test", "repository:alice/app:pull,push");
            secrets.add(get.json().path("token").asString());
            secrets.add(get.json().path("refresh_token").asString());
            Response post = http.tokenPost(List.of(entry("grant_type", "password"), entry("access_type", "offline"),
                    entry("username", "alice"), entry("password", "alice-password-1"), entry("scope", "repository:alice/app:pull")));
            secrets.add(post.json().path("access_token").asString());
            secrets.add(post.json().path("refresh_token").asString());
            Response refreshed = http.tokenPost(List.of(entry("grant_type", "refresh_token"),
                    entry("refresh_token", post.json().path("refresh_token").asString())));
            secrets.add(refreshed.json().path("access_token").asString());
            assertThat(http.tokenGet("alice", "wrong-password-9", null).status()).isEqualTo(401);
            assertThat(http.tokenPost(List.of(entry("grant_type", "password"), entry("username", "alice"),
                    entry("password", "wrong-password-9"))).status()).isEqualTo(401);
            assertThat(http.admin("GET", "/api/users", null, ADMIN, "wrong-password-9").status()).isEqualTo(401);
            http.createUser("carol", "carol-password-7");
            assertThat(http.admin("PUT", "/api/users/carol", Map.of("password", "carol-new-password-8")).status()).isEqualTo(200);
            assertThat(http.admin("POST", "/api/users", Map.of("name", "x", "password", "short")).status()).isEqualTo(400);
            Response robot = http.admin("POST", "/api/robots", Map.of("name", "ci-bot"));
            String robotSecret = robot.json().path("secret").asString();
            secrets.add(robotSecret);
            secrets.add(http.token("ci-bot", robotSecret, "repository:ci-bot/app:pull"));
            assertThat(http.pushImage("alice/app", "1", get.json().path("token").asString()).status()).isEqualTo(201);
            assertThat(http.get("/v2/alice/app/manifests/1", bearer("forged." + "x".repeat(40))).status()).isEqualTo(401);
        }

        // then
        for (String basic : List.of("alice:alice-password-1", ADMIN + ":" + ADMIN_PASSWORD, "alice:wrong-password-9")) {
            secrets.add(Base64.getEncoder().encodeToString(basic.getBytes(StandardCharsets.UTF_8)));
        }
        try (Stream<Path> files = Files.walk(root.resolve("_auth"))) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String text = Files.readString(file);
                int hash = text.indexOf("$2a$");
                if (hash >= 0) {
                    secrets.add(text.substring(hash, hash + 60));
                }
            }
        }
        String log = output.getAll();
        assertThat(log).contains("Tomcat started on port").contains("/token"); // the verbose logging did log requests
        assertThat(secrets).hasSizeGreaterThan(15).allSatisfy(secret -> assertThat(secret).isNotBlank());
        List<String> leaks = new ArrayList<>();
        for (String line : log.split("\n")) {
            for (String secret : secrets) {
                if (line.contains(secret)) {
                    // show where, never the secret itself
                    leaks.add(line.replace(secret, "<SECRET " + secret.substring(0, Math.min(4, secret.length())) + "…>"));
                }
            }
        }
        assertThat(leaks).as("log lines carrying a secret").isEmpty();
    }
}
