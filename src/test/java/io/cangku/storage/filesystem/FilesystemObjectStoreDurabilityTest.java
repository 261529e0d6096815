package io.cangku.storage.filesystem;

import io.cangku.storage.ObjectStore.Durability;
import io.cangku.storage.StorageKey;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which writes the filesystem store forces to disk: durable small writes and publishing moves do, with
 * their directory; ephemeral small writes and appends do not; sealing forces an upload's data once. The
 * {@code fsync} calls are recorded instead of made, so the test sees each one.
 */
class FilesystemObjectStoreDurabilityTest {

    @TempDir
    Path root;

    private final List<String> forced = new CopyOnWriteArrayList<>();
    private FilesystemObjectStore store;

    @BeforeEach
    void recordingStore() throws IOException {
        store = new FilesystemObjectStore(root, new FilesystemObjectStore.DiskSync() {
            @Override
            public void force(FileChannel file) {
                forced.add("file");
            }

            @Override
            public void forceDirectory(Path dir) {
                forced.add("dir " + root.toAbsolutePath().normalize().relativize(dir));
            }
        });
    }

    @Test
    void durableSmallWriteForcesTheFileThenItsDirectory() throws IOException {
        // given a directory that exists already
        store.writeSmall(StorageKey.of("repositories", "a", "_layers", "l1"), new byte[0]);
        forced.clear();

        // when a link is written with the plain (durable) write, and a tag with an explicit DURABLE
        store.writeSmall(StorageKey.of("repositories", "a", "_layers", "l2"), new byte[0]);
        store.writeSmall(StorageKey.of("repositories", "a", "_layers", "l3"), bytes("x"), Durability.DURABLE);

        // then each forced its file before the rename and its directory after it, nothing more
        assertThat(forced).containsExactly("file", "dir repositories/a/_layers", "file", "dir repositories/a/_layers");
    }

    @Test
    void ephemeralSmallWriteForcesNothingYetIsReadableAtOnce() throws IOException {
        // when upload state is written ephemeral
        StorageKey info = StorageKey.of("_uploads", "u1", "info");
        store.writeSmall(info, bytes("{\"repository\":\"a\"}"), Durability.EPHEMERAL);

        // then nothing was forced, and every reader sees it whole
        assertThat(forced).isEmpty();
        assertThat(store.readSmall(info, 100)).hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes("{\"repository\":\"a\"}")));
    }

    @Test
    void uploadDataIsForcedOnceAtSealNotPerChunkAndItsPublishingMoveForcesTheTarget() throws IOException {
        // given an upload of three chunks
        StorageKey data = StorageKey.of("_uploads", "u2", "data");
        StorageKey blob = StorageKey.of("blobs", "sha256", "ab", "abcdef");
        store.writeSmall(StorageKey.of("blobs", "sha256", "ab", "other"), new byte[0]); // the target directory exists
        store.createAppendable(data);
        long size = 0;
        for (String chunk : List.of("one", "two", "three")) {
            size = store.append(data, size, new ByteArrayInputStream(bytes(chunk)));
        }
        forced.clear();

        // when it is sealed and moved to its content address
        store.sealAppendable(data);
        store.move(data, blob);

        // then the data was forced once, and the move forced the blob's directory
        assertThat(forced).containsExactly("file", "dir blobs/sha256/ab");
        assertThat(store.readSmall(blob, 100)).hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes("onetwothree")));
    }

    @Test
    void appendsForceNothing() throws IOException {
        // given an open upload
        StorageKey data = StorageKey.of("_uploads", "u3", "data");
        store.createAppendable(data);

        // when chunks are appended
        long size = store.append(data, 0, new ByteArrayInputStream(bytes("chunk one")));
        store.append(data, size, new ByteArrayInputStream(bytes("chunk two")));

        // then no fsync was made
        assertThat(forced).isEmpty();
    }

    @Test
    void directoriesADurableWriteCreatesAreForcedInTheirParentsOnce() throws IOException {
        // when the first tag of a new repository is written, then a second one
        store.writeSmall(StorageKey.of("repositories", "new", "tags", "v1"), bytes("d1"));
        List<String> first = List.copyOf(forced);
        forced.clear();
        store.writeSmall(StorageKey.of("repositories", "new", "tags", "v2"), bytes("d2"));

        // then the first forced each new directory's entry in its parent, the second only its own directory
        assertThat(first).containsExactly("file", "dir repositories/new/tags", "dir repositories/new",
                "dir repositories", "dir ");
        assertThat(forced).containsExactly("file", "dir repositories/new/tags");
    }

    @Test
    void ephemeralWriteIntoNewDirectoriesForcesNoneOfThem() throws IOException {
        // when an upload's state is the first thing in its directory
        store.writeSmall(StorageKey.of("_upload-owners", "h1", "u4"), new byte[0], Durability.EPHEMERAL);

        // then nothing is forced
        assertThat(forced).isEmpty();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
