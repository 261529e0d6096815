package io.cangku.ops;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;

/**
 * Answers 503 to every request but the probes until the registry is ready. Tomcat accepts connections before
 * the {@code ApplicationReadyEvent} listeners ran, and one of them sets up the first administrator and the
 * token signing key (about a second on S3): without this gate a correct password was refused in that window.
 * Spring Boot turns readiness to ACCEPTING_TRAFFIC only after those listeners returned, and back to
 * REFUSING_TRAFFIC when the registry shuts down.
 */
final class ReadinessGate extends OncePerRequestFilter {

    private final ApplicationAvailability availability;

    ReadinessGate(ApplicationAvailability availability) {
        this.availability = availability;
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
        // Plain text rather than the /v2 error envelope: this package does not speak the registry protocol,
        // and every client treats a 503 with Retry-After the same way.
        response.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
        response.setHeader("Retry-After", "1");
        response.setContentType("text/plain;charset=UTF-8");
        response.getWriter().write("the registry is not ready yet (starting or stopping); retry shortly\n");
    }
}
