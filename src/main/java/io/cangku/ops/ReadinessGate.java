package io.cangku.ops;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;
import java.util.List;

/**
 * Answers 503 to every request but the probes until the registry is ready. Tomcat accepts connections before
 * the {@code ApplicationReadyEvent} listeners ran, and one of them sets up the first administrator and the
 * token signing key (about a second on S3): without this gate a correct password was refused in that window.
 * Spring Boot turns readiness to ACCEPTING_TRAFFIC only after those listeners returned, and back to
 * REFUSING_TRAFFIC when the registry shuts down. Each protocol may answer in its own terms (the {@code /v2}
 * error envelope, see {@link NotReadyResponse}); anything else gets plain text.
 */
final class ReadinessGate extends OncePerRequestFilter {

    static final int RETRY_AFTER_SECONDS = 1;

    private final ApplicationAvailability availability;
    private final List<NotReadyResponse> protocols;

    ReadinessGate(ApplicationAvailability availability, List<NotReadyResponse> protocols) {
        this.availability = availability;
        this.protocols = List.copyOf(protocols);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String path = request.getRequestURI();
        if (availability.getReadinessState() == ReadinessState.ACCEPTING_TRAFFIC
                || path.equals("/livez") || path.equals("/readyz")) {
            chain.doFilter(request, response);
            return;
        }
        for (NotReadyResponse protocol : protocols) {
            if (protocol.write(request, response, RETRY_AFTER_SECONDS)) {
                return;
            }
        }
        response.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
        response.setHeader("Retry-After", Integer.toString(RETRY_AFTER_SECONDS));
        response.setContentType("text/plain;charset=UTF-8");
        response.getWriter().write("the registry is not ready yet (starting or stopping); retry shortly\n");
    }
}
