package io.cangku.oci;

/**
 * The error codes of the OCI distribution spec (v1.1, "Error Codes"), each with the HTTP status the
 * spec or the reference implementation answers with and a default message. Where the spec asks for another
 * status (416 for an out-of-order chunk, 413 for an oversized manifest) a typed {@link RegistryException}
 * says so ({@link UploadRangeException}, {@link PayloadTooLargeException}), and the API layer's mapper picks it.
 */
public enum OciError {
    BLOB_UNKNOWN(404, "blob unknown to registry"),
    BLOB_UPLOAD_INVALID(400, "blob upload invalid"),
    BLOB_UPLOAD_UNKNOWN(404, "blob upload unknown to registry"),
    DIGEST_INVALID(400, "provided digest did not match uploaded content"),
    // 400, not 404: the manifest itself is what is wrong (distribution's errcode registers it so too)
    MANIFEST_BLOB_UNKNOWN(400, "manifest references a manifest or blob unknown to registry"),
    MANIFEST_INVALID(400, "manifest invalid"),
    MANIFEST_UNKNOWN(404, "manifest unknown to registry"),
    NAME_INVALID(400, "invalid repository name"),
    NAME_UNKNOWN(404, "repository name not known to registry"),
    SIZE_INVALID(400, "provided length did not match content length"),
    UNAUTHORIZED(401, "authentication required"),
    DENIED(403, "requested access to the resource is denied"),
    UNSUPPORTED(405, "the operation is unsupported"),
    TOOMANYREQUESTS(429, "too many requests"),
    // Not in the OCI list, but registered by the reference implementation (errcode/register.go).
    TAG_INVALID(400, "manifest tag did not match URI"),
    PAGINATION_NUMBER_INVALID(400, "invalid number of results requested"),
    UNAVAILABLE(503, "service unavailable"),
    UNKNOWN(500, "unknown error");

    private final int httpStatus;
    private final String defaultMessage;

    OciError(int httpStatus, String defaultMessage) {
        this.httpStatus = httpStatus;
        this.defaultMessage = defaultMessage;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public String defaultMessage() {
        return defaultMessage;
    }
}
