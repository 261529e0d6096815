package io.cangku.api;

import io.cangku.auth.ChallengeException;
import io.cangku.oci.OciError;
import io.cangku.oci.PayloadTooLargeException;
import io.cangku.oci.RegistryException;
import io.cangku.oci.RetryLaterException;
import io.cangku.oci.StateConflictException;
import io.cangku.oci.UnsupportedAlgorithmException;
import io.cangku.oci.UploadRangeException;
import io.cangku.registry.QuotaExceededException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one map from errors to {@code /v2} responses (distribution's {@code registry/api/errcode}): which status
 * and headers an error gets, and the spec's envelope {@code {"errors":[{"code","message","detail"}]}}. Every
 * {@code /v2} error body is written here, whether it comes from an endpoint ({@link V2Controller}), the
 * security filter chain, the request firewall, the servlet error page or Tomcat's error report valve. The
 * status comes from the code ({@link OciError#httpStatus()}) unless a typed exception says more (a chunk out of
 * order is 416 with the upload's {@code Range}). A client's mistake is never a 500; a storage failure is a 503
 * the client may retry; anything unexpected is a 500 with one log line, and no stack trace ever reaches a
 * response. HEAD responses get the status and headers only.
 */
@Component
public class OciErrorWriter {

    public static final String API_VERSION_HEADER = "Docker-Distribution-API-Version";
    public static final String API_VERSION = "registry/2.0";

    private static final Logger log = LoggerFactory.getLogger(OciErrorWriter.class);

    private final JsonMapper json;

    public OciErrorWriter(JsonMapper json) {
        this.json = json;
    }

    /** Answers whatever a {@code /v2} request failed with. */
    public void write(HttpServletRequest request, HttpServletResponse response, Throwable failure) throws IOException {
        switch (failure) {
            case RegistryException e -> write(request, response, e);
            case Throwable t when causedByClient(t) -> {
                log.debug("{} {}: {}", request.getMethod(), request.getRequestURI(), t.getMessage());
                write(request, response, 400, OciError.BLOB_UPLOAD_INVALID,
                        "the request body ended before it was complete; nothing from this request was stored", null, Map.of());
            }
            case IOException e -> {
                log.warn("{} {}: storage failure: {}", request.getMethod(), request.getRequestURI(), e.toString());
                write(request, response, 503, OciError.UNAVAILABLE,
                        "the registry's storage failed to complete the request; retry later", null, Map.of("Retry-After", "5"));
            }
            default -> {
                log.error("{} {} failed", request.getMethod(), request.getRequestURI(), failure);
                write(request, response, 500, OciError.UNKNOWN, "internal error; the registry logged the details", null, Map.of());
            }
        }
    }

    /** The status and headers of a registry error, from its code and its typed facts. */
    public void write(HttpServletRequest request, HttpServletResponse response, RegistryException error) throws IOException {
        int status = error.error().httpStatus();
        Map<String, String> headers = new LinkedHashMap<>();
        switch (error) {
            case UploadRangeException e -> {
                status = 416;
                headers.put("Range", uploadRange(e.uploadedBytes()));
                headers.put("Docker-Upload-UUID", e.uploadId());
                // the refused request went to the session, so its own path is the session's Location
                headers.put("Location", request.getRequestURI());
            }
            case V2Exceptions.BodyTooSlow e -> {
                status = 408;
                if (e.uploadId() != null) {
                    headers.put("Range", uploadRange(e.uploadedBytes()));
                    headers.put("Docker-Upload-UUID", e.uploadId());
                    headers.put("Location", request.getRequestURI());
                }
                headers.put("Connection", "close");
            }
            case V2Exceptions.RangeNotSatisfiable e -> {
                status = 416;
                headers.put("Content-Range", "bytes */" + e.sizeBytes());
            }
            case V2Exceptions.MethodNotAllowed e -> headers.put("Allow", String.join(", ", e.allowed()));
            case V2Exceptions.UnknownEndpoint e -> status = 404;
            case PayloadTooLargeException e -> status = 413;
            case StateConflictException e -> status = 409;
            // a quota refusal is final until someone frees space: 403, which clients print and do not retry
            // (429 would have them retry in vain); see QuotaExceededException
            case QuotaExceededException e -> status = 403;
            case UnsupportedAlgorithmException e -> status = 400;
            case RetryLaterException e -> headers.put("Retry-After", Long.toString(Math.max(1, e.retryAfter().toSeconds())));
            case ChallengeException e when error.error() == OciError.DENIED -> {
                // A HEAD answer has no body, and for a bare 403 skopeo and podman print only "403 (Forbidden)":
                // as a 401 with error="insufficient_scope", containers/image and docker print error_description.
                if ("HEAD".equals(request.getMethod())) {
                    status = 401;
                    headers.put("WWW-Authenticate", e.wwwAuthenticate());
                }
            }
            case ChallengeException e -> headers.put("WWW-Authenticate", e.wwwAuthenticate());
            default -> {
            }
        }
        write(request, response, status, error.error(), error.getMessage(), error.detail(), headers);
    }

    /** An error whose status the container already chose (a request it refused to parse, say). */
    public void write(HttpServletRequest request, HttpServletResponse response, int status, OciError code, String message)
            throws IOException {
        write(request, response, status, code, message, null, Map.of());
    }

    private void write(HttpServletRequest request, HttpServletResponse response, int status, OciError code, String message,
                       Object detail, Map<String, String> headers) throws IOException {
        if (response.isCommitted()) {
            return; // a streamed body already started; the client sees a cut-off response
        }
        response.resetBuffer();
        response.setStatus(status);
        response.setHeader(API_VERSION_HEADER, API_VERSION);
        headers.forEach(response::setHeader);
        byte[] body = json.writeValueAsBytes(envelope(code, message, detail));
        response.setContentType("application/json");
        response.setContentLength(body.length);
        if (!"HEAD".equals(request.getMethod())) {
            response.getOutputStream().write(body);
        }
        response.flushBuffer();
    }

    /** The spec's error envelope, for the one place that cannot write a response itself (Boot's error page). */
    public static Map<String, Object> envelope(OciError code, String message, Object detail) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("code", code.name());
        entry.put("message", message == null ? code.defaultMessage() : message);
        entry.put("detail", detail == null ? Map.of() : detail);
        return Map.of("errors", List.of(entry));
    }

    /** The spec's {@code Range: 0-<last byte>} of an upload; {@code 0-0} before the first byte, as distribution answers. */
    static String uploadRange(long uploadedBytes) {
        return "0-" + Math.max(0, uploadedBytes - 1);
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
