package io.cangku.registry;

import io.cangku.oci.Digest;
import io.cangku.oci.RepositoryName;
import io.cangku.oci.Tag;
import io.cangku.storage.StorageLayout;
import io.cangku.storage.filesystem.FilesystemObjectStore;
import io.cangku.testing.MovableClock;
import io.cangku.testing.TestBlob;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A repository's tag count and last push, as the console's repository rows show them: counted from keys
 * alone, the last push read from the one object kept at every tag push, rebuilt from the tags when missing.
 */
class TagSummaryTest {

    private static final RepositoryName REPOSITORY = RepositoryName.parse("team/app");
    private static final Digest DIGEST = Digest.parse(TestBlob.sha256("m".getBytes(StandardCharsets.UTF_8)));

    @TempDir
    Path root;

    private final MovableClock clock = new MovableClock();
    private FilesystemObjectStore store;
    private TagService tags;

    @BeforeEach
    void services() throws Exception {
        store = new FilesystemObjectStore(root);
        tags = new TagService(store, new RepositoryCatalog(store), clock);
    }

    @Test
    void countsEveryTagAcrossListingPagesAndReportsTheLatestPush() throws Exception {
        // given 1,100 tags (two listing pages), the last pushed a minute after the others
        for (int i = 0; i < 1099; i++) {
            tags.tag(REPOSITORY, Tag.parse("t" + i), DIGEST);
        }
        clock.advance(Duration.ofMinutes(1));
        Instant last = clock.instant();
        assertThat(tags.createTag(REPOSITORY, Tag.parse("latest"), DIGEST)).isTrue();

        // when the repository is summarized
        TagService.TagSummary summary = tags.summarize(REPOSITORY);

        // then every tag counts, and the last push is the latest tag's
        assertThat(summary.count()).isEqualTo(1100);
        assertThat(summary.lastPush()).isBetween(last, clock.instant());
    }

    @Test
    void rebuildsTheLastPushFromTheTagsWhenItsObjectIsMissingOrUnreadable() throws Exception {
        // given tags whose kept last push was lost (a crash, or tags older than the object)
        tags.tag(REPOSITORY, Tag.parse("a"), DIGEST);
        tags.tag(REPOSITORY, Tag.parse("b"), DIGEST);
        store.delete(StorageLayout.lastTagPush(REPOSITORY));

        // when summarized, then the last push comes from the tags' own times, and is kept again
        TagService.TagSummary rebuilt = tags.summarize(REPOSITORY);
        assertThat(rebuilt.count()).isEqualTo(2);
        assertThat(rebuilt.lastPush()).isNotNull();
        assertThat(store.stat(StorageLayout.lastTagPush(REPOSITORY))).isPresent();

        // and an object a crash left empty is rebuilt the same way
        store.writeSmall(StorageLayout.lastTagPush(REPOSITORY), new byte[0]);
        assertThat(tags.summarize(REPOSITORY).lastPush()).isNotNull();
    }

    @Test
    void aRepositoryWhoseTagsWereAllDeletedShowsNoLastPush() throws Exception {
        // given a repository that had a tag, deleted since
        tags.tag(REPOSITORY, Tag.parse("gone"), DIGEST);
        tags.untag(REPOSITORY, Tag.parse("gone"));

        // when summarized, then it has no tags and no last push to show
        assertThat(tags.summarize(REPOSITORY)).isEqualTo(new TagService.TagSummary(0, null));
    }
}
