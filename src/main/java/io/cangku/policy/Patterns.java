package io.cangku.policy;

import io.cangku.auth.AccessRule;

import java.util.regex.Pattern;

/**
 * The patterns rules are made of (retention, immutable tags, quotas), checked in one place: repository globs as access rules write them, and tag
 * regexes compiled with RE2/J, whose matching is linear in the tag's length whatever the pattern, so no rule
 * (or admin API caller) can make a push or a retention run spin on catastrophic backtracking.
 */
public final class Patterns {

    static final int MAX_TAG_REGEX_LENGTH = 256;
    static final int MAX_NAME_LENGTH = 64;
    private static final Pattern REPOSITORY_GLOB = Pattern.compile("[a-z0-9._/*?-]{1,255}");
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0," + (MAX_NAME_LENGTH - 1) + "}");

    private Patterns() {
    }

    /** The problem with a repository glob, as a phrase after its key; null when it is fine. */
    public static String repositoryGlobProblem(String glob) {
        if (glob == null || !REPOSITORY_GLOB.matcher(glob).matches()) {
            return "must be a glob of repository names (as in access rules): lowercase letters, digits, . _ - / and "
                    + "the wildcards * (within a path component), ** (across components) and ?";
        }
        return null;
    }

    /** The problem with a tag regex, as a phrase after its key; null when it is fine. */
    static String tagRegexProblem(String regex) {
        if (regex == null || regex.isEmpty()) {
            return "must be a regular expression that whole tags are matched against";
        }
        if (regex.length() > MAX_TAG_REGEX_LENGTH) {
            return "is longer than " + MAX_TAG_REGEX_LENGTH + " characters";
        }
        try {
            com.google.re2j.Pattern.compile(regex);
            return null;
        } catch (com.google.re2j.PatternSyntaxException e) {
            return "is not a valid regular expression (RE2 syntax: no backreferences or lookaround): " + e.getDescription();
        }
    }

    /**
     * The problem with what every rule has, its name and its repository glob, each named with {@code prefix}
     * before its key; null when both are fine.
     */
    public static String nameOrRepositoriesProblem(String prefix, String name, String repositories) {
        String problem = nameProblem(name);
        if (problem != null) {
            return prefix + "name " + problem;
        }
        problem = repositoryGlobProblem(repositories);
        return problem == null ? null : prefix + "repositories " + problem;
    }

    public static String nameProblem(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            return "must be 1-" + MAX_NAME_LENGTH + " characters of lowercase letters, digits and . _ -, starting with a letter or digit";
        }
        return null;
    }

    public static Pattern repositoryGlob(String glob) {
        return AccessRule.globToPattern(glob);
    }

    static com.google.re2j.Pattern tagRegex(String regex) {
        return com.google.re2j.Pattern.compile(regex);
    }
}
