package io.cangku.auth;

import io.cangku.oci.RepositoryName;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One entry of a token's scope or {@code access} claim: {@code repository:team/app:pull,push} or
 * {@code registry:catalog:*} (distribution {@code docs/spec/auth/scope.md}). Parsing is strict: the name
 * must satisfy the repository grammar and the actions must be known, so separators smuggled into a scope
 * string ({@code repository:a:pull repository:b:push} in one value is two scopes, {@code a,b} or
 * {@code a b} are not names) cannot widen what is granted.
 */
public record Scope(String type, String name, Set<String> actions) {

    public static final String REPOSITORY = "repository";
    public static final String REGISTRY = "registry";
    public static final String CATALOG = "catalog";
    public static final String PULL = "pull";
    public static final String PUSH = "push";
    public static final String DELETE = "delete";
    public static final String ALL = "*";
    public static final Set<String> REPOSITORY_ACTIONS = Set.of(PULL, PUSH, DELETE);

    // a resource type may carry a class: repository(plugin)
    private static final Pattern TYPE = Pattern.compile("(repository|registry)(\\([a-z0-9]+\\))?");

    public Scope {
        actions = Set.copyOf(actions);
    }

    public static Scope catalog() {
        return new Scope(REGISTRY, CATALOG, Set.of(ALL));
    }

    public static Scope repository(String name, Set<String> actions) {
        return new Scope(REPOSITORY, name, actions);
    }

    /** Parses one scope; empty when it is malformed or names something we do not grant. */
    public static Optional<Scope> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        int first = text.indexOf(':');
        int last = text.lastIndexOf(':');
        if (first <= 0 || last == first) {
            return Optional.empty();
        }
        var typeMatch = TYPE.matcher(text.substring(0, first));
        if (!typeMatch.matches()) {
            return Optional.empty();
        }
        String type = typeMatch.group(1);
        String name = text.substring(first + 1, last);
        Set<String> actions = new LinkedHashSet<>();
        for (String action : text.substring(last + 1).split(",", -1)) {
            actions.add(action);
        }
        if (REGISTRY.equals(type)) {
            return CATALOG.equals(name) && actions.equals(Set.of(ALL)) ? Optional.of(catalog()) : Optional.empty();
        }
        if (!RepositoryName.isValid(name)) {
            return Optional.empty();
        }
        actions.retainAll(REPOSITORY_ACTIONS);
        // '*' on a repository means every action (distribution does the same)
        if (text.substring(last + 1).equals(ALL)) {
            actions.addAll(REPOSITORY_ACTIONS);
        }
        return actions.isEmpty() ? Optional.empty() : Optional.of(repository(name, actions));
    }

    /** Every scope in the values; one value may hold several separated by spaces (OAuth2 form style). */
    public static List<Scope> parseAll(List<String> values) {
        List<Scope> scopes = new ArrayList<>();
        for (String value : values) {
            if (value == null) {
                continue;
            }
            for (String part : value.trim().split(" +")) {
                parse(part).ifPresent(scopes::add);
            }
        }
        return merge(scopes);
    }

    /** Merges entries for the same resource, so a token lists each resource once. */
    public static List<Scope> merge(List<Scope> scopes) {
        List<Scope> merged = new ArrayList<>();
        for (Scope scope : scopes) {
            int at = -1;
            for (int i = 0; i < merged.size(); i++) {
                if (merged.get(i).type.equals(scope.type) && merged.get(i).name.equals(scope.name)) {
                    at = i;
                }
            }
            if (at < 0) {
                merged.add(scope);
            } else {
                Set<String> union = new LinkedHashSet<>(merged.get(at).actions);
                union.addAll(scope.actions);
                merged.set(at, new Scope(scope.type, scope.name, union));
            }
        }
        return merged;
    }

    @Override
    public String toString() {
        return type + ":" + name + ":" + String.join(",", actions.stream().sorted().toList());
    }
}
