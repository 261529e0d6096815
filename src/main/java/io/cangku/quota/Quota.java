package io.cangku.quota;

import io.cangku.oci.RepositoryName;
import io.cangku.policy.Patterns;

import java.util.regex.Pattern;

/**
 * A storage quota: the repositories matching the glob {@code repositories} (as access rules write it) may
 * together reference at most {@code limitBytes}, each distinct blob counted once however many of them reference it.
 *
 * @param declared true for quotas from configuration, which the admin API cannot change
 */
public record Quota(String name, String repositories, long limitBytes, boolean declared) {

    /** The problem with the quota, each field named with {@code prefix} before it; null when it is fine. */
    static String problem(String prefix, String name, String repositories, Long limitBytes) {
        Problem problem = check(name, repositories, limitBytes);
        return problem == null ? null : prefix + problem.message();
    }

    /** What is wrong with one field of a quota; {@code message} begins with the field's name. */
    record Problem(String field, String message) {
    }

    /** The first problem with the quota's fields; null when it is fine. */
    static Problem check(String name, String repositories, Long limitBytes) {
        String problem = Patterns.nameProblem(name);
        if (problem != null) {
            return new Problem("name", "name " + problem);
        }
        problem = Patterns.repositoryGlobProblem(repositories);
        if (problem != null) {
            return new Problem("repositories", "repositories " + problem);
        }
        if (limitBytes == null || limitBytes <= 0) {
            return new Problem("limit", "limit must be a positive size such as 500MB or 10GB");
        }
        return null;
    }

    /** The quota with its glob compiled once. */
    record Compiled(Quota quota, Pattern repositories) {

        static Compiled of(Quota quota) {
            return new Compiled(quota, Patterns.repositoryGlob(quota.repositories()));
        }

        boolean covers(RepositoryName repository) {
            return covers(repository.value());
        }

        boolean covers(String repository) {
            return repositories.matcher(repository).matches();
        }
    }
}
