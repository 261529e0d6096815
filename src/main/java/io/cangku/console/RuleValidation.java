package io.cangku.console;

import io.cangku.auth.Scope;

import java.util.Set;
import java.util.regex.Pattern;

/** What an access rule made through the admin API or the console must look like, checked in one place. */
public final class RuleValidation {

    private static final Pattern REPOSITORY_GLOB = Pattern.compile("[a-z0-9._/*?-]{1,255}");

    private RuleValidation() {
    }

    /** The problem with the rule, as a sentence for the user; null when it is fine. */
    public static String problem(String repositories, Set<String> actions) {
        if (actions == null || actions.isEmpty() || !Scope.REPOSITORY_ACTIONS.containsAll(actions)) {
            return "actions are pull, push and delete";
        }
        if (repositories == null || !REPOSITORY_GLOB.matcher(repositories).matches()) {
            return "repositories is a glob of repository names: lowercase letters, digits, . _ - / and * ? wildcards";
        }
        return null;
    }
}
