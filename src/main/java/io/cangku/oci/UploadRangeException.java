package io.cangku.oci;

/**
 * A chunk that does not continue an upload where it stands (it starts elsewhere, its range is malformed, or
 * another chunk is still arriving). Carries what the client needs to resume: the session and how many bytes
 * it holds, which the API layer answers as 416 with {@code Range: 0-<last byte>} (distribution-spec v1.1,
 * "Pushing a blob in chunks").
 */
public final class UploadRangeException extends RegistryException {

    private final String uploadId;
    private final long uploadedBytes;

    public UploadRangeException(String uploadId, long uploadedBytes, String message) {
        super(OciError.BLOB_UPLOAD_INVALID, message);
        this.uploadId = uploadId;
        this.uploadedBytes = uploadedBytes;
    }

    public String uploadId() {
        return uploadId;
    }

    /** How many bytes the session holds; the next chunk must start there. */
    public long uploadedBytes() {
        return uploadedBytes;
    }
}
