package io.cangku.auth;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Makes sure the first administrator exists when token auth is on. A configured password is applied (its
 * hash stored) when it changed; without one, a random password is generated once, printed once in the log,
 * and only its hash is kept.
 */
@Component
class AdminBootstrap {

    private static final Logger log = LoggerFactory.getLogger(AdminBootstrap.class);
    private static final String ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

    private final AuthProperties properties;
    private final AccountDirectory directory;
    private final Credentials credentials;
    private final TokenKeys keys;

    AdminBootstrap(AuthProperties properties, AccountDirectory directory, Credentials credentials, TokenKeys keys) {
        this.properties = properties;
        this.directory = directory;
        this.credentials = credentials;
        this.keys = keys;
    }

    @EventListener(ApplicationReadyEvent.class)
    void ensureAdministrator() throws IOException {
        if (!properties.enabled()) {
            return;
        }
        keys.signingKey(); // load or create the signing key now rather than on the first login
        String username = properties.admin().username();
        String configured = properties.admin().password();
        Optional<Account> existing = directory.findAccount(username);
        if (existing.isPresent() && existing.get().declared()) {
            return; // declared in registry.auth.users: configuration owns it
        }
        Instant now = Instant.now();
        if (configured != null && !configured.isEmpty()) {
            Credentials.problemWith(configured).ifPresent(problem -> {
                throw new IllegalStateException("registry.auth.admin.password: " + problem);
            });
            if (existing.isEmpty() || !credentials.matches(configured, existing.get().passwordHash()) || !existing.get().admin()) {
                directory.saveAccount(new Account(username, credentials.hash(configured), existing.map(Account::groups).orElse(List.of()),
                        true, false, null, existing.map(Account::createdAt).orElse(now), now, false));
                log.info("administrator '{}' set from registry.auth.admin.password", username);
            }
            return;
        }
        if (existing.isEmpty()) {
            String password = randomPassword();
            directory.saveAccount(new Account(username, credentials.hash(password), List.of(), true, false, null, now, now, false));
            // Printed this once only; the registry keeps just the hash.
            log.warn("""

                    ==================================================================
                    Generated administrator password (shown once, keep it safe):
                      username: {}
                      password: {}
                    Set registry.auth.admin.password (REGISTRY_AUTH_ADMIN_PASSWORD) to choose one.
                    ==================================================================""", username, password);
        }
    }

    private static String randomPassword() {
        SecureRandom random = new SecureRandom();
        StringBuilder sb = new StringBuilder(24);
        for (int i = 0; i < 24; i++) {
            sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }
}
