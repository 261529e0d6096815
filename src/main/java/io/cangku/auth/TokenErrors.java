package io.cangku.auth;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one map from errors to responses of the token endpoint ({@code /token}): the registry's error envelope
 * {@code {"errors":[{"code","message","detail"}]}}, which docker and podman print as "code: message", with the
 * OAuth 2 codes ({@code invalid_request}, {@code unsupported_grant_type}, {@code invalid_scope}) where RFC 6749
 * names one. Whatever the endpoint throws ends here too, as one log line and never a stack trace in the
 * answer; requests Tomcat refuses on {@code /token} are written by {@link #write}.
 */
@RestControllerAdvice(assignableTypes = TokenEndpoint.class)
public class TokenErrors {

    private static final Logger log = LoggerFactory.getLogger(TokenErrors.class);

    private final JsonMapper json;

    public TokenErrors(JsonMapper json) {
        this.json = json;
    }

    /** An error answer of the token endpoint; {@code headers} may be empty. */
    static ResponseEntity<Map<String, Object>> response(HttpStatus status, String code, String message,
                                                        Map<String, String> headers) {
        ResponseEntity.BodyBuilder builder = ResponseEntity.status(status).header("Cache-Control", "no-store");
        headers.forEach(builder::header);
        return builder.body(envelope(code, message));
    }

    public static Map<String, Object> envelope(String code, String message) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("code", code);
        entry.put("message", message);
        entry.put("detail", Map.of());
        return Map.of("errors", List.of(entry));
    }

    /** For requests no controller saw (refused by Tomcat itself). */
    public void write(HttpServletRequest request, HttpServletResponse response, int status, String code, String message)
            throws IOException {
        if (response.isCommitted()) {
            return;
        }
        response.resetBuffer();
        response.setStatus(status);
        response.setHeader("Cache-Control", "no-store");
        byte[] body = json.writeValueAsBytes(envelope(code, message));
        response.setContentType("application/json");
        response.setContentLength(body.length);
        if (!"HEAD".equals(request.getMethod())) {
            response.getOutputStream().write(body);
        }
        response.flushBuffer();
    }

    @ExceptionHandler(IOException.class)
    ResponseEntity<Map<String, Object>> storageError(IOException e, HttpServletRequest request) {
        log.warn("{} /token: storage failure: {}", request.getMethod(), e.toString());
        return response(HttpStatus.SERVICE_UNAVAILABLE, "UNAVAILABLE", "the registry's storage failed; retry later",
                Map.of("Retry-After", "5"));
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<Map<String, Object>> unexpected(Exception e, HttpServletRequest request) {
        log.error("{} /token failed: {}", request.getMethod(), e.toString());
        return response(HttpStatus.INTERNAL_SERVER_ERROR, "UNKNOWN", "internal error; the registry logged the details", Map.of());
    }
}
