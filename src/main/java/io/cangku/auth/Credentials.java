package io.cangku.auth;

import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Service;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Checks a name and password. Takes the same time whether or not the account exists (an unknown name is
 * checked against a dummy hash), compares in constant time (bcrypt), throttles failures, and never logs
 * the password.
 */
@Service
public class Credentials {

    private final AccountDirectory directory;
    private final LoginThrottle throttle;
    private final AuditLog audit;
    /** The bcrypt cost of every hash the registry makes and accepts; one cost, so that every check takes as long. */
    static final int BCRYPT_STRENGTH = 10;

    private final PasswordEncoder encoder = new BCryptPasswordEncoder(BCRYPT_STRENGTH);
    private final String dummyHash = encoder.encode("cangku-dummy-password-for-constant-time-checks");

    Credentials(AccountDirectory directory, LoginThrottle throttle, AuditLog audit) {
        this.directory = directory;
        this.throttle = throttle;
        this.audit = audit;
    }

    /**
     * The account when the password is right and the account usable.
     *
     * @throws LoginThrottledException when this name or address failed too often recently
     */
    public Optional<Account> authenticate(String username, String password, String clientAddress) throws IOException {
        Optional<Duration> wait = throttle.retryAfter(username, clientAddress);
        if (wait.isPresent()) {
            audit.record(username, "login", null, clientAddress, "throttled");
            throw new LoginThrottledException(wait.get());
        }
        Optional<Account> account = directory.findAccount(username);
        String hash = account.map(Account::passwordHash).orElse(dummyHash);
        boolean matches = password != null && encoder.matches(password, hash);
        if (matches && account.isPresent() && !account.get().isExpired(Instant.now())) {
            throttle.recordSuccess(username);
            audit.record(username, "login", null, clientAddress, "ok");
            return account;
        }
        throttle.recordFailure(username, clientAddress);
        audit.record(username, "login", null, clientAddress, "denied");
        return Optional.empty();
    }

    public String hash(String password) {
        return encoder.encode(password);
    }

    public boolean matches(String password, String hash) {
        return encoder.matches(password, hash);
    }
}
