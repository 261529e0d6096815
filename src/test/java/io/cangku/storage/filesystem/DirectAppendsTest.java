package io.cangku.storage.filesystem;

import io.cangku.storage.StorageKey;
import io.cangku.testing.RequiredToolExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Upload appends written with {@code O_DIRECT} ({@link DirectAppends}) hold exactly the bytes sent, at every
 * alignment: chunks that end inside a block, chunks smaller than a block, chunks of exactly one buffer and one
 * byte either side, and empty ones; a chunk that fails midway leaves the upload as it was. The same sequence
 * runs through the page cache, for the same result. The test folder must take direct writes for the direct
 * half to mean anything: on a machine whose temporary folder does not, that half is skipped, except in CI,
 * where it fails.
 */
class DirectAppendsTest {

    private static final int BLOCK = 4096;
    private static final int BUFFER = DirectAppends.BUFFER_BYTES;
    private static final int[] CHUNKS = {
            1, BLOCK - 1, 2, BLOCK, BLOCK + 1, 0, 3 * BLOCK + 17, BUFFER - 1, 1, BUFFER, BUFFER + 1, 0,
            2 * BUFFER + BLOCK / 2, 5, BLOCK - 5, BUFFER - BLOCK, 1};

    @TempDir
    Path root;

    @ParameterizedTest(name = "direct writes {0}")
    @ValueSource(booleans = {true, false})
    void appendsHoldExactlyTheBytesSentAtEveryAlignment(boolean directWrites) throws IOException {
        FilesystemObjectStore store = store(directWrites);
        StorageKey key = StorageKey.of("_uploads", "u1", "data");
        store.createAppendable(key);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        Random random = new Random(7);
        for (int length : CHUNKS) {
            byte[] chunk = new byte[length];
            random.nextBytes(chunk);
            long size = store.append(key, expected.size(), new TrickleInputStream(chunk, random));
            expected.write(chunk);

            assertThat(size).as("size after a chunk of %d bytes", length).isEqualTo(expected.size());
            assertThat(store.appendableSize(key)).isEqualTo(expected.size());
        }
        store.sealAppendable(key);
        assertThat(Files.readAllBytes(root.resolve(key.path()))).isEqualTo(expected.toByteArray());
    }

    /** The path an append takes when only one pooled buffer is free: no write overlaps the reading. */
    @org.junit.jupiter.api.Test
    void withOneBufferAppendsHoldTheSameBytes() throws IOException {
        java.util.Optional<DirectAppends> probed = DirectAppends.probe(root);
        if (!RequiredToolExtension.isCi()) {
            assumeThat(probed).as("%s takes direct writes", root).isPresent();
        }
        DirectAppends direct = probed.orElseThrow();
        Path file = Files.createFile(root.resolve("one-buffer"));
        java.nio.ByteBuffer buffer = direct.acquire();
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        Random random = new Random(11);
        try (java.nio.channels.FileChannel channel = DirectAppends.open(file)) {
            for (int length : CHUNKS) {
                byte[] chunk = new byte[length];
                random.nextBytes(chunk);
                long size = direct.append(channel, expected.size(), new TrickleInputStream(chunk, random), buffer, null);
                expected.write(chunk);
                assertThat(size).isEqualTo(expected.size());
            }
        } finally {
            direct.release(buffer);
        }
        assertThat(Files.readAllBytes(file)).isEqualTo(expected.toByteArray());
    }

    @ParameterizedTest(name = "direct writes {0}")
    @ValueSource(booleans = {true, false})
    void aChunkThatFailsMidwayLeavesTheUploadAsItWas(boolean directWrites) throws IOException {
        FilesystemObjectStore store = store(directWrites);
        StorageKey key = StorageKey.of("_uploads", "u2", "data");
        store.createAppendable(key);
        byte[] first = new byte[BLOCK + 100];
        new Random(1).nextBytes(first);
        store.append(key, 0, new ByteArrayInputStream(first));

        // a client that disconnects after more than a buffer's worth, so whole blocks were written already
        InputStream broken = new FilterInputStream(new ByteArrayInputStream(new byte[BUFFER * 2 + 10])) {
            private long sent;

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (sent > BUFFER + BLOCK) {
                    throw new IOException("client went away");
                }
                int n = super.read(b, off, len);
                sent += Math.max(n, 0);
                return n;
            }
        };
        assertThatThrownBy(() -> store.append(key, first.length, broken)).hasMessageContaining("client went away");

