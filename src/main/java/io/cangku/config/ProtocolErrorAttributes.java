package io.cangku.config;

import io.cangku.api.OciErrorWriter;
import io.cangku.auth.TokenErrors;
import io.cangku.console.AdminApiProblems;
import io.cangku.oci.OciError;
import jakarta.servlet.RequestDispatcher;
import org.springframework.boot.web.error.ErrorAttributeOptions;
import org.springframework.boot.webmvc.error.DefaultErrorAttributes;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;

import java.util.Map;

/**
 * The body of Spring Boot's error page, in the format of the protocol the failed request spoke. Some errors
 * never reach a controller's error mapper: when reading a request body fails (the client sent fewer bytes than
 * it declared, or broke the chunked encoding), Tomcat itself calls {@code sendError(400)}, which discards what
 * the mapper wrote and forwards to {@code /error}; Spring Security's refusals and unknown {@code /api} paths
 * land here too. {@code /v2} gets the OCI envelope, {@code /token} its own, {@code /api} problem details; the
 * console keeps Boot's page.
 */
@Component
class ProtocolErrorAttributes extends DefaultErrorAttributes {

    @Override
    public Map<String, Object> getErrorAttributes(WebRequest webRequest, ErrorAttributeOptions options) {
        Object uri = webRequest.getAttribute(RequestDispatcher.ERROR_REQUEST_URI, RequestAttributes.SCOPE_REQUEST);
        String path = uri instanceof String text ? text : null;
        Object statusAttribute = webRequest.getAttribute(RequestDispatcher.ERROR_STATUS_CODE, RequestAttributes.SCOPE_REQUEST);
        int status = statusAttribute instanceof Integer code ? code : 500;
        if (path == null) {
            return super.getErrorAttributes(webRequest, options);
        }
        return switch (ProtocolErrors.of(path)) {
            case V2 -> {
                if (webRequest instanceof ServletWebRequest servlet && servlet.getResponse() != null) {
                    servlet.getResponse().setHeader(OciErrorWriter.API_VERSION_HEADER, OciErrorWriter.API_VERSION);
                }
                yield ociBody(status);
            }
            case TOKEN -> TokenErrors.envelope(status >= 500 ? "UNKNOWN" : "invalid_request", bodyProblem(status));
            case ADMIN_API -> AdminApiProblems.body(status, status == 404
                    ? "no such admin API endpoint; see README.md, Admin API" : bodyProblem(status), path);
            case CONSOLE -> super.getErrorAttributes(webRequest, options);
        };
    }

    private static Map<String, Object> ociBody(int status) {
        if (status == 400 || status == 408) {
            return OciErrorWriter.envelope(OciError.BLOB_UPLOAD_INVALID, status == 408
                    ? "the request body did not arrive in time; nothing from this request was stored"
                    : "the request body ended before it was complete or was malformed; nothing from this request was stored", null);
        }
        return OciErrorWriter.envelope(status >= 500 ? OciError.UNKNOWN : OciError.UNSUPPORTED, null, null);
    }

    private static String bodyProblem(int status) {
        if (status == 400 || status == 408) {
            return status == 408 ? "the request body did not arrive in time" : "the request body was incomplete or malformed";
        }
        HttpStatus known = HttpStatus.resolve(status);
        return known == null ? "the request failed (HTTP " + status + ")" : known.getReasonPhrase();
    }
}
