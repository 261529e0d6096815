package io.cangku.console.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.ContentCachingResponseWrapper;

import java.io.IOException;

/**
 * Reports how long the server spent on a console page in a {@code Server-Timing} header (browsers show it in
 * their network panel; the browser tests read it) and at DEBUG in the log. The page is held until it is
 * complete so that the header can follow it: console pages are a few KiB of HTML, never a blob (the chain
 * does not cover {@code /v2}).
 */
class ServerTimingFilter extends OncePerRequestFilter {

    private static final Logger log = LoggerFactory.getLogger(ServerTimingFilter.class);

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String path = request.getRequestURI();
        if (path.startsWith("/webjars/") || path.startsWith("/css/") || path.startsWith("/js/")) {
            chain.doFilter(request, response);
            return;
        }
        long start = System.nanoTime();
        ContentCachingResponseWrapper wrapper = new ContentCachingResponseWrapper(response);
        try {
            chain.doFilter(request, wrapper);
        } finally {
            double millis = (System.nanoTime() - start) / 1_000_000.0;
            if (!response.isCommitted()) {
                response.setHeader("Server-Timing", String.format(java.util.Locale.ROOT, "app;dur=%.1f", millis));
            }
            log.debug("console {} {} {} in {} ms", request.getMethod(), path, wrapper.getStatus(), Math.round(millis));
            wrapper.copyBodyToResponse();
        }
    }
}
