package io.cangku.auth;

import io.cangku.auth.TokenHttp.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.cangku.auth.TokenAuthRegistry.ADMIN;
import static io.cangku.auth.TokenAuthRegistry.ADMIN_PASSWORD;
import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A brute-force run of wrong passwords against every place that checks one (GET and POST /token, the admin
 * API) ends in 429 TOOMANYREQUESTS with Retry-After, and while it lasts even the right password is refused.
 * Three failures within a one-second window throttle here, so the tests stay quick.
 */
@DisplayName("Login throttling")
class LoginThrottlingTest {

    static final String VICTIM = "victim";
    static final String VICTIM_PASSWORD = "victim-password";
    static final int MAX_FAILURES = 3;

    static TokenAuthRegistry registry;
    static TokenHttp http;

    @BeforeAll
    static void startRegistry() {
        registry = TokenAuthRegistry.with()
                .set("--registry.auth.throttle.max-failures=" + MAX_FAILURES)
                .set("--registry.auth.throttle.window=1s")
                .user(VICTIM, VICTIM_PASSWORD)
                .user("bystander", "bystander-password")
                .start();
        http = registry.http();
    }

    @AfterAll
    static void stopRegistry() {
        registry.close();
    }

    @BeforeEach
    void waitForThePreviousTestsThrottleToPass() {
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(200))
                .until(() -> http.tokenGet(VICTIM, VICTIM_PASSWORD, null).status() == 200);
    }

    static void assertThrottled(Response response) {
        assertThat(response.status()).isEqualTo(429);
        assertThat(Long.parseLong(response.header("Retry-After"))).isEqualTo(1L);
    }

    @Test
    @DisplayName("wrong passwords on GET /token end in 429 TOOMANYREQUESTS with Retry-After; the right one is refused too, until the window passes")
    void bruteForceOnTokenGet() {
        // given
        for (int i = 0; i < MAX_FAILURES; i++) {
            assertThat(http.tokenGet(VICTIM, "guess-" + i, null).status()).isEqualTo(401);
        }

        // when
        Response guess = http.tokenGet(VICTIM, "guess-again", null);
        Response right = http.tokenGet(VICTIM, VICTIM_PASSWORD, null);
        Response post = http.tokenPost(List.of(entry("grant_type", "password"), entry("username", VICTIM),
                entry("password", VICTIM_PASSWORD)));

        // then
        assertThrottled(guess);
        assertThat(guess.errorCode()).isEqualTo("TOOMANYREQUESTS");
        assertThrottled(right);
        assertThat(right.json().has("token")).isFalse();
        assertThrottled(post);
        await().atMost(Duration.ofSeconds(5)).until(() -> http.tokenGet(VICTIM, VICTIM_PASSWORD, null).status() == 200);
    }

    @Test
    @DisplayName("wrong passwords on the POST password grant are throttled the same way")
    void bruteForceOnTokenPost() {
        // given
        for (int i = 0; i < MAX_FAILURES; i++) {
            Response response = http.tokenPost(List.of(entry("grant_type", "password"), entry("username", VICTIM),
                    entry("password", "guess-" + i)));
            assertThat(response.status()).isEqualTo(401);
        }

        // when
        Response right = http.tokenPost(List.of(entry("grant_type", "password"), entry("username", VICTIM),
                entry("password", VICTIM_PASSWORD)));

        // then
        assertThrottled(right);
        assertThat(right.errorCode()).isEqualTo("TOOMANYREQUESTS");
    }

    @Test
    @DisplayName("wrong passwords on the admin API end in 429 with Retry-After, and the administrator is locked out while it lasts")
    void bruteForceOnAdminApi() {
        // given
        for (int i = 0; i < MAX_FAILURES; i++) {
            assertThat(http.admin("GET", "/api/users", null, ADMIN, "guess-" + i).status()).isEqualTo(401);
        }

        // when
        Response right = http.admin("GET", "/api/users", null, ADMIN, ADMIN_PASSWORD);

        // then
        assertThrottled(right);
        assertThat(right.text()).doesNotContain("victim");
    }

    @Test
    @DisplayName("guessing many names from one address is throttled per address, and X-Forwarded-For does not reset it")
    void passwordSprayingAndSpoofedAddress() {
        // given wrong passwords for several names, each from a "different" forwarded address
        for (int i = 0; i < MAX_FAILURES; i++) {
            Response response = http.get("/token?service=cangku", "Authorization", TokenHttp.basic("name-" + i, "guess"),
                    "X-Forwarded-For", "10.0.0." + i);
            assertThat(response.status()).isEqualTo(401);
        }

        // when
        Response bystander = http.get("/token?service=cangku", "Authorization", TokenHttp.basic("bystander", "bystander-password"),
                "X-Forwarded-For", "10.9.9.9");

        // then
        assertThrottled(bystander);
    }

    @Test
    @DisplayName("throttled attempts are in the audit log")
    void throttledAttemptsAreAudited() {
        // given
        for (int i = 0; i <= MAX_FAILURES; i++) {
            http.tokenGet(VICTIM, "guess-" + i, null);
        }
        waitForThePreviousTestsThrottleToPass();

        // then
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            Response audit = http.admin("GET", "/api/audit?limit=1000", null);
            assertThat(audit.status()).isEqualTo(200);
            List<String> results = new ArrayList<>();
            audit.json().forEach(e -> results.add(e.path("actor").asString("-") + " " + e.path("action").asString()
                    + " " + e.path("result").asString()));
            assertThat(results).contains("victim login denied", "victim login throttled");
        });
    }
}
