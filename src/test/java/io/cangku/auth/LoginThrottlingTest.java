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
 * API) ends in 429 TOOMANYREQUESTS with Retry-After; but a stranger's failures from elsewhere never lock out
 * the real user, and one failing client behind a shared address (a NAT, a CI runner) never locks out the
 * others there. Clients at other addresses are real sockets bound to other loopback addresses (127.0.0.x).
 * Three failures per name and address, six per address or per name, within a three-second window throttle
 * here, so the tests stay quick.
 */
@DisplayName("Login throttling")
class LoginThrottlingTest {

    static final String VICTIM = "victim";
    static final String VICTIM_PASSWORD = "victim-password";
    static final int MAX_FAILURES = 3;
    static final int MAX_FAILURES_PER_ADDRESS = 6;
    static final int MAX_FAILURES_PER_NAME = 6;

    static TokenAuthRegistry registry;
    static TokenHttp http;

    @BeforeAll
    static void startRegistry() {
        registry = TokenAuthRegistry.with()
                .set("--registry.auth.throttle.max-failures=" + MAX_FAILURES)
                .set("--registry.auth.throttle.max-failures-per-address=" + MAX_FAILURES_PER_ADDRESS)
                .set("--registry.auth.throttle.max-failures-per-name=" + MAX_FAILURES_PER_NAME)
                .set("--registry.auth.throttle.window=3s")
                .set("--registry.auth.login-audit-interval=0s")
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
        // every address a test may have used, so that no block outlives its test
        for (int octet : new int[] {1, 2, 3, 4}) {
            TokenHttp client = TokenHttp.from(registry.uri(), octet);
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250))
                    .until(() -> client.tokenGet(VICTIM, VICTIM_PASSWORD, null).status() == 200
                            && client.tokenGet("bystander", "bystander-password", null).status() == 200);
        }
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250))
                .until(() -> http.admin("GET", "/api/users", null).status() == 200);
    }

    static void assertThrottled(Response response) {
        assertThat(response.status()).isEqualTo(429);
        assertThat(Long.parseLong(response.header("Retry-After"))).isBetween(1L, 3L);
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
        await().atMost(Duration.ofSeconds(10)).until(() -> http.tokenGet(VICTIM, VICTIM_PASSWORD, null).status() == 200);
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
        for (int i = 0; i < MAX_FAILURES_PER_ADDRESS; i++) {
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
    @DisplayName("a stranger's wrong passwords from another address never lock out the real user, even past the per-name limit")
    void strangerCannotLockOutTheUser() {
        // given a stranger at 127.0.0.2, then one at 127.0.0.3, guessing the victim's password until refused
        TokenHttp first = TokenHttp.from(registry.uri(), 2);
        for (int i = 0; i < MAX_FAILURES; i++) {
            assertThat(first.tokenGet(VICTIM, "guess-" + i, null).status()).isEqualTo(401);
        }
        assertThrottled(first.tokenGet(VICTIM, VICTIM_PASSWORD, null));
        TokenHttp second = TokenHttp.from(registry.uri(), 3);
        for (int i = 0; i < MAX_FAILURES - 1; i++) {
            assertThat(second.tokenGet(VICTIM, "guess-" + i, null).status()).isEqualTo(401);
        }
        // the sixth failure of the name reaches max-failures-per-name: wrong passwords now answer 429
        assertThrottled(second.tokenGet(VICTIM, "guess-last", null));
        assertThrottled(second.tokenGet(VICTIM, VICTIM_PASSWORD, null));

        // when the victim signs in from their own address, once the name has failed more than the per-name limit
        Response victim = http.tokenGet(VICTIM, VICTIM_PASSWORD, null);
        Response admin = http.admin("GET", "/api/users", null, ADMIN, ADMIN_PASSWORD);

        // then
        assertThat(victim.status()).as("the victim's own sign-in: %s", victim).isEqualTo(200);
        assertThat(victim.json().path("token").asString()).isNotEmpty();
        assertThat(admin.status()).isEqualTo(200);
    }

    @Test
    @DisplayName("while a name is under attack from many addresses, each address gets a single guess and wrong ones answer 429, the right password still 200")
    void nameUnderDistributedAttack() {
        // given wrong passwords for the victim from two addresses, up to the per-name limit
        TokenHttp first = TokenHttp.from(registry.uri(), 2);
        TokenHttp second = TokenHttp.from(registry.uri(), 3);
        for (int i = 0; i < MAX_FAILURES_PER_NAME / 2; i++) {
            first.tokenGet(VICTIM, "guess-a" + i, null);
            second.tokenGet(VICTIM, "guess-b" + i, null);
        }
        TokenHttp third = TokenHttp.from(registry.uri(), 4);

        // when a third address guesses once, then signs in right
        Response guess = third.tokenGet(VICTIM, "guess-c", null);
        Response right = third.tokenGet(VICTIM, VICTIM_PASSWORD, null);
        Response fromHome = http.tokenGet(VICTIM, VICTIM_PASSWORD, null);

        // then its one wrong guess answers 429 and blocks that address for this name; the user's own address is untouched
        assertThrottled(guess);
        assertThrottled(right);
        assertThat(fromHome.status()).isEqualTo(200);
    }

    @Test
    @DisplayName("one misconfigured client behind a shared address (NAT, CI runner) does not lock out another user there")
    void sharedAddress() {
        // given a client at 127.0.0.2 retrying a wrong password for the victim long after it is throttled
        TokenHttp runner = TokenHttp.from(registry.uri(), 2);
        int throttled = 0;
        for (int i = 0; i < 3 * MAX_FAILURES_PER_ADDRESS; i++) {
            Response response = runner.tokenGet(VICTIM, "stale-password", null);
            if (response.status() == 429) {
                throttled++;
            }
        }

        // when another user signs in from the same address
        Response bystander = runner.tokenGet("bystander", "bystander-password", null);
        Response post = runner.tokenPost(List.of(entry("grant_type", "password"), entry("username", "bystander"),
                entry("password", "bystander-password")));

        // then the failing client is throttled, the other user is not
        assertThat(throttled).isGreaterThan(MAX_FAILURES_PER_ADDRESS);
        assertThat(bystander.status()).as("bystander behind the same address: %s", bystander).isEqualTo(200);
        assertThat(post.status()).isEqualTo(200);
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
