package io.cangku.oci;

/**
 * A request understood and allowed, refused because of the state it would change: an immutable tag that would
 * be moved or deleted. The API layer answers it with 409 (as Harbor does for its immutable tags) rather than
 * the code's own status, so a client tells it apart from a missing right.
 */
public class StateConflictException extends RegistryException {

    public StateConflictException(OciError error, String message, Object detail) {
        super(error, message, detail);
    }
}
