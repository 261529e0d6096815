package io.cangku.auth;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Grants {@code actions} on repositories matching the glob {@code repositories} to the listed users and
 * groups, or to everyone when {@code anonymous}. In a glob, {@code *} matches within one path component and
 * {@code **} across components ({@code team-a/**} matches {@code team-a} and everything below it).
 *
 * @param declared true for rules from configuration, which the API cannot change
 */
public record AccessRule(String id, String repositories, List<String> users, List<String> groups, boolean anonymous,
                         Set<String> actions, boolean declared) {

    public AccessRule {
        users = users == null ? List.of() : List.copyOf(users);
        groups = groups == null ? List.of() : List.copyOf(groups);
        actions = actions == null ? Set.of() : Set.copyOf(actions);
    }

    public boolean appliesTo(Subject subject) {
        if (anonymous) {
            return true;
        }
        if (subject.isAnonymous()) {
            return false;
        }
        return users.contains(subject.name()) || subject.groups().stream().anyMatch(groups::contains);
    }

    public boolean matches(String repository) {
        return globToPattern(repositories).matcher(repository).matches();
    }

    /** {@code **} → any run of characters, {@code *} → within a component, {@code ?} → one character. */
    public static Pattern globToPattern(String glob) {
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                // "a/**" also matches "a" itself
                if (regex.length() >= 1 && regex.charAt(regex.length() - 1) == '/') {
                    regex.setLength(regex.length() - 1);
                    regex.append("(?:/.*)?");
                } else {
                    regex.append(".*");
                }
                i++;
            } else if (c == '*') {
                regex.append("[^/]*");
            } else if (c == '?') {
                regex.append("[^/]");
            } else if (Character.isLetterOrDigit(c) || c == '/') {
                regex.append(c);
            } else {
                regex.append('\\').append(c);
            }
        }
        return Pattern.compile(regex.toString());
    }
}
