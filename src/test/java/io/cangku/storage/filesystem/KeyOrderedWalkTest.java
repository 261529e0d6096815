package io.cangku.storage.filesystem;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The kept directory listings: a change to a directory is never hidden by a kept listing, even one whose
 * modification time does not move (two changes within one timestamp tick). The clock is the test's own.
 */
class KeyOrderedWalkTest {

    @TempDir
    Path root;

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final KeyOrderedWalk walk = new KeyOrderedWalk(nanos::get);
    private Path dir;

    @BeforeEach
    void manyFiles() throws IOException {
        dir = Files.createDirectories(root.resolve("tags"));
        for (int i = 0; i < KeyOrderedWalk.CACHED_MIN_ENTRIES + 10; i++) {
            Files.createFile(dir.resolve(String.format("t%05d", i)));
        }
    }

    @Test
    void seesAFileAddedAfterTheListingWasKept() throws IOException {
        // given a listing kept after the directory settled
        names();
        nanos.addAndGet(KeyOrderedWalk.SETTLE.toNanos() * 2);
        names();
        // when a file is added (which moves the directory's modification time)
        Files.createFile(dir.resolve("t99999"));
        Files.setLastModifiedTime(dir, FileTime.fromMillis(Files.getLastModifiedTime(dir).toMillis() + 5000));
        // then the next walk lists it
        assertThat(names()).contains("t99999").hasSize(KeyOrderedWalk.CACHED_MIN_ENTRIES + 11);
    }

    @Test
    void seesAFileAddedWithinTheSameTimestampTick() throws IOException {
        // given a directory first seen now
        FileTime before = Files.getLastModifiedTime(dir);
        names();
        // when a file is added within the same tick (its time put back: a coarse clock did not move)
        Files.createFile(dir.resolve("t99999"));
        Files.setLastModifiedTime(dir, before);
        // then a walk soon after reads afresh, and so does the one that keeps the listing once it settled
        assertThat(names()).contains("t99999");
        nanos.addAndGet(KeyOrderedWalk.SETTLE.toNanos() * 2);
        assertThat(names()).contains("t99999");
        assertThat(names()).contains("t99999");
    }

    @Test
    void startsAfterAKeyUsingTheKeptListing() throws IOException {
        names();
        nanos.addAndGet(KeyOrderedWalk.SETTLE.toNanos() * 2);
        names();
        List<String> page = new ArrayList<>();
        walk.walk(dir, "tags", "t00100", true, (key, file, attributes) -> {
            page.add(key);
            return page.size() < 3;
        });
        assertThat(page).containsExactly("tags/t00101", "tags/t00102", "tags/t00103");
    }

    private List<String> names() throws IOException {
        List<String> names = new ArrayList<>();
        walk.walk(dir, "tags", null, true, (key, file, attributes) -> names.add(file.getFileName().toString()));
        return names;
    }
}
