package io.cangku.auth;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Splitting and merging the scopes of a token request, without HTTP. */
@DisplayName("Scopes of a token request")
class ScopeTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "repository:a:pull                                   | 1",
            "'  repository:a:pull   repository:b:push  '         | 2",
            "repository:a:pull repository:a:push registry:catalog:* | 3",
            "'   '                                               | 0",
    })
    @DisplayName("split counts every space-separated scope of a value, empty parts left out")
    void split(String value, int expected) {
        assertThat(Scope.split(Arrays.asList(value, null))).hasSize(expected);
    }

    @Test
    @DisplayName("merge keeps one entry per resource, in the order first asked for, with the union of the actions")
    void merge() {
        // when
        List<Scope> merged = Scope.parseAll(List.of("repository:a:pull", "repository:b:push", "repository:a:delete",
                "repository:a:pull", "registry:catalog:*", "repository:not valid:pull"));

        // then
        assertThat(merged).extracting(Scope::toString)
                .containsExactly("repository:a:delete,pull", "repository:b:push", "registry:catalog:*");
    }

    @Test
    @DisplayName("merge of many distinct scopes keeps them all (one pass over a map, not a search per entry)")
    void mergeMany() {
        // given
        List<String> scopes = new ArrayList<>();
        for (int i = 0; i < 50_000; i++) {
            scopes.add("repository:team/app-" + i + ":pull");
        }

        // when
        List<Scope> merged = Scope.parseAll(scopes);

        // then
        assertThat(merged).hasSize(50_000);
        assertThat(merged.getFirst().name()).isEqualTo("team/app-0");
        assertThat(merged.getLast().name()).isEqualTo("team/app-49999");
    }
}
