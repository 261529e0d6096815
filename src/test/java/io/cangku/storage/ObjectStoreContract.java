package io.cangku.storage;

import io.cangku.testing.SeededContent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The contract every {@link ObjectStore} backend passes, in the shape of Micrometer's compatibility kit: a
 * backend's test is a subclass that says how to open a store over fresh storage. After each test,
 * {@link #leftovers()} must be empty, as distribution's {@code TearDownTest} checks: every test removes
 * what it made through the SPI, so a backend that leaks (a temp file, an unfinished multipart upload, an
 * upload's state object) fails here.
 */
public abstract class ObjectStoreContract {

    /** The root of every key the contract writes. */
    protected static final StorageKey ROOT = StorageKey.of("contract");

    protected ObjectStore store;
    private final List<ObjectStore> opened = new ArrayList<>();

    /**
     * A store over this test's storage. Every call within one test returns a new instance over the same
     * storage, as another replica (another process) would see it.
     */
    protected abstract ObjectStore createStore() throws Exception;

    /** Whatever the backend still holds in this test's storage: objects, temporary files, unfinished uploads. */
    protected abstract List<String> leftovers() throws Exception;

    /**
     * Bytes of the generated stream in the large test: 300 MiB by default, so the suite stays quick;
     * {@code -Dcangku.test.large-stream-bytes=2147483648} runs the 2 GiB variant.
     */
    protected long largeStreamBytes() {
        return Long.getLong("cangku.test.large-stream-bytes", 300L << 20);
    }

    /** A size at which the backend changes how it keeps appended bytes (S3: the part size); appends cross it. */
    protected int boundaryBytes() {
        return 5 << 20;
    }

    /** Keys the listing tests write: more than one S3 listing page (1,000) and one DeleteObjects batch. */
    protected int manyKeys() {
        return 1100;
    }

    @BeforeEach
    final void openStore() throws Exception {
        store = anotherReplica();
    }

    @AfterEach
    final void nothingLeftBehind() throws Exception {
        for (ObjectStore s : opened) {
            if (s instanceof AutoCloseable closeable) {
                closeable.close();
            }
        }
        assertThat(leftovers()).as("objects left behind by the test").isEmpty();
    }

    /** A second store over the same storage (closed after the test), standing for another replica. */
    protected final ObjectStore anotherReplica() throws Exception {
        ObjectStore s = createStore();
        opened.add(s);
        return s;
    }

    /** Every key under {@code prefix} (relative to it), fetched {@code pageSize} at a time. */
    protected final List<String> pageThrough(StorageKey prefix, int pageSize) throws IOException {
        List<String> seen = new ArrayList<>();
        Page page;
        do {
            page = store.list(prefix, seen.isEmpty() ? null : seen.getLast(), pageSize);
            page.items().forEach(i -> seen.add(i.key().relativeTo(prefix)));
        } while (page.truncated());
        return seen;
    }

    protected static StorageKey key(String path) {
        return ROOT.resolve(path);
    }

    protected static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    protected static byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }

    protected static byte[] readAll(ObjectStore store, StorageKey key) throws IOException {
        try (InputStream in = store.read(key, 0, -1)) {
            return in.readAllBytes();
        }
    }

    protected static byte[] concat(byte[]... parts) {
        int size = Arrays.stream(parts).mapToInt(p -> p.length).sum();
        byte[] all = new byte[size];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    /** Yields {@code content}, then fails as a client connection that breaks would. */
    protected static InputStream failingAfter(byte[] content) {
        return new SequenceInputStream(new ByteArrayInputStream(content), new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("client connection reset (test)");
            }
        });
    }

    @Nested
    @DisplayName("small objects")
    class SmallObjects {

        @Test
        @DisplayName("are written and read back whole")
        void writtenAndReadBack() throws IOException {
            // given
            StorageKey k = key("small/a");
            // when
            store.writeSmall(k, utf8("hello"));
            // then
            assertThat(store.readSmall(k, 100)).hasValue(utf8("hello"));
            assertThat(readAll(store, k)).isEqualTo(utf8("hello"));
            store.delete(k);
        }

        @Test
        @DisplayName("are replaced whole by a second write")
        void replacedByWrite() throws IOException {
            StorageKey k = key("small/a");
            store.writeSmall(k, utf8("first version, longer"));
            store.writeSmall(k, utf8("second"));
            assertThat(store.readSmall(k, 100)).hasValue(utf8("second"));
            store.delete(k);
        }

        @Test
        @DisplayName("may be empty")
        void empty() throws IOException {
            StorageKey k = key("small/empty");
            store.writeSmall(k, new byte[0]);
            assertThat(store.stat(k)).get().extracting(ObjectInfo::sizeBytes).isEqualTo(0L);
            assertThat(store.readSmall(k, 10)).hasValue(new byte[0]);
            assertThat(readAll(store, k)).isEmpty();
            store.delete(k);
        }

        @Test
        @DisplayName("are absent when never written: readSmall is empty, read throws ObjectNotFoundException")
        void absent() throws IOException {
            assertThat(store.readSmall(key("small/none"), 10)).isEmpty();
            assertThatThrownBy(() -> store.read(key("small/none"), 0, -1)).isInstanceOf(ObjectNotFoundException.class);
            assertThatThrownBy(() -> store.read(key("small/none"), 5, 10)).isInstanceOf(ObjectNotFoundException.class);
        }

        @Test
        @DisplayName("larger than the caller's limit are refused, so no caller buffers a blob")
        void limitEnforced() throws IOException {
            StorageKey k = key("small/big");
            store.writeSmall(k, new byte[1001]);
            assertThatThrownBy(() -> store.readSmall(k, 1000)).isInstanceOf(IOException.class);
            assertThat(store.readSmall(k, 1001)).get().extracting(b -> b.length).isEqualTo(1001);
            store.delete(k);
        }

        @Test
        @DisplayName("keep keys with every character a key may hold")
        void unusualKeys() throws IOException {
            List<StorageKey> keys = List.of(key("chars/sha256:0a1b"), key("chars/a=b+c@d-e_f.g"),
                    key("chars/UPPER/lower/0.9"), key("chars/x.1y.0z"));
            for (StorageKey k : keys) {
                store.writeSmall(k, utf8(k.path()));
            }
            for (StorageKey k : keys) {
                assertThat(store.readSmall(k, 100)).hasValue(utf8(k.path()));
            }
            assertThat(store.list(key("chars"), null, 10).items()).extracting(ObjectInfo::key)
                    .containsExactlyElementsOf(keys.stream().sorted().toList());
            store.deleteAll(key("chars"));
        }
    }

    @Nested
    @DisplayName("ranged reads")
    class Ranges {

        private final byte[] content = randomBytes(10_000);
        private final StorageKey k = key("ranges/blob");

        @BeforeEach
        void write() throws IOException {
            store.writeSmall(k, content);
        }

        @AfterEach
        void remove() throws IOException {
            store.delete(k);
        }

        private byte[] read(long offset, long length) throws IOException {
            try (InputStream in = store.read(k, offset, length)) {
                return in.readAllBytes();
            }
        }

        @Test
        @DisplayName("return exactly the bytes asked for")
        void middle() throws IOException {
            assertThat(read(100, 50)).isEqualTo(Arrays.copyOfRange(content, 100, 150));
            assertThat(read(0, 1)).isEqualTo(Arrays.copyOfRange(content, 0, 1));
            assertThat(read(9_999, 1)).isEqualTo(Arrays.copyOfRange(content, 9_999, 10_000));
        }

        @Test
        @DisplayName("run to the end when the length is negative")
        void toEnd() throws IOException {
            assertThat(read(4_000, -1)).isEqualTo(Arrays.copyOfRange(content, 4_000, 10_000));
        }

        @Test
        @DisplayName("stop at the end of the object")
        void pastEnd() throws IOException {
            assertThat(read(9_990, 100)).isEqualTo(Arrays.copyOfRange(content, 9_990, 10_000));
        }

        @Test
        @DisplayName("of zero bytes, or from the end, are empty")
        void empty() throws IOException {
            assertThat(read(500, 0)).isEmpty();
            assertThat(read(10_000, -1)).isEmpty();
        }

        @Test
        @DisplayName("may be closed before the end")
        void closedEarly() throws IOException {
            try (InputStream in = store.read(k, 0, -1)) {
                assertThat(in.readNBytes(10)).isEqualTo(Arrays.copyOf(content, 10));
            }
            assertThat(read(0, -1)).isEqualTo(content);
        }
    }

    @Nested
    @DisplayName("stat")
    class Stat {

        @Test
        @DisplayName("gives the size and the time of the last write")
        void sizeAndTime() throws IOException {
            StorageKey k = key("stat/a");
            Instant before = Instant.now().minusSeconds(2);
            store.writeSmall(k, new byte[1234]);
            ObjectInfo info = store.stat(k).orElseThrow();
            assertThat(info.key()).isEqualTo(k);
            assertThat(info.sizeBytes()).isEqualTo(1234);
            assertThat(info.lastModified()).isBetween(before, Instant.now().plusSeconds(2));
            store.delete(k);
        }

        @Test
        @DisplayName("is empty for an absent object, and for a prefix that only holds objects")
        void absent() throws IOException {
            assertThat(store.stat(key("stat/none"))).isEmpty();
            store.writeSmall(key("stat/dir/a"), new byte[1]);
            assertThat(store.stat(key("stat/dir"))).isEmpty();
            store.delete(key("stat/dir/a"));
        }
    }

    @Nested
    @DisplayName("move (publishing)")
    class Move {

        @Test
        @DisplayName("puts the bytes at the target and removes the source")
        void moves() throws IOException {
            StorageKey from = key("move/staging");
            StorageKey to = key("move/published/x");
            byte[] content = randomBytes(70_000);
            store.writeSmall(from, content);
            store.move(from, to);
            assertThat(store.stat(from)).isEmpty();
            assertThat(readAll(store, to)).isEqualTo(content);
            store.delete(to);
        }

        @Test
        @DisplayName("replaces what is at the target")
        void replaces() throws IOException {
            StorageKey from = key("move/staging");
            StorageKey to = key("move/target");
            store.writeSmall(to, utf8("old"));
            store.writeSmall(from, utf8("new"));
            store.move(from, to);
            assertThat(store.readSmall(to, 10)).hasValue(utf8("new"));
            store.delete(to);
        }

        @Test
        @DisplayName("of an absent object throws ObjectNotFoundException and leaves the target alone")
        void absentSource() throws IOException {
            StorageKey to = key("move/target");
            store.writeSmall(to, utf8("kept"));
            assertThatThrownBy(() -> store.move(key("move/none"), to)).isInstanceOf(ObjectNotFoundException.class);
            assertThat(store.readSmall(to, 10)).hasValue(utf8("kept"));
            store.delete(to);
        }
    }

    @Nested
    @DisplayName("delete")
    class Deletes {

        @Test
        @DisplayName("is idempotent")
        void idempotent() throws IOException {
            StorageKey k = key("delete/a");
            store.delete(k);
            store.writeSmall(k, utf8("x"));
            store.delete(k);
            store.delete(k);
            assertThat(store.stat(k)).isEmpty();
        }

        @Test
        @DisplayName("deleteAll removes everything under the prefix, at any depth, and nothing beside it")
        void deleteAllIsBoundedByPrefix() throws IOException {
            List<StorageKey> inside = List.of(key("d/p/a"), key("d/p/b/c"), key("d/p/b/d/e"));
            List<StorageKey> beside = List.of(key("d/pq/a"), key("d/p.x"), key("d/p-"), key("d/o/p"));
            for (StorageKey k : concatKeys(inside, beside)) {
                store.writeSmall(k, utf8(k.path()));
            }
            store.deleteAll(key("d/p"));
            for (StorageKey k : inside) {
                assertThat(store.stat(k)).as(k.path()).isEmpty();
            }
            for (StorageKey k : beside) {
                assertThat(store.stat(k)).as(k.path()).isPresent();
            }
            store.deleteAll(key("d/p"));
            store.deleteAll(key("d"));
            assertThat(store.list(key("d"), null, 10).items()).isEmpty();
        }

        @Test
        @DisplayName("deleteAll of a prefix with nothing under it does nothing")
        void deleteAllOfNothing() throws IOException {
            store.deleteAll(key("nothing/here"));
        }

        private static List<StorageKey> concatKeys(List<StorageKey> a, List<StorageKey> b) {
            List<StorageKey> all = new ArrayList<>(a);
            all.addAll(b);
            return all;
        }
    }

    @Nested
    @DisplayName("listing")
    class Listing {

        @Test
        @DisplayName("gives keys under the prefix at any depth, in key order")
        void orderAndDepth() throws IOException {
            for (String p : List.of("l/z", "l/a/b", "l/a/c/d", "l/m", "l.x", "lz/a", "k/l")) {
                store.writeSmall(key(p), utf8(p));
            }
            Page page = store.list(key("l"), null, 100);
            assertThat(page.items()).extracting(i -> i.key().relativeTo(key("l")))
                    .containsExactly("a/b", "a/c/d", "m", "z");
            assertThat(page.truncated()).isFalse();
            assertThat(page.items().getFirst().sizeBytes()).isEqualTo("l/a/b".length());
            for (String p : List.of("l", "lz", "k")) {
                store.deleteAll(key(p));
            }
            store.delete(key("l.x"));
        }

        @Test
        @DisplayName("starts after the given key (relative to the prefix, exclusive) and stops at the limit")
        void startAfterAndLimit() throws IOException {
            for (String p : List.of("t/a", "t/b", "t/c", "t/d")) {
                store.writeSmall(key(p), new byte[0]);
            }
            Page first = store.list(key("t"), null, 2);
            assertThat(first.items()).extracting(i -> i.key().name()).containsExactly("a", "b");
            assertThat(first.truncated()).isTrue();
            Page second = store.list(key("t"), "b", 2);
            assertThat(second.items()).extracting(i -> i.key().name()).containsExactly("c", "d");
            assertThat(second.truncated()).isFalse();
            assertThat(store.list(key("t"), "d", 2).items()).isEmpty();
            assertThat(store.list(key("t"), "bb", 10).items()).extracting(i -> i.key().name()).containsExactly("c", "d");
            assertThat(store.list(key("t"), null, 4).truncated()).isFalse();
            store.deleteAll(key("t"));
        }

        @Test
        @DisplayName("orders whole keys, not directory entries: a-c and a.b before a/b, a+ before a")
        void ordersWholeKeysAcrossDepths() throws IOException {
            // given names where a key's directory sorts after a sibling file that shares its start
            List<String> paths = List.of("o/a/b", "o/a-c", "o/a.b/x", "o/a+", "o/a0", "o/a/bc/d",
                    "o/a:z", "o/a@", "o/a=/q");
            for (String p : paths) {
                store.writeSmall(key(p), new byte[0]);
            }
            List<String> expected = paths.stream().map(p -> p.substring(2)).sorted().toList();

            // when listing all at once, page by page with pages of 1, and visiting
            List<String> whole = store.list(key("o"), null, 100).items().stream().map(i -> i.key().relativeTo(key("o"))).toList();
            List<String> paged = pageThrough(key("o"), 1);
            List<String> visited = new ArrayList<>();
            store.forEach(key("o"), item -> visited.add(item.key().relativeTo(key("o"))));

            // then all three give keys in string order
            assertThat(whole).containsExactlyElementsOf(expected);
            assertThat(paged).containsExactlyElementsOf(expected);
            assertThat(visited).containsExactlyElementsOf(expected);
            store.deleteAll(key("o"));
        }

        @Test
        @DisplayName("starts after a key in the middle of a deep subtree, or after one that does not exist")
        void startAfterInsideDeepTrees() throws IOException {
            // given a tree four levels deep, 3 entries wide at each level
            List<String> all = new ArrayList<>();
            for (String a : List.of("a", "b", "c")) {
                for (String b : List.of("d", "e", "f")) {
                    for (String c : List.of("g", "h", "i")) {
                        for (String d : List.of("j", "k", "l")) {
                            all.add(a + "/" + b + "/" + c + "/" + d);
                        }
                    }
                }
            }
            for (String p : all) {
                store.writeSmall(key("deep/" + p), new byte[0]);
            }

            // then from any existing key, and from keys that do not exist at any level, the rest follows in order
            for (String after : List.of("a/d/g/j", "b/e/h/k", "c/f/i/l", "b/e/h/ka", "b/e/h/a", "b/e/h0", "b/e/h",
                    "b/e/hh", "b/", "b", "b/e", "0", "a", "c/f/i/l/m", "z", "b.", "b-x/y")) {
                List<String> expected = all.stream().filter(p -> p.compareTo(after) > 0).limit(5).toList();
                Page page = store.list(key("deep"), after, 5);
                assertThat(page.items()).as("after %s", after).extracting(i -> i.key().relativeTo(key("deep")))
                        .containsExactlyElementsOf(expected);
                assertThat(page.truncated()).as("truncated after %s", after)
                        .isEqualTo(all.stream().filter(p -> p.compareTo(after) > 0).count() > 5);
                KeyPage keys = store.listKeys(key("deep"), after, 5);
                assertThat(keys.keys()).as("keys after %s", after).containsExactlyElementsOf(page.items().stream().map(ObjectInfo::key).toList());
                assertThat(keys.truncated()).isEqualTo(page.truncated());
            }
            // and pages of 1 walk the whole tree once, in order
            assertThat(pageThrough(key("deep"), 1)).containsExactlyElementsOf(all);
            store.deleteAll(key("deep"));
        }

        @Test
        @DisplayName("a page of 1 is truncated exactly when another key follows")
        void pagesOfOne() throws IOException {
            store.writeSmall(key("one/x/y"), new byte[0]);
            store.writeSmall(key("one/z"), new byte[0]);

            Page first = store.list(key("one"), null, 1);
            Page second = store.list(key("one"), "x/y", 1);
            Page third = store.list(key("one"), "z", 1);

            assertThat(first.items()).extracting(i -> i.key().path()).containsExactly("contract/one/x/y");
            assertThat(first.truncated()).isTrue();
            assertThat(second.items()).extracting(i -> i.key().path()).containsExactly("contract/one/z");
            assertThat(second.truncated()).isFalse();
            assertThat(third.items()).isEmpty();
            assertThat(third.truncated()).isFalse();
            store.deleteAll(key("one"));
        }

        @Test
        @DisplayName("of an absent prefix is empty")
        void absentPrefix() throws IOException {
            Page page = store.list(key("none"), null, 10);
            assertThat(page.items()).isEmpty();
            assertThat(page.truncated()).isFalse();
        }

        @Test
        @DisplayName("pages through more keys than one backend page, and deleteAll removes them all")
        void longerThanOnePage() throws Exception {
            // given more keys than S3 answers in one ListObjectsV2 call
            int n = manyKeys();
            List<String> names = IntStream.range(0, n).mapToObj(i -> String.format("k%05d", i)).toList();
            try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
                List<Future<?>> writes = new ArrayList<>();
                for (String name : names) {
                    writes.add(pool.submit(() -> {
                        store.writeSmall(key("many/" + name.substring(0, 3) + "/" + name), utf8(name));
                        return null;
                    }));
                }
                for (Future<?> w : writes) {
                    w.get();
                }
            }
            List<String> expected = names.stream().map(name -> name.substring(0, 3) + "/" + name).toList();

            // when one page is asked for more keys than the backend answers at once
            Page big = store.list(key("many"), null, n - 50);
            // then
            assertThat(big.items()).hasSize(n - 50);
            assertThat(big.truncated()).isTrue();
            Page rest = store.list(key("many"), big.items().getLast().key().relativeTo(key("many")), 1000);
            assertThat(rest.items()).hasSize(50);
            assertThat(rest.truncated()).isFalse();

            // when paging through in small pages
            List<String> seen = new ArrayList<>();
            String after = null;
            Page page;
            do {
                page = store.list(key("many"), after, 97);
                page.items().forEach(i -> seen.add(i.key().relativeTo(key("many"))));
                after = seen.isEmpty() ? null : seen.getLast();
            } while (page.truncated());
            // then every key comes once, in order
            assertThat(seen).containsExactlyElementsOf(expected);

            // when visiting them all, which pages on its own
            List<String> visited = new ArrayList<>();
            store.forEach(key("many"), item -> visited.add(item.key().relativeTo(key("many"))));
            // then it sees the same keys in the same order
            assertThat(visited).containsExactlyElementsOf(expected);

            store.deleteAll(key("many"));
            assertThat(store.list(key("many"), null, 10).items()).isEmpty();
        }
    }

    @Nested
    @DisplayName("appendable objects")
    class Appendables {

        private final StorageKey k = key("uploads/u1/data");

        @Test
        @DisplayName("start empty and seal into an empty plain object")
        void emptySeal() throws IOException {
            store.createAppendable(k);
            assertThat(store.appendableSize(k)).isZero();
            ObjectInfo sealed = store.sealAppendable(k);
            assertThat(sealed.sizeBytes()).isZero();
            assertThat(readAll(store, k)).isEmpty();
            store.deleteAppendable(k);
            assertThat(store.stat(k)).isEmpty();
        }

        @Test
        @DisplayName("take chunks of any size in order and seal into a plain object that moves like any other")
        void appendSealMove() throws IOException {
            // given chunks on both sides of the backend's boundary
            int b = boundaryBytes();
            List<byte[]> chunks = List.of(randomBytes(1000), randomBytes(b + 3), randomBytes(17), randomBytes(2 * b),
                    randomBytes(b - 1017 - 3 - 17), randomBytes(1));
            store.createAppendable(k);
            long size = 0;
            // when
            for (byte[] chunk : chunks) {
                size = store.append(k, size, new ByteArrayInputStream(chunk));
                assertThat(store.appendableSize(k)).isEqualTo(size);
            }
            ObjectInfo sealed = store.sealAppendable(k);
            // then
            byte[] all = concat(chunks.toArray(byte[][]::new));
            assertThat(sealed.sizeBytes()).isEqualTo(all.length);
            assertThat(readAll(store, k)).isEqualTo(all);
            try (InputStream in = store.read(k, b, 100)) {
                assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(all, b, b + 100));
            }
            StorageKey published = key("blobs/x");
            store.move(k, published);
            assertThat(readAll(store, published)).isEqualTo(all);
            store.deleteAppendable(k); // what the registry does after publishing
            store.delete(published);
        }

        @Test
        @DisplayName("are continued and sealed through another replica, whichever appended last")
        void resumedThroughAnotherReplica() throws Exception {
            // given an upload begun on one replica
            ObjectStore other = anotherReplica();
            byte[] first = randomBytes(boundaryBytes() + 100);
            byte[] second = randomBytes(1000);
            byte[] third = randomBytes(boundaryBytes());
            byte[] fourth = randomBytes(10);
            store.createAppendable(k);
            long size = store.append(k, 0, new ByteArrayInputStream(first));
            // when the other replica continues, and both take turns
            assertThat(other.appendableSize(k)).isEqualTo(size);
            size = other.append(k, size, new ByteArrayInputStream(second));
            size = store.append(k, size, new ByteArrayInputStream(third));
            size = other.append(k, size, new ByteArrayInputStream(fourth));
            assertThat(store.appendableSize(k)).isEqualTo(size);
            ObjectInfo sealed = other.sealAppendable(k);
            // then
            byte[] all = concat(first, second, third, fourth);
            assertThat(sealed.sizeBytes()).isEqualTo(all.length);
            assertThat(readAll(store, k)).isEqualTo(all);
            assertThat(store.sealAppendable(k).sizeBytes()).isEqualTo(all.length);
            store.deleteAppendable(k);
        }

        @Test
        @DisplayName("keep their previous size when the input stream fails part way (all or nothing)")
        void failedAppendChangesNothing() throws IOException {
            // given
            byte[] first = randomBytes(1000);
            store.createAppendable(k);
            store.append(k, 0, new ByteArrayInputStream(first));
            // when a chunk breaks off before a boundary, and another after crossing it
            assertThatThrownBy(() -> store.append(k, 1000, failingAfter(randomBytes(5000))))
                    .isInstanceOf(IOException.class).hasMessageContaining("client connection reset");
            assertThat(store.appendableSize(k)).isEqualTo(1000);
            assertThatThrownBy(() -> store.append(k, 1000, failingAfter(randomBytes(boundaryBytes() * 2 + 77))))
                    .isInstanceOf(IOException.class).hasMessageContaining("client connection reset");
            // then the earlier bytes stand, and the upload continues from them
            assertThat(store.appendableSize(k)).isEqualTo(1000);
            byte[] second = randomBytes(boundaryBytes() + 5);
            assertThat(store.append(k, 1000, new ByteArrayInputStream(second))).isEqualTo(1000 + second.length);
            store.sealAppendable(k);
            assertThat(readAll(store, k)).isEqualTo(concat(first, second));
            store.deleteAppendable(k);
        }

        @Test
        @DisplayName("keep nothing from a first append that fails")
        void failedFirstAppend() throws IOException {
            store.createAppendable(k);
            assertThatThrownBy(() -> store.append(k, 0, failingAfter(randomBytes(boundaryBytes() + 1))))
                    .isInstanceOf(IOException.class);
            assertThat(store.appendableSize(k)).isZero();
            store.deleteAppendable(k);
        }

        @Test
        @DisplayName("refuse an append at any offset but the current size, and change nothing")
        void offsetMismatch() throws IOException {
            store.createAppendable(k);
            store.append(k, 0, new ByteArrayInputStream(randomBytes(10)));
            assertThatThrownBy(() -> store.append(k, 5, new ByteArrayInputStream(randomBytes(10))))
                    .isInstanceOfSatisfying(AppendOffsetMismatchException.class, e -> assertThat(e.currentSize()).isEqualTo(10));
            assertThatThrownBy(() -> store.append(k, 20, new ByteArrayInputStream(randomBytes(10))))
                    .isInstanceOfSatisfying(AppendOffsetMismatchException.class, e -> assertThat(e.currentSize()).isEqualTo(10));
            assertThat(store.appendableSize(k)).isEqualTo(10);
            store.deleteAppendable(k);
        }

        @Test
        @DisplayName("take an empty append as a no-op")
        void emptyAppend() throws IOException {
            store.createAppendable(k);
            store.append(k, 0, new ByteArrayInputStream(utf8("abc")));
            assertThat(store.append(k, 3, InputStream.nullInputStream())).isEqualTo(3);
            store.sealAppendable(k);
            assertThat(readAll(store, k)).isEqualTo(utf8("abc"));
            store.deleteAppendable(k);
        }

        @Test
        @DisplayName("that do not exist answer ObjectNotFoundException")
        void absent() {
            assertThatThrownBy(() -> store.appendableSize(k)).isInstanceOf(ObjectNotFoundException.class);
            assertThatThrownBy(() -> store.append(k, 0, new ByteArrayInputStream(new byte[1])))
                    .isInstanceOf(ObjectNotFoundException.class);
            assertThatThrownBy(() -> store.sealAppendable(k)).isInstanceOf(ObjectNotFoundException.class);
        }

        @Test
        @DisplayName("cannot be created twice")
        void createTwice() throws IOException {
            store.createAppendable(k);
            assertThatThrownBy(() -> store.createAppendable(k)).isInstanceOf(IOException.class);
            store.deleteAppendable(k);
        }

        @Test
        @DisplayName("leave nothing behind when deleted, however far they got")
        void deleteLeavesNothing() throws Exception {
            // given an upload with full boundaries behind it and a remainder, and one sealed
            store.createAppendable(k);
            long size = store.append(k, 0, new ByteArrayInputStream(randomBytes(2 * boundaryBytes() + 10)));
            anotherReplica().append(k, size, new ByteArrayInputStream(randomBytes(20)));
            StorageKey sealed = key("uploads/u2/data");
            store.createAppendable(sealed);
            store.append(sealed, 0, new ByteArrayInputStream(randomBytes(boundaryBytes() + 1)));
            store.sealAppendable(sealed);
            // when
            store.deleteAppendable(k);
            store.deleteAppendable(sealed);
            store.deleteAppendable(k); // idempotent
            store.deleteAppendable(key("uploads/never/data"));
            // then (and the teardown finds nothing either)
            assertThat(store.stat(k)).isEmpty();
            assertThat(store.stat(sealed)).isEmpty();
            assertThatThrownBy(() -> store.appendableSize(k)).isInstanceOf(ObjectNotFoundException.class);
        }

        @Test
        @DisplayName("under a prefix go with deleteAll, however far they got")
        void deleteAllTakesAppendables() throws IOException {
            store.createAppendable(k);
            store.append(k, 0, new ByteArrayInputStream(randomBytes(boundaryBytes() + 99)));
            store.writeSmall(key("uploads/u1/info"), utf8("{}"));
            store.deleteAll(key("uploads"));
            assertThat(store.stat(k)).isEmpty();
            assertThatThrownBy(() -> store.appendableSize(k)).isInstanceOf(ObjectNotFoundException.class);
        }

        @Test
        @DisplayName("are discarded without a trace when the content does not have the expected digest")
        void rejectedDigestLeavesNothing() throws IOException {
            // given an upload whose bytes are not what the client claimed
            store.createAppendable(k);
            store.append(k, 0, new ByteArrayInputStream(randomBytes(boundaryBytes() + 333)));
            store.sealAppendable(k);
            String actual = SeededContent.sha256(store.read(k, 0, -1));
            assertThat(actual).isNotEqualTo(new SeededContent(1, 10).sha256());
            // when the registry rejects it, as UploadService does
            store.deleteAppendable(k);
            // then nothing is visible, and the teardown finds nothing
            assertThat(store.stat(k)).isEmpty();
            assertThat(store.list(key("uploads"), null, 10).items()).isEmpty();
        }

        @Test
        @DisplayName("accept exactly one of several appends racing at the same offset")
        void racingAppends() throws Exception {
            // given one store, as concurrent requests on one replica share it (races across replicas are a
            // backend matter: S3's conditional writes; see S3BucketContract)
            store.createAppendable(k);
            int writers = 6;
            CountDownLatch start = new CountDownLatch(1);
            ConcurrentLinkedQueue<byte[]> winners = new ConcurrentLinkedQueue<>();
            AtomicInteger refused = new AtomicInteger();
            // when
            try (ExecutorService pool = Executors.newFixedThreadPool(writers)) {
                List<Future<?>> results = new ArrayList<>();
                for (int i = 0; i < writers; i++) {
                    byte[] chunk = utf8("writer " + i + " was here");
                    results.add(pool.submit(() -> {
                        start.await();
                        try {
                            store.append(k, 0, new ByteArrayInputStream(chunk));
                            winners.add(chunk);
                        } catch (AppendOffsetMismatchException e) {
                            refused.incrementAndGet();
                        }
                        return null;
                    }));
                }
                start.countDown();
                for (Future<?> r : results) {
                    r.get();
                }
            }
            // then
            assertThat(winners).hasSize(1);
            assertThat(refused).hasValue(writers - 1);
            store.sealAppendable(k);
            assertThat(readAll(store, k)).isEqualTo(winners.peek());
            store.deleteAppendable(k);
        }
    }

    @Nested
    @DisplayName("concurrency")
    class Concurrency {

        @Test
        @DisplayName("readers see whole versions while writers replace and add objects")
        void readersAndWriters() throws Exception {
            // given a shared object that writers keep replacing with uniform versions
            StorageKey shared = key("conc/shared");
            int versionSize = 64 * 1024;
            store.writeSmall(shared, filled(0, versionSize));
            ObjectStore other = anotherReplica();
            List<String> torn = Collections.synchronizedList(new ArrayList<>());
            CountDownLatch start = new CountDownLatch(1);
            // when
            try (ExecutorService pool = Executors.newFixedThreadPool(12)) {
                List<Future<?>> tasks = new ArrayList<>();
                for (int w = 0; w < 4; w++) {
                    int writer = w;
                    ObjectStore s = writer % 2 == 0 ? store : other;
                    tasks.add(pool.submit(() -> {
                        start.await();
                        for (int i = 1; i <= 15; i++) {
                            s.writeSmall(shared, filled(writer * 20 + i, versionSize));
                            byte[] own = randomBytes(1 + ThreadLocalRandom.current().nextInt(50_000));
                            StorageKey mine = key("conc/w" + writer + "/" + i);
                            s.writeSmall(mine, own);
                            assertThat(s.readSmall(mine, 50_000)).hasValue(own);
                        }
                        return null;
                    }));
                }
                for (int r = 0; r < 8; r++) {
                    ObjectStore s = r % 2 == 0 ? store : other;
                    tasks.add(pool.submit(() -> {
                        start.await();
                        for (int i = 0; i < 30; i++) {
                            byte[] seen = i % 2 == 0 ? s.readSmall(shared, versionSize).orElseThrow() : readAll(s, shared);
                            if (seen.length != versionSize || !uniform(seen)) {
                                torn.add("read " + seen.length + " bytes, not one version");
                            }
                        }
                        return null;
                    }));
                }
                start.countDown();
                for (Future<?> t : tasks) {
                    t.get();
                }
            }
            // then
            assertThat(torn).isEmpty();
            assertThat(store.list(key("conc"), null, 1000).items()).hasSize(1 + 4 * 15);
            store.deleteAll(key("conc"));
        }

        @Test
        @DisplayName("uploads to different keys proceed side by side")
        void parallelUploads() throws Exception {
            int uploads = 4;
            List<byte[]> contents = new ArrayList<>();
            for (int i = 0; i < uploads; i++) {
                contents.add(randomBytes(boundaryBytes() + 1000 * i + 1));
            }
            try (ExecutorService pool = Executors.newFixedThreadPool(uploads)) {
                List<Future<?>> tasks = new ArrayList<>();
                for (int i = 0; i < uploads; i++) {
                    int u = i;
                    ObjectStore s = u % 2 == 0 ? store : anotherReplica();
                    tasks.add(pool.submit(() -> {
                        StorageKey data = key("par/" + u + "/data");
                        byte[] content = contents.get(u);
                        s.createAppendable(data);
                        int half = content.length / 2;
                        long size = s.append(data, 0, new ByteArrayInputStream(content, 0, half));
                        s.append(data, size, new ByteArrayInputStream(content, half, content.length - half));
                        s.sealAppendable(data);
                        s.move(data, key("par/" + u + "/published"));
                        s.deleteAppendable(data);
                        return null;
                    }));
                }
                for (Future<?> t : tasks) {
                    t.get();
                }
            }
            for (int i = 0; i < uploads; i++) {
                assertThat(readAll(store, key("par/" + i + "/published"))).isEqualTo(contents.get(i));
            }
            store.deleteAll(key("par"));
        }

        private static byte[] filled(int version, int size) {
            byte[] b = new byte[size];
            Arrays.fill(b, (byte) version);
            return b;
        }

        private static boolean uniform(byte[] b) {
            for (byte x : b) {
                if (x != b[0]) {
                    return false;
                }
            }
            return true;
        }
    }

    @Nested
    @DisplayName("large streams")
    class LargeStreams {

        @Test
        @DisplayName("a generated stream of hundreds of MiB (or GiB) appended in uneven chunks reads back with the same digest")
        void largeGeneratedStream() throws IOException {
            // given a seeded stream that is never held in memory
            long size = largeStreamBytes();
            long seed = 20261126L;
            SeededContent content = new SeededContent(seed, size);
            String expected = content.sha256();
            long[] chunks = {size / 3 + 12_345, size / 4 - 999, 1, size / 5};
            StorageKey data = key("large/data");
            store.createAppendable(data);
            long offset = 0;
            // when it arrives in chunks that do not line up with any boundary
            for (long chunk : chunks) {
                try (InputStream part = content.open(offset, chunk)) {
                    offset = store.append(data, offset, part);
                }
            }
            try (InputStream rest = content.open(offset, size - offset)) {
                offset = store.append(data, offset, rest);
            }
            assertThat(offset).isEqualTo(size);
            ObjectInfo sealed = store.sealAppendable(data);
            StorageKey published = key("large/published");
            store.move(data, published);
            store.deleteAppendable(data);
            // then
            assertThat(sealed.sizeBytes()).isEqualTo(size);
            assertThat(SeededContent.sha256(store.read(published, 0, -1))).isEqualTo(expected);
            long tailStart = size - 1_000_000;
            assertThat(SeededContent.sha256(store.read(published, tailStart, -1)))
                    .isEqualTo(SeededContent.sha256(content.open(tailStart, size - tailStart)));
            store.delete(published);
        }
    }

    @Nested
    @DisplayName("conditional writes and batch deletes")
    class ConditionalWrites {

        @Test
        @DisplayName("create-if-absent, replace-if-unchanged: a stale version changes nothing")
        void conditions() throws Exception {
            // given
            StorageKey lease = key("lease");

            // when / then: creating only if absent
            assertThat(store.writeSmallIfVersion(lease, "one".getBytes(StandardCharsets.UTF_8), null)).isTrue();
            ObjectStore.VersionedBytes first = store.readVersioned(lease, 100).orElseThrow();
            assertThat(first.content()).asString(StandardCharsets.UTF_8).isEqualTo("one");
            assertThat(store.writeSmallIfVersion(lease, "two".getBytes(StandardCharsets.UTF_8), null)).isFalse();

            // replacing only at the version read
            assertThat(anotherReplica().writeSmallIfVersion(lease, "three".getBytes(StandardCharsets.UTF_8), first.version())).isTrue();
            ObjectStore.VersionedBytes third = store.readVersioned(lease, 100).orElseThrow();
            assertThat(third.content()).asString(StandardCharsets.UTF_8).isEqualTo("three");
            assertThat(third.version()).isNotEqualTo(first.version());
            assertThat(store.writeSmallIfVersion(lease, "four".getBytes(StandardCharsets.UTF_8), first.version())).isFalse();
            assertThat(store.readSmall(lease, 100).orElseThrow()).asString(StandardCharsets.UTF_8).isEqualTo("three");
            assertThat(store.readVersioned(key("absent"), 100)).isEmpty();
            store.delete(lease);
        }

        @Test
        @DisplayName("many replicas racing to create one key: exactly one wins")
        void oneWinnerAmongRacers() throws Exception {
            // given
            StorageKey lease = key("raced-lease");
            try {
                // when
                List<String> winners = race(lease, null);

                // then
                assertThat(winners).hasSize(1);
            } finally {
                store.delete(lease);
            }
        }

        @Test
        @DisplayName("many replicas racing to replace one version: exactly one wins, and its content is what is stored")
        void oneWinnerAmongReplacers() throws Exception {
            // given: a key every racer has read at the same version (a quota ledger, the collector's lease)
            StorageKey ledger = key("raced-ledger");
            assertThat(store.writeSmallIfVersion(ledger, "initial".getBytes(StandardCharsets.UTF_8), null)).isTrue();
            String version = store.readVersioned(ledger, 100).orElseThrow().version();
            try {
                // when
                List<String> winners = race(ledger, version);

                // then
                assertThat(winners).hasSize(1);
                assertThat(store.readSmall(ledger, 100).orElseThrow()).asString(StandardCharsets.UTF_8).isEqualTo(winners.getFirst());
            } finally {
                store.delete(ledger);
            }
        }

        /** Eight replicas write {@code racer <i>} to {@code key} at {@code version} at the same moment; the winners. */
        private List<String> race(StorageKey key, String version) throws Exception {
            int racers = 8;
            List<ObjectStore> replicas = new ArrayList<>();
            for (int i = 0; i < racers; i++) {
                replicas.add(anotherReplica());
            }
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(racers);
            try (java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(racers)) {
                List<java.util.concurrent.Future<Boolean>> wins = new ArrayList<>();
                for (int i = 0; i < racers; i++) {
                    ObjectStore replica = replicas.get(i);
                    byte[] content = ("racer " + i).getBytes(StandardCharsets.UTF_8);
                    wins.add(threads.submit(() -> {
                        start.await();
                        return replica.writeSmallIfVersion(key, content, version);
                    }));
                }
                List<String> winners = new ArrayList<>();
                for (int i = 0; i < racers; i++) {
                    if (wins.get(i).get()) {
                        winners.add("racer " + i);
                    }
                }
                return winners;
            }
        }

        @Test
        @DisplayName("a batch delete removes every key given, absent ones included, across listing pages")
        void batchDelete() throws IOException {
            // given
            List<StorageKey> keys = new ArrayList<>();
            for (int i = 0; i < manyKeys(); i++) {
                StorageKey k = key(String.format("batch/%05d", i));
                store.writeSmall(k, new byte[]{1});
                keys.add(k);
            }
            keys.add(key("batch/never-written"));

            // when
            store.deleteBatch(keys);

            // then
            assertThat(store.list(key("batch"), null, 10).items()).isEmpty();
        }
    }
}
