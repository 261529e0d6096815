package io.cangku.policy;

/** A retention policy, immutable-tag rule or quota sent to the admin API is not valid; the message says what to change. */
public class InvalidRuleException extends IllegalArgumentException {

    public InvalidRuleException(String message) {
        super(message);
    }
}
