package io.cangku.api;

import io.cangku.oci.OciError;
import jakarta.servlet.RequestDispatcher;
import org.springframework.boot.web.error.ErrorAttributeOptions;
import org.springframework.boot.webmvc.error.DefaultErrorAttributes;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The body of Spring Boot's error page for {@code /v2} requests. Some errors never pass through
 * {@link OciErrorHandler}: when reading a request body fails (the client sent fewer bytes than it declared,
 * or broke the chunked encoding), Tomcat itself calls {@code sendError(400)}, which discards what the handler
 * writes and forwards to {@code /error}. For {@code /v2} that page now carries the spec's
 * {@code {"errors":[{"code","message","detail"}]}} envelope; every other path keeps Boot's attributes.
 */
@Component
class OciErrorAttributes extends DefaultErrorAttributes {

    @Override
    public Map<String, Object> getErrorAttributes(WebRequest webRequest, ErrorAttributeOptions options) {
        Object uri = webRequest.getAttribute(RequestDispatcher.ERROR_REQUEST_URI, RequestAttributes.SCOPE_REQUEST);
        if (!(uri instanceof String path) || !path.startsWith("/v2")) {
            return super.getErrorAttributes(webRequest, options);
        }
        Object statusAttribute = webRequest.getAttribute(RequestDispatcher.ERROR_STATUS_CODE, RequestAttributes.SCOPE_REQUEST);
        int status = statusAttribute instanceof Integer code ? code : 500;
        if (webRequest instanceof ServletWebRequest servlet && servlet.getResponse() != null) {
            servlet.getResponse().setHeader(OciErrorWriter.API_VERSION_HEADER, OciErrorWriter.API_VERSION);
        }
        Map<String, Object> error = new LinkedHashMap<>();
        if (status == 400 || status == 408) {
            error.put("code", OciError.BLOB_UPLOAD_INVALID.name());
            error.put("message", status == 408
                    ? "the request body did not arrive in time; nothing from this request was stored"
                    : "the request body ended before it was complete or was malformed; nothing from this request was stored");
        } else {
            OciError code = status >= 500 ? OciError.UNKNOWN : OciError.UNSUPPORTED;
            error.put("code", code.name());
            error.put("message", code.defaultMessage());
        }
        error.put("detail", Map.of());
        return Map.of("errors", List.of(error));
    }
}
