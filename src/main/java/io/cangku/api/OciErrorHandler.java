package io.cangku.api;

import io.cangku.oci.OciError;
import io.cangku.oci.RegistryException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

import java.io.IOException;
import java.util.Map;

/**
 * Maps whatever a {@code /v2} endpoint throws to the spec's error response. A client's mistake is never a
 * 500; a storage failure is a 503 the client may retry; anything unexpected is a 500 with one log line, and
 * no stack trace ever reaches a response.
 */
@RestControllerAdvice(assignableTypes = V2Controller.class)
class OciErrorHandler {

    private static final Logger log = LoggerFactory.getLogger(OciErrorHandler.class);

    private final OciErrorWriter writer;

    OciErrorHandler(OciErrorWriter writer) {
        this.writer = writer;
    }

    @ExceptionHandler(RegistryException.class)
    void registryError(RegistryException e, HttpServletRequest request, HttpServletResponse response) throws IOException {
        writer.write(request, response, e);
    }

    @ExceptionHandler(ClientBodyException.class)
    void clientBody(ClientBodyException e, HttpServletRequest request, HttpServletResponse response) throws IOException {
        log.debug("{} {}: {}", request.getMethod(), request.getRequestURI(), e.getMessage());
        writer.write(request, response, 400, OciError.BLOB_UPLOAD_INVALID,
                "the request body ended before it was complete; nothing from this request was stored", null, Map.of());
    }

    @ExceptionHandler(IOException.class)
    void storageError(IOException e, HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (causedByClient(e)) {
            clientBody(new ClientBodyException(e), request, response);
            return;
        }
        log.warn("{} {}: storage failure: {}", request.getMethod(), request.getRequestURI(), e.toString());
        writer.write(request, response, 503, OciError.UNAVAILABLE,
                "the registry's storage failed to complete the request; retry later", null, Map.of("Retry-After", "5"));
    }

    @ExceptionHandler(Exception.class)
    void unexpected(Exception e, HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (causedByClient(e)) {
            clientBody(new ClientBodyException(new IOException(e)), request, response);
            return;
        }
        log.error("{} {} failed", request.getMethod(), request.getRequestURI(), e);
        writer.write(request, response, 500, OciError.UNKNOWN, "internal error; the registry logged the details", null, Map.of());
    }

    private static boolean causedByClient(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ClientBodyException) {
                return true;
            }
        }
        return false;
    }
}
