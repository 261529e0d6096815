package io.cangku.auth;

import io.cangku.storage.filesystem.FilesystemObjectStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The password check itself, without HTTP: an unknown name costs a full bcrypt check like a known one (so the
 * time taken does not tell which names exist), and the throttle counts per name and address, per address and
 * per name (see {@link LoginThrottle}).
 */
@DisplayName("Credentials and the login throttle")
class CredentialsTest {

    @TempDir
    Path root;

    FilesystemObjectStore store;
    JsonMapper json = JsonMapper.builder().build();

    @BeforeEach
    void createStore() throws IOException {
        store = new FilesystemObjectStore(root);
    }

    /** Audit events kept in memory: the real log writes off the calling thread, into the temp dir being deleted. */
    final List<String> audited = java.util.Collections.synchronizedList(new ArrayList<>());

    AuditLog audit() {
        return new AuditLog(store, json) {
            @Override
            public void record(String actor, String action, String target, String clientAddress, String result) {
                audited.add(actor + " " + action + " " + result);
            }
        };
    }

    static AuthProperties properties(int maxFailures, Duration window, List<AuthProperties.DeclaredUser> users) {
        return properties(new AuthProperties.Throttle(maxFailures, 4 * maxFailures, 4 * maxFailures, window), users);
    }

    static AuthProperties properties(AuthProperties.Throttle throttle, List<AuthProperties.DeclaredUser> users) {
        return new AuthProperties("token", "cangku", "cangku", Duration.ofMinutes(5), Duration.ofDays(30), 32,
                DataSize.ofKilobytes(64), Duration.ofHours(1),
                new AuthProperties.Admin("admin", null), new AuthProperties.Token(null, List.of()),
                throttle, users, List.of());
    }

    /** Credentials over a fresh account directory holding one account, {@code name} with {@code password}. */
    Credentials credentialsWithAccount(int maxFailures, String name, String password) throws IOException {
        AuthProperties properties = properties(maxFailures, Duration.ofMinutes(1), List.of());
        AccountDirectory directory = new AccountDirectory(store, json, properties);
        Credentials credentials = new Credentials(directory, new LoginThrottle(properties), audit(), properties);
        Instant now = Instant.now();
        directory.saveAccount(new Account(name, credentials.hash(password), List.of(), false, false, null, now, now, false));
        return credentials;
    }

