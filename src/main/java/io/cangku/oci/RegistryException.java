package io.cangku.oci;

/**
 * The one exception the registry throws for anything a client is told about: a spec error code, a message
 * a person can act on, and an optional machine-readable {@code detail}. It knows nothing of HTTP; the API
 * layer's error mapper picks the status and headers from the code (and from the typed facts of a subclass
 * such as {@link UploadRangeException}), so every protocol maps the same exception its own way.
 */
public class RegistryException extends RuntimeException {

    private final OciError error;
    private final transient Object detail;

    public RegistryException(OciError error, String message) {
        this(error, message, null);
    }

    public RegistryException(OciError error, String message, Object detail) {
        super(message);
        this.error = error;
        this.detail = detail;
    }

    public OciError error() {
        return error;
    }

    /** Extra, machine-readable context for the {@code detail} field; may be null. */
    public Object detail() {
        return detail;
    }
}
