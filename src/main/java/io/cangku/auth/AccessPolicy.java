package io.cangku.auth;

import org.springframework.stereotype.Service;

import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The one place that decides what a subject may do to a resource: administrators may do everything; every
 * user owns {@code <username>/**}; otherwise the union of the matching rules' actions. Deny by default.
 */
@Service
public class AccessPolicy {

    private final AccountDirectory directory;

    public AccessPolicy(AccountDirectory directory) {
        this.directory = directory;
    }

    /** The actions of {@code requested} that {@code subject} may perform (possibly none). */
    public Set<String> allowedActions(Subject subject, Scope requested) throws IOException {
        return allowedActions(subject, requested, directory.listRules());
    }

    /** As {@link #allowedActions(Subject, Scope)}, with rules already loaded (for checking many resources). */
    public Set<String> allowedActions(Subject subject, Scope requested, List<AccessRule> rules) {
        if (subject.admin()) {
            return requested.actions();
        }
        if (Scope.REGISTRY.equals(requested.type())) {
            // the catalog is open to every signed-in user; it only lists repositories they may pull
            return subject.isAnonymous() ? Set.of() : requested.actions();
        }
        Set<String> allowed = new LinkedHashSet<>();
        if (owns(subject, requested.name())) {
            allowed.addAll(Scope.REPOSITORY_ACTIONS);
        }
        for (AccessRule rule : rules) {
            if (rule.appliesTo(subject) && rule.matches(requested.name())) {
                allowed.addAll(rule.actions());
            }
        }
        allowed.retainAll(requested.actions());
        return allowed;
    }

    public boolean mayPull(Subject subject, String repository, List<AccessRule> rules) {
        return !allowedActions(subject, Scope.repository(repository, Set.of(Scope.PULL)), rules).isEmpty();
    }

    public List<AccessRule> rules() throws IOException {
        return directory.listRules();
    }

    private static boolean owns(Subject subject, String repository) {
        if (subject.isAnonymous()) {
            return false;
        }
        String namespace = subject.name();
        return repository.equals(namespace) || repository.startsWith(namespace + "/");
    }
}
