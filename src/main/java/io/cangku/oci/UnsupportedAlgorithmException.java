package io.cangku.oci;

/**
 * A well-formed digest of an algorithm this registry does not compute: UNSUPPORTED, but a 400 (the request is
 * what is wrong) rather than the code's 405, as the API tests pin down.
 */
public final class UnsupportedAlgorithmException extends RegistryException {

    public UnsupportedAlgorithmException(String message) {
        super(OciError.UNSUPPORTED, message);
    }
}
