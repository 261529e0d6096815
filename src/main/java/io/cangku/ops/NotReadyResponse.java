package io.cangku.ops;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/**
 * How one protocol answers a request that arrives before the registry is ready, or while it stops: the
 * readiness gate asks each of these beans and falls back to plain text. This package does not speak the
 * registry protocol, so the {@code /v2} answer (the spec's error envelope) is contributed from outside.
 */
@FunctionalInterface
public interface NotReadyResponse {

    /**
     * Writes a 503 carrying {@code Retry-After: retryAfterSeconds} for {@code request} and returns true, or
     * returns false without writing when the request is not this protocol's.
     */
    boolean write(HttpServletRequest request, HttpServletResponse response, int retryAfterSeconds) throws IOException;
}
