package io.cangku.auth;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;

/**
 * Reads {@code Authorization: Bearer <token>} on {@code /v2} requests and, when the token verifies, puts it
 * in the security context. It refuses nothing itself: the endpoint's access check decides, so that the 401
 * challenge names the scope the request needed. An invalid token is remembered, for the challenge's
 * {@code error="invalid_token"}.
 */
public class RegistryTokenFilter extends OncePerRequestFilter {

    static final String INVALID_TOKEN = RegistryTokenFilter.class.getName() + ".invalid";

    private final TokenService tokens;

    public RegistryTokenFilter(TokenService tokens) {
        this.tokens = tokens;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader("Authorization");
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String token = header.substring(7).trim();
            tokens.verifyAccessToken(token).ifPresentOrElse(
                    verified -> SecurityContextHolder.getContext().setAuthentication(new RegistryTokenAuthentication(verified)),
                    () -> request.setAttribute(INVALID_TOKEN, Boolean.TRUE));
        }
        chain.doFilter(request, response);
    }
}
