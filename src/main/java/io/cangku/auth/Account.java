package io.cangku.auth;

import com.fasterxml.jackson.annotation.JsonIgnore;

import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A user or robot account. The password is only ever held as a bcrypt hash. {@code credentialsChangedAt}
 * records the last password change (refresh tokens are bound to the password hash itself, see
 * {@link TokenService#issueRefreshToken(Account)}).
 *
 * @param declared true for accounts from configuration, which the API cannot change
 */
public record Account(String name, String passwordHash, List<String> groups, boolean admin, boolean robot,
                      Instant expiresAt, Instant createdAt, Instant credentialsChangedAt, boolean declared) {

    /** Any name an account may have, including mixed-case ones stored before names had to be lowercase. */
    public static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9._@-]{0,127}");
    /**
     * The name of a new account or of a group: lowercase, so that look-alikes ({@code Admin} beside
     * {@code admin}) cannot be made, and a user's own namespace ({@code <name>/**}) is a valid repository path.
     */
    public static final Pattern NEW_NAME = Pattern.compile("[a-z0-9][a-z0-9._@-]{0,127}");
    public static final String NEW_NAME_RULE = "1-128 characters of lowercase letters, digits and . _ @ -, starting with a letter or digit";

    public Account {
        groups = groups == null ? List.of() : List.copyOf(groups);
    }

    @JsonIgnore
    public boolean isExpired(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }

    @Override
    public String toString() {
        return "Account[name=" + name + ", groups=" + groups + ", admin=" + admin + ", robot=" + robot + "]";
    }
}
