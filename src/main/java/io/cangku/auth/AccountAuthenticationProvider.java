package io.cangku.auth;

import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.web.authentication.WebAuthenticationDetails;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Optional;

/**
 * HTTP basic sign-in for the admin API, through the same {@link Credentials} check (constant time,
 * throttled, audited) as the token endpoint. Administrators get {@code ROLE_ADMIN}.
 */
@Component
public class AccountAuthenticationProvider implements AuthenticationProvider {

    private final Credentials credentials;

    AccountAuthenticationProvider(Credentials credentials) {
        this.credentials = credentials;
    }

    /** Sign-in refused because of too many failures: answer 429 with Retry-After. */
    public static class ThrottledException extends AuthenticationException {
        private final Duration retryAfter;

        ThrottledException(LoginThrottledException cause) {
            super(cause.getMessage(), cause);
            this.retryAfter = cause.retryAfter();
        }

        public Duration retryAfter() {
            return retryAfter;
        }
    }

    @Override
    public Authentication authenticate(Authentication authentication) throws AuthenticationException {
        String address = authentication.getDetails() instanceof WebAuthenticationDetails details ? details.getRemoteAddress() : "unknown";
        Optional<Account> account;
        try {
            account = credentials.authenticate(authentication.getName(), String.valueOf(authentication.getCredentials()), address);
        } catch (LoginThrottledException e) {
            throw new ThrottledException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (account.isEmpty()) {
            throw new BadCredentialsException("incorrect username or password");
        }
        return UsernamePasswordAuthenticationToken.authenticated(account.get().name(), null,
                AuthorityUtils.createAuthorityList(account.get().admin() ? "ROLE_ADMIN" : "ROLE_USER"));
    }

    @Override
    public boolean supports(Class<?> authentication) {
        return UsernamePasswordAuthenticationToken.class.isAssignableFrom(authentication);
    }
}
