package io.cangku.api;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.stereotype.Component;

import java.io.IOException;

/** {@code GET /v2/}: tells clients this is a registry speaking distribution API v2. */
@Component
class BaseEndpoint {

    private static final byte[] EMPTY_OBJECT = "{}".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    void check(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setStatus(200);
        response.setContentType("application/json");
        response.setContentLength(EMPTY_OBJECT.length);
        if (!"HEAD".equals(request.getMethod())) {
            response.getOutputStream().write(EMPTY_OBJECT);
        }
    }
}