    /**
     * The fastest of {@code rounds} timings of each check, taken in turns so that load from elsewhere on the
     * machine falls on all of them alike; the minimum is the check's own cost, free of pauses.
     */
    static double[] fastestMillis(int rounds, CheckedRunnable... checks) throws Exception {
        double[] fastest = new double[checks.length];
        java.util.Arrays.fill(fastest, Double.MAX_VALUE);
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < checks.length; i++) {
                long start = System.nanoTime();
                checks[i].run();
                fastest[i] = Math.min(fastest[i], (System.nanoTime() - start) / 1e6);
            }
        }
        return fastest;
    }

    interface CheckedRunnable {
        void run() throws Exception;
    }

    @Nested
    @DisplayName("the time a password check takes")
    class Timing {

        @Test
        @DisplayName("is about the same for an unknown name as for a known name with a wrong or right password")
        void unknownNameCostsAsMuchAsAKnownOne() throws Exception {
            // given
            Credentials credentials = credentialsWithAccount(1_000_000, "known", "right-password");
            for (int i = 0; i < 3; i++) { // warm up the JIT on every path
                credentials.authenticate("known", "wrong", "10.0.0.1");
                credentials.authenticate("unknown", "wrong", "10.0.0.1");
            }

            // when
            double[] millis = fastestMillis(7,
                    () -> assertThat(credentials.authenticate("known", "wrong", "10.0.0.1")).isEmpty(),
                    () -> assertThat(credentials.authenticate("known", "right-password", "10.0.0.1")).isPresent(),
                    () -> assertThat(credentials.authenticate("unknown", "wrong", "10.0.0.1")).isEmpty());
            double knownWrong = millis[0];
            double knownRight = millis[1];
            double unknown = millis[2];

            // then: every path runs bcrypt at the registry's cost (tens of ms, where a skipped check takes microseconds)
            assertThat(knownWrong).as("known name, wrong password (ms)").isGreaterThan(10);
            assertThat(unknown).as("unknown name (ms)").isGreaterThan(10);
            assertThat(unknown / knownWrong).as("unknown / known-wrong, %.1f ms vs %.1f ms", unknown, knownWrong).isBetween(0.5, 2.0);
            assertThat(unknown / knownRight).as("unknown / known-right, %.1f ms vs %.1f ms", unknown, knownRight).isBetween(0.5, 2.0);
        }

        @Test
        @DisplayName("cannot be skewed by a declared user: a password-hash of another bcrypt cost is refused at start")
        void declaredHashOfAnotherCostIsRefused() {
            // given hashes as `htpasswd -nbB` (cost 5) or a stronger setting (cost 12) would write them
            String cheap = new BCryptPasswordEncoder(5).encode("password");
            String dear = new BCryptPasswordEncoder(12).encode("password");
            String plain = "plain-secret-value";

            // then
            for (String hash : List.of(cheap, dear, plain)) {
                AuthProperties properties = properties(5, Duration.ofMinutes(1),
                        List.of(new AuthProperties.DeclaredUser("declared", hash, List.of(), false)));
                assertThatThrownBy(() -> new AccountDirectory(store, json, properties))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("registry.auth.users[0].password-hash")
                        .hasMessageNotContaining(hash);
            }
            AuthProperties same = properties(5, Duration.ofMinutes(1), List.of(
                    new AuthProperties.DeclaredUser("declared", new BCryptPasswordEncoder(10).encode("password"), List.of(), false)));
            assertThat(new AccountDirectory(store, json, same)).isNotNull();
        }
    }

    @Nested
    @DisplayName("the throttle")
    class Throttle {

        @Test
        @DisplayName("blocks a name from one address after max-failures, and refuses the right password from there without checking it")
        void perNameAndAddress() throws Exception {
            // given
            Credentials credentials = credentialsWithAccount(3, "target", "right-password");
            for (int i = 0; i < 3; i++) {
                assertThat(credentials.authenticate("target", "guess", "10.0.0.1")).isEmpty();
            }

            // when
            Throwable refused = catchThrowable(() -> credentials.authenticate("target", "right-password", "10.0.0.1"));
            double millis = fastestMillis(3, () -> catchThrowable(() -> credentials.authenticate("target", "right-password", "10.0.0.1")))[0];

            // then
            assertThat(refused).isInstanceOf(LoginThrottledException.class);
            assertThat(((LoginThrottledException) refused).retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(1));
            assertThat(millis).as("no bcrypt while throttled (ms)").isLessThan(5);
            assertThat(audited).contains("target login denied", "target login throttled").doesNotContain("target login ok");
            assertThat(credentials.authenticate("target", "right-password", "10.0.0.2")).isPresent();
        }

        @Test
        @DisplayName("a name failing from many addresses past max-failures-per-name still signs in with the right password; wrong ones are 429")
        void perNameNeverBlocksTheRightPassword() throws Exception {
            // given twelve failures (the per-name limit) from four addresses
            Credentials credentials = credentialsWithAccount(3, "target", "right-password");
            for (int i = 0; i < 12; i++) {
                int address = i % 4;
                catchThrowable(() -> credentials.authenticate("target", "guess", "10.0.0." + address));
            }

            // when
            Throwable wrong = catchThrowable(() -> credentials.authenticate("target", "guess", "10.0.0.50"));
            Throwable secondGuess = catchThrowable(() -> credentials.authenticate("target", "right-password", "10.0.0.50"));

            // then
            assertThat(credentials.authenticate("target", "right-password", "10.0.0.99")).isPresent();
            assertThat(wrong).isInstanceOf(LoginThrottledException.class);
            assertThat(secondGuess).as("one guess per address while the name is under attack").isInstanceOf(LoginThrottledException.class);
        }

        @Test
        @DisplayName("blocks an address after max-failures-per-address across names; attempts refused while blocked do not count")
        void perAddress() {
            // given
            LoginThrottle throttle = new LoginThrottle(properties(new AuthProperties.Throttle(3, 4, 100, Duration.ofMinutes(1)), List.of()));

            // when one name is blocked at 3, then three more names fail once each
            for (int i = 0; i < 3; i++) {
                throttle.recordFailure("a", "10.0.0.1");
            }
            boolean aBlocked = throttle.retryAfter("a", "10.0.0.1").isPresent();
            boolean othersAfterOne = throttle.retryAfter("fresh-name", "10.0.0.1").isPresent();
            throttle.recordFailure("b", "10.0.0.1");
            throttle.recordSuccess("c", "10.0.0.1");

            // then
            assertThat(aBlocked).isTrue();
            assertThat(othersAfterOne).as("one failing name does not block the address").isFalse();
            assertThat(throttle.retryAfter("fresh-name", "10.0.0.1")).isPresent();
            assertThat(throttle.retryAfter("fresh-name", "10.0.0.2")).isEmpty();
            assertThat(throttle.retryAfter("a", "10.0.0.2")).isEmpty();
        }

        @Test
        @DisplayName("counts names without case, and lets the name in again once the window has passed")
        void windowPasses() {
            // given a clock the test moves
            java.util.concurrent.atomic.AtomicReference<Instant> now = new java.util.concurrent.atomic.AtomicReference<>(Instant.now());
            java.time.Clock clock = new java.time.Clock() {
                @Override
                public java.time.ZoneId getZone() {
                    return java.time.ZoneOffset.UTC;
                }

                @Override
                public java.time.Clock withZone(java.time.ZoneId zone) {
                    return this;
                }

                @Override
                public Instant instant() {
                    return now.get();
                }
            };
            LoginThrottle throttle = new LoginThrottle(new AuthProperties.Throttle(2, 8, 8, Duration.ofSeconds(30)), clock);
            throttle.recordFailure("a", "10.0.0.1");
            throttle.recordFailure("A", "10.0.0.1");
            assertThat(throttle.retryAfter("a", "10.0.0.1")).isPresent();

            // when
            now.set(now.get().plusSeconds(31));

            // then
            assertThat(throttle.retryAfter("a", "10.0.0.1")).isEmpty();
        }
    }

    static Throwable catchThrowable(CheckedRunnable runnable) {
        try {
            runnable.run();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }
}
