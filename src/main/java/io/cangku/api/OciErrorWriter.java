package io.cangku.api;

import io.cangku.oci.OciError;
import io.cangku.oci.RegistryException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the spec's error envelope {@code {"errors":[{"code","message","detail"}]}}: the one place every
 * {@code /v2} error body is produced, whether it comes from an endpoint, the security filter chain or the
 * request firewall. HEAD responses get the status and headers only.
 */
@Component
public class OciErrorWriter {

    public static final String API_VERSION_HEADER = "Docker-Distribution-API-Version";
    public static final String API_VERSION = "registry/2.0";

    private final JsonMapper json;

    public OciErrorWriter(JsonMapper json) {
        this.json = json;
    }

    public void write(HttpServletRequest request, HttpServletResponse response, RegistryException error) throws IOException {
        write(request, response, error.httpStatus(), error.error(), error.getMessage(), error.detail(), error.headers());
    }

    public void write(HttpServletRequest request, HttpServletResponse response, int status, OciError code, String message,
                      Object detail, Map<String, String> headers) throws IOException {
        if (response.isCommitted()) {
            return; // a streamed body already started; the client sees a cut-off response
        }
        response.resetBuffer();
        response.setStatus(status);
        response.setHeader(API_VERSION_HEADER, API_VERSION);
        headers.forEach(response::setHeader);
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("code", code.name());
        entry.put("message", message == null ? code.defaultMessage() : message);
        entry.put("detail", detail == null ? Map.of() : detail);
        byte[] body = json.writeValueAsBytes(Map.of("errors", List.of(entry)));
        response.setContentType("application/json");
        response.setContentLength(body.length);
        if (!"HEAD".equals(request.getMethod())) {
            response.getOutputStream().write(body);
        }
        response.flushBuffer();
    }
}
