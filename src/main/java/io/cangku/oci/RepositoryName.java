package io.cangku.oci;

import java.util.regex.Pattern;

/**
 * A repository name per distribution-spec: path components of lowercase alphanumerics joined by
 * {@code .}, {@code _}, {@code __} or dashes, separated by {@code /}, at most 255 characters in all.
 * The grammar is built from named pieces, as distribution's {@code reference/regexp.go} does.
 */
public record RepositoryName(String value) implements Comparable<RepositoryName> {

    public static final int MAX_LENGTH = 255;
    private static final String ALPHANUMERIC = "[a-z0-9]+";
    private static final String SEPARATOR = "(?:[._]|__|[-]+)";
    private static final String PATH_COMPONENT = ALPHANUMERIC + "(?:" + SEPARATOR + ALPHANUMERIC + ")*";
    private static final Pattern GRAMMAR = Pattern.compile(PATH_COMPONENT + "(?:/" + PATH_COMPONENT + ")*");

    public RepositoryName {
        if (value == null || value.isEmpty() || value.length() > MAX_LENGTH || !GRAMMAR.matcher(value).matches()) {
            throw new RegistryException(OciError.NAME_INVALID, describeProblem(value), java.util.Map.of("name", abbreviate(value)));
        }
    }

    public static RepositoryName parse(String text) {
        return new RepositoryName(text);
    }

    public static boolean isValid(String text) {
        return text != null && !text.isEmpty() && text.length() <= MAX_LENGTH && GRAMMAR.matcher(text).matches();
    }

    private static String describeProblem(String value) {
        if (value == null || value.isEmpty()) {
            return "repository name is empty";
        }
        if (value.length() > MAX_LENGTH) {
            return "repository name is longer than " + MAX_LENGTH + " characters";
        }
        return "invalid repository name '" + abbreviate(value) + "': use lowercase letters, digits and single separators "
                + "(. _ __ -), with components separated by '/'";
    }

    private static String abbreviate(String value) {
        if (value == null) {
            return "";
        }
        return value.length() > 80 ? value.substring(0, 80) + "…" : value;
    }

    @Override
    public int compareTo(RepositoryName other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
