package io.cangku.policy;

import io.cangku.oci.RepositoryName;
import io.cangku.oci.Tag;

/**
 * Existing tags of repositories matching the glob {@code repositories} whose whole name matches the regex
 * {@code tags} can be neither moved nor deleted.
 *
 * @param declared true for rules from configuration, which the admin API cannot change
 */
public record ImmutableTagRule(String name, String repositories, String tags, boolean declared) {

    /** The problem with the rule, each field named with {@code prefix} before it; null when it is fine. */
    static String problem(String prefix, String name, String repositories, String tags) {
        String problem = Patterns.nameOrRepositoriesProblem(prefix, name, repositories);
        if (problem != null) {
            return problem;
        }
        problem = Patterns.tagRegexProblem(tags);
        return problem == null ? null : prefix + "tags " + problem;
    }

    /** A rule with its patterns compiled once, for matching many tags. */
    record Compiled(ImmutableTagRule rule, java.util.regex.Pattern repositories, com.google.re2j.Pattern tags) {

        static Compiled of(ImmutableTagRule rule) {
            return new Compiled(rule, Patterns.repositoryGlob(rule.repositories()), Patterns.tagRegex(rule.tags()));
        }

        boolean coversRepository(RepositoryName repository) {
            return repositories.matcher(repository.value()).matches();
        }

        boolean protects(RepositoryName repository, Tag tag) {
            return coversRepository(repository) && tags.matches(tag.value());
        }

        String describe() {
            return "rule '" + rule.name() + "': repositories " + rule.repositories() + ", tags " + rule.tags();
        }
    }
}
