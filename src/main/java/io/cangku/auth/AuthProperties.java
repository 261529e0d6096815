package io.cangku.auth;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;
import java.util.List;

/**
 * {@code registry.auth.*}: Docker token authentication and who may do what.
 *
 * @param mode            {@code token} (the default): Docker token authentication; {@code none}: an open
 *                        registry where anyone may push, pull and delete
 * @param service         the service name tokens are issued for (their {@code aud}), as clients send it back
 * @param issuer          the tokens' {@code iss}
 * @param tokenTtl        lifetime of access tokens
 * @param refreshTokenTtl lifetime of refresh tokens (what {@code docker login} keeps)
 * @param admin           the first administrator
 * @param token           signing and verification keys
 * @param throttle        failed-login throttling
 * @param users           users declared in configuration (read-only through the API)
 * @param rules           access rules declared in configuration (read-only through the API)
 */
@Validated
@ConfigurationProperties("registry.auth")
public record AuthProperties(@DefaultValue("token") String mode,
                             @DefaultValue("cangku") String service,
                             @DefaultValue("cangku") String issuer,
                             @DefaultValue("5m") Duration tokenTtl,
                             @DefaultValue("30d") Duration refreshTokenTtl,
                             @DefaultValue Admin admin,
                             @DefaultValue Token token,
                             @DefaultValue Throttle throttle,
                             @DefaultValue List<DeclaredUser> users,
                             @DefaultValue List<DeclaredRule> rules) {

    public boolean enabled() {
        return !"none".equalsIgnoreCase(mode);
    }

    /**
     * @param username the administrator's name
     * @param password when empty, one is generated at first start, logged once and kept (hashed) in storage
     */
    public record Admin(@DefaultValue("admin") String username, String password) {
        @Override
        public String toString() {
            return "Admin[username=" + username + ", password=" + (password == null ? "<generated>" : "<hidden>") + "]";
        }
    }

    /**
     * @param signingKey       PEM private key (EC P-256 → ES256, RSA → RS256) to sign tokens with; when empty
     *                         a key is generated at first start and kept in storage, shared by every replica
     * @param verificationKeys further PEM public keys whose tokens are accepted (key rotation)
     */
    public record Token(String signingKey, @DefaultValue List<String> verificationKeys) {
        @Override
        public String toString() {
            return "Token[signingKey=" + (signingKey == null ? "<generated>" : "<hidden>") + ", verificationKeys="
                    + verificationKeys.size() + "]";
        }
    }

    /**
     * @param maxFailures failed logins allowed per user name and per client address within {@code window}
     * @param window      the window failures are counted in, and how long a throttled login waits
     */
    public record Throttle(@DefaultValue("5") int maxFailures, @DefaultValue("1m") Duration window) {
    }

    /**
     * @param name         user name
     * @param passwordHash bcrypt hash of cost 10, the registry's own ({@code htpasswd -nbBC 10 name password} prints
     *                     {@code name:<hash>}); another cost is refused at start
     * @param groups       groups the user belongs to
     * @param admin        whether the user is an administrator
     */
    public record DeclaredUser(String name, String passwordHash, @DefaultValue List<String> groups,
                               @DefaultValue("false") boolean admin) {
        @Override
        public String toString() {
            return "DeclaredUser[name=" + name + ", groups=" + groups + ", admin=" + admin + "]";
        }
    }

    /**
     * @param repositories glob of repository names ({@code team-a/**}, {@code public/*})
     * @param users        user names the rule applies to
     * @param groups       groups the rule applies to
     * @param anonymous    whether it applies to everyone, signed in or not
     * @param actions      {@code pull}, {@code push}, {@code delete}
     */
    public record DeclaredRule(String repositories, @DefaultValue List<String> users, @DefaultValue List<String> groups,
                               @DefaultValue("false") boolean anonymous, @DefaultValue("pull") List<String> actions) {
    }
}
