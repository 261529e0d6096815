package io.cangku.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Counts failed logins per user name and per client address. After {@code max-failures} within the window,
 * further attempts with that name or from that address are refused until the window has passed, without
 * checking the password (so a guesser learns nothing and spends no bcrypt time of ours). Kept per replica:
 * a limit per replica still bounds a brute-force run.
 */
@Component
class LoginThrottle {

    private final int maxFailures;
    private final Duration window;
    private final Cache<String, Failures> failures;

    LoginThrottle(AuthProperties properties) {
        this.maxFailures = properties.throttle().maxFailures();
        this.window = properties.throttle().window();
        this.failures = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(window.multipliedBy(2)).recordStats().build();
    }

    private record Failures(int count, Instant firstAt, Instant blockedUntil) {
    }

    /** How long the caller must wait, when either the name or the address is throttled. */
    Optional<Duration> retryAfter(String username, String clientAddress) {
        Instant now = Instant.now();
        Duration wait = Duration.ZERO;
        for (String key : keys(username, clientAddress)) {
            Failures f = failures.getIfPresent(key);
            if (f != null && f.blockedUntil() != null && f.blockedUntil().isAfter(now)) {
                Duration left = Duration.between(now, f.blockedUntil());
                if (left.compareTo(wait) > 0) {
                    wait = left;
                }
            }
        }
        return wait.isZero() ? Optional.empty() : Optional.of(wait);
    }

    void recordFailure(String username, String clientAddress) {
        Instant now = Instant.now();
        for (String key : keys(username, clientAddress)) {
            failures.asMap().compute(key, (k, f) -> {
                if (f == null || f.firstAt().plus(window).isBefore(now)) {
                    f = new Failures(0, now, null);
                }
                int count = f.count() + 1;
                return new Failures(count, f.firstAt(), count >= maxFailures ? now.plus(window) : null);
            });
        }
    }

    void recordSuccess(String username) {
        failures.invalidate("user:" + username);
    }

    private static String[] keys(String username, String clientAddress) {
        return new String[] {"user:" + username, "addr:" + clientAddress};
    }
}
