package io.cangku.oci;

/** A body larger than the registry accepts (a manifest over its limit, say); answered 413 with {@code code}. */
public final class PayloadTooLargeException extends RegistryException {

    private final long limitBytes;

    public PayloadTooLargeException(OciError error, String message, long limitBytes) {
        super(error, message);
        this.limitBytes = limitBytes;
    }

    public long limitBytes() {
        return limitBytes;
    }
}