        assertThat(store.appendableSize(key)).isEqualTo(first.length);
        assertThat(Files.readAllBytes(root.resolve(key.path()))).isEqualTo(first);
        // and the next chunk goes on from there
        byte[] second = {1, 2, 3};
        assertThat(store.append(key, first.length, new ByteArrayInputStream(second))).isEqualTo(first.length + 3);
    }

    /**
     * A store writing directly and one writing through the page cache (a process of the older version, or
     * an append that found no buffer free) take turns on one upload: each reads what the other wrote.
     */
    @org.junit.jupiter.api.Test
    void directAndBufferedAppendsTakingTurnsOnOneUploadHoldTheBytesSent() throws IOException {
        FilesystemObjectStore direct = new FilesystemObjectStore(root, true);
        requireDirectWrites(direct);
        FilesystemObjectStore buffered = new FilesystemObjectStore(root, false);
        StorageKey key = StorageKey.of("_uploads", "u4", "data");
        direct.createAppendable(key);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        Random random = new Random(5);
        for (int i = 0; i < CHUNKS.length; i++) {
            byte[] chunk = new byte[CHUNKS[i]];
            random.nextBytes(chunk);
            FilesystemObjectStore store = i % 2 == 0 ? direct : buffered;
            assertThat(store.append(key, expected.size(), new TrickleInputStream(chunk, random))).isEqualTo(expected.size() + chunk.length);
            expected.write(chunk);
            assertThat(Files.readAllBytes(root.resolve(key.path()))).as("after chunk %d", i).isEqualTo(expected.toByteArray());
        }
    }

    /**
     * More uploads at once than the pool has buffers for: every append gets buffers of its own (or none, and
     * goes through the page cache), and every upload holds exactly its own bytes.
     */
    @org.junit.jupiter.api.Test
    void manyUploadsAtOnceEachHoldTheirOwnBytes() throws Exception {
        FilesystemObjectStore store = new FilesystemObjectStore(root, true);
        requireDirectWrites(store);
        int uploads = 40; // 2 buffers each: more than the pool's 32
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(uploads);
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(uploads);
        try {
            List<java.util.concurrent.Future<byte[]>> results = new java.util.ArrayList<>();
            for (int u = 0; u < uploads; u++) {
                int seed = u;
                results.add(threads.submit(() -> {
                    StorageKey key = StorageKey.of("_uploads", "many" + seed, "data");
                    store.createAppendable(key);
                    Random random = new Random(seed);
                    ByteArrayOutputStream sent = new ByteArrayOutputStream();
                    start.await();
                    for (int c = 0; c < 4; c++) {
                        byte[] chunk = new byte[random.nextInt(3 * BUFFER)];
                        random.nextBytes(chunk);
                        store.append(key, sent.size(), new TrickleInputStream(chunk, random));
                        sent.write(chunk);
                    }
                    return sent.toByteArray();
                }));
            }
            for (int u = 0; u < uploads; u++) {
                byte[] sent = results.get(u).get(2, java.util.concurrent.TimeUnit.MINUTES);
                assertThat(Files.readAllBytes(root.resolve(StorageKey.of("_uploads", "many" + u, "data").path())))
                        .as("upload %d", u).isEqualTo(sent);
            }
        } finally {
            threads.shutdownNow();
        }
    }

    /** A store on the test folder that writes directly, or through the page cache, as asked. */
    private FilesystemObjectStore store(boolean directWrites) throws IOException {
        FilesystemObjectStore store = new FilesystemObjectStore(root, directWrites);
        if (directWrites) {
            requireDirectWrites(store);
        } else {
            assertThat(store.writesDirect()).isFalse();
        }
        return store;
    }

    private void requireDirectWrites(FilesystemObjectStore store) {
        if (!RequiredToolExtension.isCi()) {
            assumeThat(store.writesDirect()).as("%s takes direct writes", root).isTrue();
        }
        assertThat(store.writesDirect()).as("direct writes on %s", root).isTrue();
    }

    /** Hands out a chunk in reads of random sizes, as a socket does. */
    private static final class TrickleInputStream extends ByteArrayInputStream {
        private final Random random;

        TrickleInputStream(byte[] bytes, Random random) {
            super(bytes);
            this.random = random;
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) {
            return super.read(b, off, Math.min(len, 1 + random.nextInt(20_000)));
        }
    }
}
