package io.cangku.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Service;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Checks a name and password. Takes the same time whether or not the account exists (an unknown name is
 * checked against a dummy hash), compares in constant time (bcrypt), throttles failures (see
 * {@link LoginThrottle}), and never logs the password.
 *
 * <p>Passwords are 8 characters to 72 bytes (UTF-8). 72 bytes is bcrypt's own limit: it ignores what follows,
 * so a longer password would sign in with any tail. Rather than pre-hash long passwords (a second hash format
 * next to the bcrypt hashes that {@code htpasswd} writes for declared users, and a plain SHA-256 of a password
 * that could be "shucked" against leaks elsewhere), longer ones are refused when set and never match at login.
 * 72 bytes hold a twelve-word passphrase; robot secrets are 43.
 *
 * <p>Audit: every failure and every throttled attempt is recorded (the throttle bounds how many there can be;
 * a throttled name and address once per window), and a successful sign-in once per name and address per
 * {@code registry.auth.login-audit-interval}, because clients such as podman and skopeo send the password with
 * every token request and a log of those hides what matters.
 */
@Service
public class Credentials {

    public static final int MIN_PASSWORD_CHARS = 8;
    public static final int MAX_PASSWORD_BYTES = 72;

    private final AccountDirectory directory;
    private final LoginThrottle throttle;
    private final AuditLog audit;
    /** Name and address of sign-ins audited within the last login-audit-interval, so a repeat is not. */
    private final Cache<String, Boolean> recentSignIns;
    /** Name and address of throttled attempts audited within the last throttle window. */
    private final Cache<String, Boolean> recentThrottled;
    /** The bcrypt cost of every hash the registry makes and accepts; one cost, so that every check takes as long. */
    static final int BCRYPT_STRENGTH = 10;

    private final PasswordEncoder encoder = new BCryptPasswordEncoder(BCRYPT_STRENGTH);
    private final String dummyHash = encoder.encode("cangku-dummy-password-for-constant-time-checks");

    Credentials(AccountDirectory directory, LoginThrottle throttle, AuditLog audit, AuthProperties properties) {
        this.directory = directory;
        this.throttle = throttle;
        this.audit = audit;
        Duration interval = properties.loginAuditInterval();
        // a zero interval audits every sign-in: no cache, so nothing is ever "recent"
        this.recentSignIns = interval.isNegative() || interval.isZero() ? null
                : Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(interval).recordStats().build();
        this.recentThrottled = Caffeine.newBuilder().maximumSize(100_000)
                .expireAfterWrite(properties.throttle().window()).recordStats().build();
    }

    /**
     * The account when the password is right and the account usable.
     *
     * @throws LoginThrottledException when this name or address failed too often recently
     */
    public Optional<Account> authenticate(String username, String password, String clientAddress) throws IOException {
        String shown = shown(username);
        Optional<Duration> wait = throttle.retryAfter(username, clientAddress);
        if (wait.isPresent()) {
            if (firstTime(recentThrottled, clientAddress + " " + shown)) {
                audit.record(shown, "login", null, clientAddress, "throttled");
            }
            throw new LoginThrottledException(wait.get());
        }
        Optional<Account> account = directory.findAccount(username);
        String hash = account.map(Account::passwordHash).orElse(dummyHash);
        // a password bcrypt cannot check in full is wrong, but costs the same check as any other
        boolean checkable = password != null && password.getBytes(StandardCharsets.UTF_8).length <= MAX_PASSWORD_BYTES;
        boolean matches = encoder.matches(checkable ? password : "", hash) && checkable;
        if (matches && account.isPresent() && !account.get().isExpired(Instant.now())) {
            throttle.recordSuccess(username, clientAddress);
            if (firstTime(recentSignIns, clientAddress + " " + account.get().name())) {
                audit.record(account.get().name(), "login", null, clientAddress, "ok");
            }
            return account;
        }
        Optional<Duration> underAttack = throttle.recordFailure(username, clientAddress);
        audit.record(shown, "login", null, clientAddress, "denied");
        if (underAttack.isPresent()) {
            throw new LoginThrottledException(underAttack.get());
        }
        return Optional.empty();
    }

    /**
     * A name as the audit log and its dedupe keys hold it: a client can send a name of kilobytes, which must
     * grow neither the caches nor an event past what the log reads back. No account name is longer.
     */
    private static String shown(String username) {
        if (username == null) {
            return "";
        }
        return username.length() > 128 ? username.substring(0, 128) + "…" : username;
    }

    private static boolean firstTime(Cache<String, Boolean> recent, String key) {
        return recent == null || recent.asMap().putIfAbsent(key, Boolean.TRUE) == null;
    }

    /**
     * Why {@code password} cannot be set, or empty when it can. The message never shows the password, so it
     * may be logged and answered.
     */
    public static Optional<String> problemWith(String password) {
        if (password == null || password.codePointCount(0, password.length()) < MIN_PASSWORD_CHARS) {
            return Optional.of("a password needs at least " + MIN_PASSWORD_CHARS + " characters");
        }
        int bytes = password.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_PASSWORD_BYTES) {
            return Optional.of("a password may have at most " + MAX_PASSWORD_BYTES + " bytes (UTF-8), bcrypt's limit; this one has "
                    + bytes);
        }
        return Optional.empty();
    }

    public String hash(String password) {
        problemWith(password).ifPresent(problem -> {
            throw new IllegalArgumentException(problem);
        });
        return encoder.encode(password);
    }

    public boolean matches(String password, String hash) {
        return password != null && password.getBytes(StandardCharsets.UTF_8).length <= MAX_PASSWORD_BYTES
                && encoder.matches(password, hash);
    }
}
