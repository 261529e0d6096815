package io.cangku.console;

import io.cangku.auth.Account;
import io.cangku.auth.AccountDirectory;
import io.cangku.auth.AuditLog;
import io.cangku.auth.Credentials;

import org.springframework.stereotype.Service;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

/**
 * Creates robot accounts for CI, for the admin API and the console alike: a random secret returned once,
 * only its hash kept.
 */
@Service
public class RobotAccounts {

    public static final Duration DEFAULT_LIFETIME = Duration.ofDays(90);
    public static final Duration MAX_LIFETIME = Duration.ofDays(3650);

    private final AccountDirectory directory;
    private final Credentials credentials;
    private final AuditLog audit;
    private final SecureRandom random = new SecureRandom();

    RobotAccounts(AccountDirectory directory, Credentials credentials, AuditLog audit) {
        this.directory = directory;
        this.credentials = credentials;
        this.audit = audit;
    }

    /** A robot just made: the secret is here and nowhere else. */
    public record Created(String name, String secret, Instant expiresAt) {
        @Override
        public String toString() { // Spring MVC logs response bodies at DEBUG/TRACE
            return "Created[name=" + name + ", secret=<hidden>, expiresAt=" + expiresAt + "]";
        }
    }

    /** Thrown for a name in use or a lifetime out of bounds, with a message for the user. */
    public static class Refused extends RuntimeException {
        public final boolean conflict;

        Refused(String message, boolean conflict) {
            super(message);
            this.conflict = conflict;
        }
    }

    public Created create(String name, List<String> groups, Duration lifetime, String actor, String clientAddress)
            throws IOException {
        if (directory.findAccount(name).isPresent()) {
            throw new Refused("account " + name + " already exists", true);
        }
        Duration life = lifetime == null ? DEFAULT_LIFETIME : lifetime;
        if (life.isNegative() || life.isZero() || life.compareTo(MAX_LIFETIME) > 0) {
            throw new Refused("expiresIn must be between 1 second and 10 years", false);
        }
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        Instant now = Instant.now();
        Account robot = new Account(name, credentials.hash(secret), groups, false, true, now.plus(life), now, now, false);
        directory.saveAccount(robot);
        audit.record(actor, "create-robot", name, clientAddress, "ok");
        return new Created(robot.name(), secret, robot.expiresAt());
    }
}
