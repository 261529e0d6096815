package io.cangku.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

import io.cangku.oci.RepositoryName;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StorageLayoutTest {

    @Nested
    @DisplayName("tag names")
    class TagNames {

        @Test
        @DisplayName("round-trip, fit in a file name, and sort as the tags do case-insensitively")
        void roundTripAndOrder() {
            // given random tags of the tag alphabet, many equal but for case, plus the longest one
            SplittableRandom random = new SplittableRandom(11);
            String alphabet = "aAbBzZ09._-";
            List<String> tags = new ArrayList<>(List.of("A".repeat(128), "a", "A", "a-", "a.", "a_", "a0", "aa"));
            while (tags.size() < 3000) {
                StringBuilder tag = new StringBuilder().append(alphabet.charAt(random.nextInt(6)));
                for (int i = random.nextInt(12); i > 0; i--) {
                    tag.append(alphabet.charAt(random.nextInt(alphabet.length())));
                }
                tags.add(tag.toString());
            }

            for (String tag : tags) {
                // when
                String name = StorageLayout.encodeTagName(tag);
                // then
                assertThat(StorageLayout.decodeTagName(name)).isEqualTo(tag);
                assertThat(name.length()).isLessThanOrEqualTo(128 + 1 + 32);
                assertThat(new StorageKey(name).name()).isEqualTo(name);
            }
            List<String> byName = tags.stream().distinct()
                    .sorted(Comparator.comparing(StorageLayout::encodeTagName)).toList();
            for (int i = 1; i < byName.size(); i++) {
                String before = byName.get(i - 1).toLowerCase(java.util.Locale.ROOT);
                String after = byName.get(i).toLowerCase(java.util.Locale.ROOT);
                assertThat(before.compareTo(after)).as("%s before %s", byName.get(i - 1), byName.get(i)).isLessThanOrEqualTo(0);
            }
        }
    }

    @Nested
    @DisplayName("catalog markers")
    class CatalogMarkers {

        @ParameterizedTest(name = "{0}")
        @CsvSource({
                "a",
                "library/ubuntu",
                "a.b_c__d-e--f/g",
                "<255 a>",
                "<255 ab/>",
                "<255 a.b>",
        })
        @DisplayName("a name round-trips, and every segment of its marker fits in a file name")
        void roundTrip(String template) {
            // given
            String name = expand(template);

            // when
            StorageKey marker = StorageLayout.catalogEntry(RepositoryName.parse(name));

            // then
            assertThat(StorageLayout.decodeCatalogName(marker.relativeTo(StorageLayout.CATALOG))).isEqualTo(name);
            assertThat(marker.path().split("/")).allSatisfy(segment -> assertThat(segment.length()).isLessThanOrEqualTo(255));
        }

        @Test
        @DisplayName("markers sort as the names do, also where names cross a segment boundary, and none is another's directory")
        void orderIsKept() {
            // given: names that differ just before, at and after the 200-character cut, plus random ones
            List<String> names = new ArrayList<>();
            for (String base : List.of("a".repeat(198), "a".repeat(199), "a".repeat(200), "a/".repeat(50) + "a".repeat(99))) {
                for (String tail : List.of("", "b", ".b", "/b", "-b", "_b", "0", "__b", "b/c/d")) {
                    String name = base + tail;
                    if (RepositoryName.isValid(name)) {
                        names.add(name);
                    }
                }
            }
            SplittableRandom random = new SplittableRandom(5);
            while (names.size() < 2000) {
                String name = randomName(random);
                if (RepositoryName.isValid(name)) {
                    names.add(name);
                }
            }

            // when
            List<String> byName = names.stream().distinct().sorted().toList();
            List<String> byMarker = byName.stream()
                    .sorted(Comparator.comparing(n -> StorageLayout.catalogEntry(RepositoryName.parse(n))))
                    .toList();

            // then
            assertThat(byMarker).isEqualTo(byName);
            List<String> markers = byName.stream().map(n -> StorageLayout.catalogEntry(RepositoryName.parse(n)).path()).toList();
            for (String marker : markers) {
                assertThat(markers).noneMatch(other -> other.startsWith(marker + "/"));
            }
        }

        private static String randomName(SplittableRandom random) {
            String[] separators = {".", "_", "__", "-", "--", "/"};
            StringBuilder name = new StringBuilder();
            int target = 1 + random.nextInt(255);
            while (name.length() < target) {
                if (!name.isEmpty()) {
                    name.append(separators[random.nextInt(separators.length)]);
                }
                for (int i = random.nextInt(1, 6); i > 0; i--) {
                    name.append("ab0z".charAt(random.nextInt(4)));
                }
            }
            return name.length() > 255 ? name.substring(0, 255) : name.toString();
        }

        private static String expand(String template) {
            if (!template.startsWith("<255 ")) {
                return template;
            }
            String unit = template.substring(5, template.length() - 1);
            String name = unit.repeat(255 / unit.length() + 1).substring(0, 255);
            return name.endsWith("/") || name.endsWith(".") ? name.substring(0, 254) + "z" : name;
        }
    }
}
