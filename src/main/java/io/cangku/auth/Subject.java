package io.cangku.auth;

import java.util.List;

/** Who is asking: a named account with its groups, or the anonymous caller (no name). */
public record Subject(String name, List<String> groups, boolean admin) {

    public static final Subject ANONYMOUS = new Subject(null, List.of(), false);

    public Subject {
        groups = groups == null ? List.of() : List.copyOf(groups);
    }

    public static Subject of(Account account) {
        return new Subject(account.name(), account.groups(), account.admin());
    }

    public boolean isAnonymous() {
        return name == null;
    }

    @Override
    public String toString() {
        return isAnonymous() ? "anonymous" : name;
    }
}
