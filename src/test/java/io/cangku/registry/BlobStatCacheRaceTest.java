package io.cangku.registry;

import io.cangku.oci.Digest;
import io.cangku.registry.BlobService.Removal;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.StorageKey;
import io.cangku.storage.StorageLayout;
import io.cangku.storage.filesystem.FilesystemObjectStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The blob-stat cache against a batch deletion on the same replica, each interleaving forced step by step
 * (storage calls held at latches): a read that found the blob stored before the batch deleted it must not
 * leave it cached after the batch, or every HEAD would answer 200 for a blob that is gone (see the gc
 * package's interleavings). {@code BatchIntentRaceTest} meets these by chance; here each one is made to happen.
 */
@DisplayName("The blob-stat cache never keeps a blob a concurrent batch deleted")
class BlobStatCacheRaceTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path root;

    private final Digest digest = Digest.sha256Of("a layer".getBytes(StandardCharsets.UTF_8));
    private final StorageKey blobKey = StorageLayout.blob(digest);
    /** Held by the test: the batch's deleteBatch waits at {@code deleteGate}, a stat of the blob at {@code statGate}. */
    private volatile CountDownLatch deleteEntered = new CountDownLatch(1);
    private volatile CountDownLatch deleteGate = new CountDownLatch(0);
    private volatile CountDownLatch statDone = new CountDownLatch(1);
    private volatile CountDownLatch statGate = new CountDownLatch(0);
    private BlobService blobs;
    /** Threads of their own: the common pool may have a single worker on a small machine. */
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @BeforeEach
    void storeWithOneBlob() throws Exception {
        ObjectStore filesystem = new FilesystemObjectStore(root);
        filesystem.writeSmall(blobKey, "a layer".getBytes(StandardCharsets.UTF_8));
        ObjectStore store = (ObjectStore) Proxy.newProxyInstance(ObjectStore.class.getClassLoader(),
                new Class<?>[]{ObjectStore.class}, (proxy, method, args) -> {
                    boolean deleting = method.getName().equals("deleteBatch");
                    if (deleting) {
                        deleteEntered.countDown();
                        await(deleteGate);
                    }
                    Object result;
                    try {
                        result = method.invoke(filesystem, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (method.getName().equals("stat") && blobKey.equals(args[0])) {
                        statDone.countDown();
                        await(statGate);
                    }
                    return result;
                });
        blobs = new BlobService(store, new RepositoryCatalog(store),
                ReliancePolicy.forGracePeriod(Duration.ofHours(1), Duration.ofMinutes(10)), Clock.systemUTC());
    }

    @Test
    @DisplayName("a read that starts while the batch deletes, and caches after the batch has dropped its digests")
    void readStartsDuringTheBatchAndCachesAfterIt() throws Exception {
        // given: the batch has counted itself and waits at its deletes
        deleteGate = new CountDownLatch(1);
        CompletableFuture<List<Removal>> batch = CompletableFuture.supplyAsync(this::collect, threads);
        assertThat(deleteEntered.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

        // when: a read stats the blob (stored), the batch deletes it and drops it from the cache, then the read caches
        statDone = new CountDownLatch(1); // the batch's own stat of the blob counted the first one down
        statGate = new CountDownLatch(1);
        CompletableFuture<Optional<BlobInfo>> read = CompletableFuture.supplyAsync(this::stat, threads);
        assertThat(statDone.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        deleteGate.countDown();
        assertThat(batch.get(WAIT.toSeconds(), TimeUnit.SECONDS)).hasSize(1);
        statGate.countDown();
        assertThat(read.get(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the read saw the blob before it went").isPresent();

        // then
        assertThat(blobs.stat(digest)).as("the blob, after the batch deleted it").isEmpty();
    }

    @Test
    @DisplayName("a read that stats before the batch starts and caches after the batch is over")
    void readStatsBeforeTheBatchAndCachesAfterIt() throws Exception {
        // given: a read has stat'ed the blob (stored) and waits before caching it
        statGate = new CountDownLatch(1);
        CompletableFuture<Optional<BlobInfo>> read = CompletableFuture.supplyAsync(this::stat, threads);
        assertThat(statDone.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

        // when: a whole batch runs, and only then the read caches what it saw
        statDone = new CountDownLatch(1);
        CountDownLatch held = statGate;
        statGate = new CountDownLatch(0); // the batch's own stats of the blob pass
        assertThat(collect()).hasSize(1);
        held.countDown();
        assertThat(read.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isPresent();

        // then
        assertThat(blobs.stat(digest)).as("the blob, after the batch deleted it").isEmpty();
    }

    @Test
    @DisplayName("a read with no batch anywhere near it is cached")
    void aQuietReadIsCached() throws Exception {
        assertThat(blobs.stat(digest)).isPresent();
        statDone = new CountDownLatch(1);
        assertThat(blobs.stat(digest)).isPresent();
        assertThat(statDone.getCount()).as("the second read answered from the cache, without a stat").isEqualTo(1);
    }

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    private List<Removal> collect() {
        try {
            return blobs.deleteUnlessRelied(List.of(new Removal(digest, List.of(blobKey), true)),
                    Instant.now().plusSeconds(60), "race");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Optional<BlobInfo> stat() {
        try {
            return blobs.stat(digest);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void await(CountDownLatch latch) throws InterruptedException {
        if (!latch.await(WAIT.toSeconds(), TimeUnit.SECONDS)) {
            throw new IllegalStateException("a latch the test holds was never released");
        }
    }
}
