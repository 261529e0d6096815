package io.cangku.auth;

import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.authority.AuthorityUtils;

/** A request authenticated by a registry access token; the token says what it may do. */
public class RegistryTokenAuthentication extends AbstractAuthenticationToken {

    private final TokenService.VerifiedToken token;

    RegistryTokenAuthentication(TokenService.VerifiedToken token) {
        super(AuthorityUtils.NO_AUTHORITIES);
        this.token = token;
        setAuthenticated(true);
    }

    public TokenService.VerifiedToken token() {
        return token;
    }

    @Override
    public Object getCredentials() {
        return "";
    }

    @Override
    public Object getPrincipal() {
        return token.subject() == null ? "anonymous" : token.subject();
    }
}
