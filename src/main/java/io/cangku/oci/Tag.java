package io.cangku.oci;

import java.util.regex.Pattern;

/** A tag, per distribution-spec: {@code [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}}. */
public record Tag(String value) implements Reference, Comparable<Tag> {

    private static final Pattern GRAMMAR = Pattern.compile("[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}");

    public Tag {
        if (value == null || !GRAMMAR.matcher(value).matches()) {
            throw new RegistryException(OciError.MANIFEST_INVALID,
                    "'" + (value == null ? "" : value.length() > 140 ? value.substring(0, 140) + "…" : value)
                            + "' is not a valid tag: up to 128 characters of [a-zA-Z0-9._-], not starting with '.' or '-'");
        }
    }

    public static Tag parse(String text) {
        return new Tag(text);
    }

    public static boolean isValid(String text) {
        return text != null && GRAMMAR.matcher(text).matches();
    }

    @Override
    public int compareTo(Tag other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
