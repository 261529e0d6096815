package io.cangku.policy;

import io.cangku.oci.RepositoryName;

import java.time.Duration;

/**
 * What a registry keeps in repositories matching the glob {@code repositories}. A tag is kept when any rule
 * keeps it (as Harbor and zot combine them): it is among the {@code keepLast} most recently pushed, its name
 * matches {@code keepTagsMatching}, it was pushed within {@code keepPushedWithin}, or its manifest was pulled
 * within {@code keepPulledWithin}. Unset rules keep nothing; a policy with no tag rule at all leaves tags
 * alone. A manifest no kept tag reaches goes with its deleted tags, and one that was untagged already goes once
 * neither pushed nor pulled for {@code untaggedOlderThan} (unset: untagged manifests stay).
 *
 * @param declared true for policies from configuration, which the admin API cannot change
 */
public record RetentionPolicy(String name, String repositories, Integer keepLast, String keepTagsMatching,
                              Duration keepPushedWithin, Duration keepPulledWithin, Duration untaggedOlderThan,
                              boolean declared) {

    static final int MAX_KEEP_LAST = 100_000;
    private static final Duration MAX_DURATION = Duration.ofDays(36_500);

    boolean managesTags() {
        return keepLast != null || keepTagsMatching != null || keepPushedWithin != null || keepPulledWithin != null;
    }

    /** The problem with the policy, each field named with {@code prefix} before it ("keep-last" style); null when fine. */
    String problem(String prefix) {
        String problem = Patterns.nameOrRepositoriesProblem(prefix, name, repositories);
        if (problem != null) {
            return problem;
        }
        if (!managesTags() && untaggedOlderThan == null) {
            return prefix + "keep-last, keep-tags-matching, keep-pushed-within, keep-pulled-within or untagged-older-than "
                    + "must be set: a policy without a rule would do nothing";
        }
        if (keepLast != null && (keepLast < 0 || keepLast > MAX_KEEP_LAST)) {
            return prefix + "keep-last must be between 0 and " + MAX_KEEP_LAST + ", got " + keepLast;
        }
        if (keepTagsMatching != null) {
            problem = Patterns.tagRegexProblem(keepTagsMatching);
            if (problem != null) {
                return prefix + "keep-tags-matching " + problem;
            }
        }
        for (var duration : new Object[][]{{"keep-pushed-within", keepPushedWithin}, {"keep-pulled-within", keepPulledWithin},
                {"untagged-older-than", untaggedOlderThan}}) {
            Duration value = (Duration) duration[1];
            if (value != null && (value.isNegative() || value.isZero() || value.compareTo(MAX_DURATION) > 0)) {
                return prefix + duration[0] + " must be between 1s and 36500d, got " + value;
            }
        }
        return null;
    }

    /** A policy with its patterns compiled once. */
    record Compiled(RetentionPolicy policy, java.util.regex.Pattern repositories, com.google.re2j.Pattern keepTags) {

        static Compiled of(RetentionPolicy policy) {
            return new Compiled(policy, Patterns.repositoryGlob(policy.repositories()),
                    policy.keepTagsMatching() == null ? null : Patterns.tagRegex(policy.keepTagsMatching()));
        }

        boolean covers(RepositoryName repository) {
            return repositories.matcher(repository.value()).matches();
        }
    }
}
