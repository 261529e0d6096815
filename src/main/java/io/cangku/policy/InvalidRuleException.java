package io.cangku.policy;

/** A retention policy or immutable-tag rule sent to the admin API is not valid; the message says what to change. */
public class InvalidRuleException extends IllegalArgumentException {

    InvalidRuleException(String message) {
        super(message);
    }
}
