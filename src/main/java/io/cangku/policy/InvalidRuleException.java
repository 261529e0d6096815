package io.cangku.policy;

import java.util.Optional;

/** A retention policy, immutable-tag rule or quota sent to the admin API is not valid; the message says what to change. */
public class InvalidRuleException extends IllegalArgumentException {

    private final String field;

    public InvalidRuleException(String message) {
        this(null, message);
    }

    /** {@code field}: the request field at fault, so that a form can show the message next to it. */
    public InvalidRuleException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** The request field the message is about, when it is about one. */
    public Optional<String> field() {
        return Optional.ofNullable(field);
    }
}
