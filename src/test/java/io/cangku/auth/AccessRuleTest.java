package io.cangku.auth;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The repository globs of access rules, and who a rule applies to. */
@DisplayName("Access rules")
class AccessRuleTest {

    @ParameterizedTest(name = "{0} matches {1}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            team-a/**   | team-a            | true
            team-a/**   | team-a/app        | true
            team-a/**   | team-a/app/api    | true
            team-a/**   | team-ab/app       | false
            team-a/**   | team-a-evil/app   | false
            team-a/**   | x/team-a/app      | false
            public/*    | public/app        | true
            public/*    | public/app/nested | false
            public/*    | public            | false
            team-?/app  | team-b/app        | true
            team-?/app  | team-bb/app       | false
            a.b/**      | a.b/c             | true
            a.b/**      | axb/c             | false
            **/cache    | team-a/cache      | true
            **/cache    | team-a/cache-x    | false
            **          | anything/at/all   | true
            """)
    @DisplayName("a glob matches whole names: * within a component, ** across them, . and - literally")
    void globs(String glob, String repository, boolean matches) {
        // given
        AccessRule rule = new AccessRule("r", glob, List.of(), List.of(), true, Set.of("pull"), false);

        // then
        assertThat(rule.matches(repository)).isEqualTo(matches);
    }

    @Test
    @DisplayName("a rule applies to its users and groups; an anonymous rule to everyone; others to no anonymous caller")
    void appliesTo() {
        // given
        AccessRule forTeam = new AccessRule("r1", "team-a/**", List.of("carol"), List.of("team-a"), false, Set.of("pull"), false);
        AccessRule forEveryone = new AccessRule("r2", "public/**", List.of(), List.of(), true, Set.of("pull"), false);

        // then
        assertThat(forTeam.appliesTo(new Subject("alice", List.of("team-a"), false))).isTrue();
        assertThat(forTeam.appliesTo(new Subject("carol", List.of(), false))).isTrue();
        assertThat(forTeam.appliesTo(new Subject("bob", List.of("team-b"), false))).isFalse();
        assertThat(forTeam.appliesTo(Subject.ANONYMOUS)).isFalse();
        assertThat(forEveryone.appliesTo(Subject.ANONYMOUS)).isTrue();
        assertThat(forEveryone.appliesTo(new Subject("bob", List.of(), false))).isTrue();
    }
}
