package io.cangku.console.web;

import io.cangku.policy.InvalidRuleException;

import java.io.Serializable;
import java.util.Map;

/**
 * What a form of the Policies pages holds: the values to show, field by field, and after a refused save the
 * problem, keyed by the field it is about ({@link #WHOLE_FORM} when it is about none). The one way every policy
 * form (retention, immutable tags, quotas) comes back refused: the POST puts it in the flash map and redirects to
 * the page, which opens the form with what was typed and each message beside its field (the {@code
 * policies/tabs :: field} fragment), so a reload never repeats the POST.
 */
record PolicyForm(Map<String, String> values, Map<String, String> errors) implements Serializable {

    /** The key of a problem that is about the form rather than one field (a pattern and a name checked together). */
    static final String WHOLE_FORM = "";

    PolicyForm {
        values = Map.copyOf(values);
        errors = Map.copyOf(errors);
    }

    static PolicyForm empty() {
        return new PolicyForm(Map.of(), Map.of());
    }

    static PolicyForm of(Map<String, String> values) {
        return new PolicyForm(values, Map.of());
    }

    /** This form refused: the services' message, beside the field it names. */
    PolicyForm refused(InvalidRuleException problem) {
        return new PolicyForm(values, Map.of(problem.field().orElse(WHOLE_FORM), problem.getMessage()));
    }

    public String value(String field) {
        return values.getOrDefault(field, "");
    }

    public boolean flag(String field) {
        return Boolean.parseBoolean(values.get(field));
    }

    /** The problem of {@code field}, or null. */
    public String error(String field) {
        return errors.get(field);
    }

    public boolean refused() {
        return !errors.isEmpty();
    }

    /** The summary above the form: the problem itself when it is about the whole form, else where to look. */
    public String summary() {
        String whole = errors.get(WHOLE_FORM);
        return whole != null ? whole : "see the field marked below";
    }
}
