package io.cangku.oci;

import java.time.Duration;

/** A refusal that goes away with time (a limit of open sessions, say): the client is told when to retry. */
public final class RetryLaterException extends RegistryException {

    private final Duration retryAfter;

    public RetryLaterException(OciError error, String message, Duration retryAfter) {
        super(error, message);
        this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
