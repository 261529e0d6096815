package io.cangku.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * Counts failed logins, so that guessing is slow while nobody can lock out someone else. Three counters, each
 * over a fixed window ({@code registry.auth.throttle.window}):
 *
 * <ul>
 *   <li><b>name and address</b> ({@code max-failures}, 5): then that name is refused from that address, without
 *       checking the password (a guesser learns nothing and costs no bcrypt time), until the window has passed.
 *       This is what stops a brute-force run from one address; a refused attempt does not count again.</li>
 *   <li><b>address</b> ({@code max-failures-per-address}, 20): then every name is refused from that address
 *       (password spraying: few guesses for many names). Because blocked attempts are not counted, one
 *       misconfigured client behind a shared address (a NAT, a CI runner) adds at most {@code max-failures}
 *       per window: it takes {@code max-failures-per-address / max-failures} failing names there to block the
 *       address, and until then everyone else there signs in.</li>
 *   <li><b>name</b>, from any address ({@code max-failures-per-name}, 20): a name under attack from many
 *       addresses. This block never refuses the right password (else any stranger could lock out a user,
 *       administrators included); instead a wrong one answers 429, and each failure then blocks its own
 *       address for that name at once, so every address gets one guess per window. The bcrypt cost bounds
 *       what is left.</li>
 * </ul>
 *
 * A successful sign-in clears its own name-and-address counter only, so one valid account cannot reset a
 * spraying run. Counters are kept per replica (a limit per replica still bounds guessing) in a bounded
 * cache; names are compared case-insensitively, as accounts are unique that way.
 */
@Component
class LoginThrottle {

    /** Longest name kept as a key: longer ones are not account names, and must not grow the cache's memory. */
    private static final int MAX_KEY_NAME = 128;

    private final int maxPerNameAndAddress;
    private final int maxPerAddress;
    private final int maxPerName;
    private final Duration window;
    private final Clock clock;
    private final Cache<String, Failures> failures;

    @Autowired
    LoginThrottle(AuthProperties properties) {
        this(properties.throttle(), Clock.systemUTC());
    }

    LoginThrottle(AuthProperties.Throttle throttle, Clock clock) {
        this.maxPerNameAndAddress = throttle.maxFailures();
        this.maxPerAddress = throttle.maxFailuresPerAddress();
        this.maxPerName = throttle.maxFailuresPerName();
        this.window = throttle.window();
        this.clock = clock;
        this.failures = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(window.multipliedBy(2)).recordStats().build();
    }

    private record Failures(int count, Instant firstAt, Instant blockedUntil) {

        boolean blockedAt(Instant now) {
            return blockedUntil != null && blockedUntil.isAfter(now);
        }
    }

    /**
     * How long the caller must wait before its password is even checked: when this name is blocked from this
     * address, or this address is blocked. Empty when the password is to be checked.
     */
    Optional<Duration> retryAfter(String username, String clientAddress) {
        Instant now = clock.instant();
        Duration wait = Duration.ZERO;
        for (String key : new String[] {nameAndAddressKey(username, clientAddress), addressKey(clientAddress)}) {
            Failures f = failures.getIfPresent(key);
            if (f != null && f.blockedAt(now)) {
                Duration left = Duration.between(now, f.blockedUntil());
                wait = left.compareTo(wait) > 0 ? left : wait;
            }
        }
        return wait.isZero() ? Optional.empty() : Optional.of(wait);
    }

    /**
     * Counts a wrong password. Returns how long to wait when the name is under attack from many addresses (the
     * failure is then answered 429 rather than 401), else empty.
     */
    Optional<Duration> recordFailure(String username, String clientAddress) {
        Instant now = clock.instant();
        Failures name = count(nameKey(username), maxPerName, now, false);
        boolean underAttack = name.blockedAt(now);
        // under attack, one failure blocks this address for this name: one guess per address per window
        count(nameAndAddressKey(username, clientAddress), maxPerNameAndAddress, now, underAttack);
        count(addressKey(clientAddress), maxPerAddress, now, false);
        return underAttack ? Optional.of(Duration.between(now, name.blockedUntil())) : Optional.empty();
    }

    void recordSuccess(String username, String clientAddress) {
        failures.invalidate(nameAndAddressKey(username, clientAddress));
    }

    private Failures count(String key, int max, Instant now, boolean blockNow) {
        return failures.asMap().compute(key, (k, f) -> {
            if (f == null || !f.firstAt().plus(window).isAfter(now)) {
                f = new Failures(0, now, null);
            }
            int count = f.count() + 1;
            Instant blockedUntil = f.blockedUntil();
            if (blockedUntil == null && (count >= max || blockNow)) {
                blockedUntil = now.plus(window);
            }
            return new Failures(count, f.firstAt(), blockedUntil);
        });
    }

    private static String nameKey(String username) {
        return "name:" + normalize(username);
    }

    private static String addressKey(String clientAddress) {
        return "addr:" + clientAddress;
    }

    private static String nameAndAddressKey(String username, String clientAddress) {
        return "name+addr:" + clientAddress + " " + normalize(username);
    }

    private static String normalize(String username) {
        String name = username == null ? "" : username.toLowerCase(Locale.ROOT);
        return name.length() > MAX_KEY_NAME ? name.substring(0, MAX_KEY_NAME) : name;
    }
}
