package io.cangku.storage;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The key grammar: segments of {@code [A-Za-z0-9._:=+@-]}, none empty, none starting with a dot. */
class StorageKeyTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "a",
            "blobs/sha256/ab/abcdef0123",
            "repositories/team/app/_manifests/tags/v1.0+1",
            "_uploads/0f0e-1/data",
            "a.b/c..d/e.",
            "x=y/z@w/A:B-_",
    })
    void acceptsValidKeys(String path) {
        // when
        StorageKey key = new StorageKey(path);

        // then
        assertThat(key.path()).isEqualTo(path);
    }

    @ParameterizedTest(name = "[{index}] ''{0}'' names segment ''{1}''")
    @CsvSource(delimiter = '|', value = {
            "/a|''",
            "a/|''",
            "a//b|''",
            ".|.",
            "..|..",
            "a/../b|..",
            "a/.hidden/b|.hidden",
            "a/b c/d|b c",
            "a/bé|bé",
            "a\\b|a\\b",
            "a/b%2Fc|b%2Fc",
    })
    void refusesInvalidKeysNamingTheSegment(String path, String segment) {
        // when / then
        assertThatThrownBy(() -> new StorageKey(path))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid storage key segment '" + segment + "' in '" + path + "'");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1025})
    void refusesKeysOfNoOrTooManyCharacters(int length) {
        // when / then
        assertThatThrownBy(() -> new StorageKey("a".repeat(length)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 to 1024 characters");
    }

    @org.junit.jupiter.api.Test
    void refusesNull() {
        // when / then
        assertThatThrownBy(() -> new StorageKey(null)).isInstanceOf(IllegalArgumentException.class);
    }
}
