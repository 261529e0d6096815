package io.cangku.api;

import io.cangku.oci.OciError;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;

/**
 * Answers a {@code /v2} request whose path the servlet container normalised out of {@code /v2} (an encoded
 * {@code %2e%2e} segment, say) with NAME_INVALID, instead of letting it reach whatever the normalised path
 * names.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class RawPathGuard extends OncePerRequestFilter {

    private final OciErrorWriter errors;

    RawPathGuard(OciErrorWriter errors) {
        this.errors = errors;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String raw = request.getRequestURI().substring(request.getContextPath().length());
        String normalised = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
        if (raw.startsWith("/v2/") && !normalised.startsWith("/v2")) {
            errors.write(request, response, 400, OciError.NAME_INVALID,
                    "the path contains dot segments or encoded separators, which repository names cannot contain");
            return;
        }
        chain.doFilter(request, response);
    }
}
