package io.cangku.auth;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
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
 * @param tokenTtl        lifetime of access tokens; a token living longer ({@code exp - iat}) is refused
 * @param refreshTokenTtl lifetime of refresh tokens (what {@code docker login} keeps); likewise the most accepted
 * @param maxScopesPerRequest  scopes one token request may ask for (more is 400): bounds the work of one request
 * @param maxTokenRequestSize  largest token request body (more is 413)
 * @param loginAuditInterval   a successful sign-in of one name from one address is audited once per interval
 *                             (clients such as podman send the password with every token request); {@code 0s}
 *                             audits every one. Failures are always audited
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
                             @DefaultValue("32") @Min(1) @Max(10_000) int maxScopesPerRequest,
                             @DefaultValue("64KB") DataSize maxTokenRequestSize,
                             @DefaultValue("1h") Duration loginAuditInterval,
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
     * Failed-login throttling; see {@link LoginThrottle} for the scheme.
     *
     * @param maxFailures           failures of one name from one address within {@code window}; then that name is
     *                              refused from that address (even with the right password) until the window passed
     * @param maxFailuresPerAddress failures from one address, any names (password spraying); then that address is refused
     * @param maxFailuresPerName    failures of one name, any addresses; then each address gets one guess per window for
     *                              that name, but the right password still signs in
     * @param window                the window failures are counted in, and how long a block lasts
     */
    public record Throttle(@DefaultValue("5") @Min(1) int maxFailures,
                           @DefaultValue("20") @Min(1) int maxFailuresPerAddress,
                           @DefaultValue("20") @Min(1) int maxFailuresPerName,
                           @DefaultValue("1m") Duration window) {
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
