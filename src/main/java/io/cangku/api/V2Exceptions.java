package io.cangku.api;

import io.cangku.oci.OciError;
import io.cangku.oci.RegistryException;

import java.util.List;

/**
 * Refusals only the HTTP layer of {@code /v2} makes, each with the typed facts {@link OciErrorWriter} turns
 * into a status and headers: the {@code registry} package never names either.
 */
final class V2Exceptions {

    private V2Exceptions() {
    }

    /** A path that is no {@code /v2} endpoint: 404, as distribution's router answers. */
    static final class UnknownEndpoint extends RegistryException {
        UnknownEndpoint(String message) {
            super(OciError.UNSUPPORTED, message);
        }
    }

    /** A method the endpoint does not take: 405 with {@code Allow} (RFC 9110, 15.5.6). */
    static final class MethodNotAllowed extends RegistryException {
        private final List<String> allowed;

        MethodNotAllowed(String message, List<String> allowed) {
            super(OciError.UNSUPPORTED, message);
            this.allowed = List.copyOf(allowed);
        }

        List<String> allowed() {
            return allowed;
        }
    }

    /** A blob {@code Range} that starts past the end: 416 with {@code Content-Range: bytes *}{@code /<size>}. */
    static final class RangeNotSatisfiable extends RegistryException {
        private final long sizeBytes;

        RangeNotSatisfiable(String message, long sizeBytes) {
            super(OciError.BLOB_UNKNOWN, message);
            this.sizeBytes = sizeBytes;
        }

        long sizeBytes() {
            return sizeBytes;
        }
    }

    /**
     * A body that arrived too slowly: 408, and the connection closed, since the rest of the body is still in
     * flight; within a session, the bytes it kept, so the client resumes from there ({@code uploadId} null
     * outside a session).
     */
    static final class BodyTooSlow extends RegistryException {
        private final String uploadId;
        private final long uploadedBytes;

        BodyTooSlow(String message, String uploadId, long uploadedBytes) {
            super(OciError.BLOB_UPLOAD_INVALID, message);
            this.uploadId = uploadId;
            this.uploadedBytes = uploadedBytes;
        }

        String uploadId() {
            return uploadId;
        }

        long uploadedBytes() {
            return uploadedBytes;
        }
    }
}
