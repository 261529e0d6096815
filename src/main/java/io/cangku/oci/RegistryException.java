package io.cangku.oci;

import java.util.Map;

/**
 * The one exception the registry throws for anything a client is told about. The API layer turns it into
 * the spec's {@code {"errors":[{"code","message","detail"}]}} body with {@link #httpStatus()}; extra
 * response headers (a {@code Range} for a rejected chunk, say) travel in {@link #headers()}.
 */
public class RegistryException extends RuntimeException {

    private final OciError error;
    private final int httpStatus;
    private final transient Object detail;
    private final Map<String, String> headers;

    public RegistryException(OciError error, String message) {
        this(error, message, null, error.httpStatus(), Map.of());
    }

    public RegistryException(OciError error, String message, Object detail) {
        this(error, message, detail, error.httpStatus(), Map.of());
    }

    public RegistryException(OciError error, String message, Object detail, int httpStatus, Map<String, String> headers) {
        super(message);
        this.error = error;
        this.detail = detail;
        this.httpStatus = httpStatus;
        this.headers = Map.copyOf(headers);
    }

    public OciError error() {
        return error;
    }

    public int httpStatus() {
        return httpStatus;
    }

    /** Extra, machine-readable context for the {@code detail} field; may be null. */
    public Object detail() {
        return detail;
    }

    public Map<String, String> headers() {
        return headers;
    }

    public RegistryException withStatus(int status, Map<String, String> extraHeaders) {
        return new RegistryException(error, getMessage(), detail, status, extraHeaders);
    }
}
