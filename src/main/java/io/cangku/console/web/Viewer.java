package io.cangku.console.web;

import io.cangku.auth.AccessPolicy;
import io.cangku.auth.AccessRule;
import io.cangku.auth.Scope;
import io.cangku.auth.Subject;

import java.util.List;
import java.util.Set;

/**
 * The account looking at a page, as read from storage on this request (so a removed account or a revoked
 * admin flag takes effect at once), with the rules loaded once for every check the page makes.
 *
 * @param open true when the registry runs with {@code registry.auth.mode=none}: everyone may do everything
 */
record Viewer(Subject subject, List<AccessRule> rules, boolean open, AccessPolicy policy) {

    public String name() {
        return open ? "anonymous" : subject.name();
    }

    public boolean admin() {
        return open || subject.admin();
    }

    boolean mayPull(String repository) {
        return may(repository, Scope.PULL);
    }

    boolean mayPush(String repository) {
        return may(repository, Scope.PUSH);
    }

    boolean mayDelete(String repository) {
        return may(repository, Scope.DELETE);
    }

    private boolean may(String repository, String action) {
        return open || !policy.allowedActions(subject, Scope.repository(repository, Set.of(action)), rules).isEmpty();
    }
}
