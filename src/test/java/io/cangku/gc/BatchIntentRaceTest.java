package io.cangku.gc;

import io.cangku.oci.Digest;
import io.cangku.registry.BlobService;
import io.cangku.registry.BlobService.Removal;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.StorageLayout;
import io.cangku.testing.Backends;
import io.cangku.testing.RegistryContext;
import io.cangku.testing.TestBlob;
import io.cangku.testing.TestImage;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Manifest PUTs racing the collector's deletion of the very digests they name, while the one deletion intent
 * of the batch is written, checked and removed: every acknowledged manifest must pull whole afterwards, and a
 * refused one is pushed again as a client would. Each round, several clients PUT manifests whose config and
 * layer were uploaded before the cutoff (so the collector may take them) at the moment the collector deletes
 * the whole batch of those digests through {@link BlobService#deleteUnlessRelied}.
 */
class BatchIntentRaceTest {

    private static final int ROUNDS = 8;
    private static final int PUSHERS = 6;
    /**
     * Digests of nothing stored, spread through each batch among the real ones, so the intent stands long
     * enough (the collector re-reads two keys for each) for PUTs to land before, during and after it.
     */
    private static final int PADDING = 200;
    /** Storage times may lag the clock by a scheduler tick (filesystem) or be cut to the second (S3). */
    private static final Duration TIMESTAMP_SLACK = Duration.ofMillis(50);

    @Test
    @DisplayName("filesystem: no acknowledged manifest loses a blob to a batch deleted under its PUT")
    void filesystem() throws Exception {
        race(Backends.filesystemArguments(Backends.newTempDir("cangku-batch-intent-")));
    }

    @Test
    @DisplayName("S3: no acknowledged manifest loses a blob to a batch deleted under its PUT")
    void s3() throws Exception {
        race(Backends.s3Arguments(Backends.newBucketName()));
    }

    private void race(List<String> storage) throws Exception {
        // A grace period of seconds, so that the uploads below are older than the refresh interval by the time
        // the manifests are PUT, as any upload older than a real run's cutoff is: a PUT then rewrites each use
        // marker it relies on. (With an hour's grace the markers, seconds old, counted as fresh to the PUT and
        // as older than this test's cutoff to the batch: a combination no real run meets, in which a PUT that
        // finished before the batch wrote its intent lost its blobs to it.)
        try (RegistryContext registry = RegistryContext.startOpen(storage, "--registry.gc.grace-period=4s")) {
            RegistryClient client = new RegistryClient(registry.uri());
            BlobService blobs = registry.bean(BlobService.class);
            ObjectStore store = registry.bean(ObjectStore.class);

            // given: every image's config and layer uploaded (linked, use-marked), no manifest pushed yet, all of
            // it older than a cutoff that every write from now on comes after
            List<List<TestImage>> rounds = new ArrayList<>();
            for (int round = 0; round < ROUNDS; round++) {
                List<TestImage> images = new ArrayList<>();
                for (int pusher = 0; pusher < PUSHERS; pusher++) {
                    String name = "batch-" + round + "-" + pusher;
                    TestImage image = GarbageCollectionRulesContract.image(name, GarbageCollectionRulesContract.layer(name, 2_000));
                    image.blobs().stream().filter(b -> b != image.manifest()).forEach(b -> client.pushBlob("race/batch", b));
                    images.add(image);
                }
                rounds.add(images);
            }
            Instant cutoff = Instant.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
            while (Instant.now().isBefore(cutoff.plus(TIMESTAMP_SLACK))) {
                Thread.onSpinWait(); // until storage stamps every later write at or after the cutoff
            }
            Thread.sleep(blobs.reliance().refreshAfter().plus(TIMESTAMP_SLACK).toMillis()); // see the grace period

            // when: each round, the clients PUT their manifests while the collector deletes the batch they name
            List<TestImage> acknowledged = new ArrayList<>();
            int refusals = 0;
            int deleted = 0;
            ExecutorService threads = Executors.newFixedThreadPool(PUSHERS + 1);
            try {
                for (int round = 0; round < ROUNDS; round++) {
                    List<TestImage> images = rounds.get(round);
                    List<Removal> batch = new ArrayList<>();
                    for (int i = 0; i < PADDING; i++) {
                        batch.add(removal(Digest.sha256Of(("padding " + round + " " + i).getBytes(StandardCharsets.UTF_8))));
                    }
                    Set<Digest> named = new HashSet<>();
                    SplittableRandom random = new SplittableRandom(round);
                    for (TestImage image : images) {
                        for (TestBlob blob : List.of(image.config(), image.layers().getFirst())) {
                            Digest digest = Digest.parse(blob.digest());
                            named.add(digest);
                            batch.add(random.nextInt(batch.size() + 1), removal(digest));
                        }
                    }
                    CyclicBarrier start = new CyclicBarrier(PUSHERS + 1);
                    String runId = "race-" + round;
                    Future<Integer> collector = threads.submit(() -> {
                        start.await();
                        return (int) blobs.deleteUnlessRelied(batch, cutoff, runId).stream()
                                .filter(r -> named.contains(r.digest())).count();
                    });
                    List<Future<Integer>> pushes = new ArrayList<>();
                    for (int pusher = 0; pusher < PUSHERS; pusher++) {
                        TestImage image = images.get(pusher);
                        String tag = "r" + round + "-p" + pusher;
                        pushes.add(threads.submit(() -> {
                            start.await();
                            return putAsAClientWould(client, tag, image, collector);
                        }));
                    }
                    deleted += collector.get();
                    for (int pusher = 0; pusher < PUSHERS; pusher++) {
                        int refused = pushes.get(pusher).get();
                        refusals += refused;
                        acknowledged.add(images.get(pusher));
                    }
                    assertThat(store.list(StorageLayout.DELETION_INTENTS, null, 10).items())
                            .as("deletion intents left after round %d", round).isEmpty();
                }
            } finally {
                threads.shutdownNow();
            }

            // then: every acknowledged manifest pulls whole, byte for byte
            System.out.printf("batch intent race: %d manifests acknowledged, %d PUTs refused and pushed again, "
                    + "%d of their %d blobs deleted under them%n", acknowledged.size(), refusals, deleted, ROUNDS * PUSHERS * 2);
            for (int i = 0; i < acknowledged.size(); i++) {
                TestImage image = acknowledged.get(i);
                String tag = "r" + (i / PUSHERS) + "-p" + (i % PUSHERS);
                assertThat(client.getManifest("race/batch", tag).body()).as("manifest %s", tag).isEqualTo(image.manifest().content());
                for (TestBlob blob : image.blobs()) {
                    RegistryClient.Reply reply = client.getBlob("race/batch", blob.digest());
                    assertThat(reply.status()).as("GET %s of %s", blob.digest(), tag).isEqualTo(200);
                    assertThat(reply.body()).isEqualTo(blob.content());
                }
            }
        }
    }

    private static Removal removal(Digest digest) {
        return new Removal(digest, List.of(StorageLayout.blob(digest)), true);
    }

    /**
     * PUTs the manifest without uploading (the blobs were, before); when refused with MANIFEST_BLOB_UNKNOWN, uploads
     * its blobs again and retries, as clients do. Once the batch is over and the blobs were uploaded again, the
     * PUT must succeed. Returns how many times it was refused.
     */
    private static int putAsAClientWould(RegistryClient client, String tag, TestImage image, Future<?> batch) {
        boolean uploadedAfterTheBatch = false;
        for (int refused = 0; ; refused++) {
            RegistryClient.Reply reply = client.putManifest("race/batch", tag, image.manifest());
            if (reply.status() == 201) {
                return refused;
            }
            String body = new String(reply.body(), StandardCharsets.UTF_8);
            assertThat(body).as("PUT %s", tag).contains("MANIFEST_BLOB_UNKNOWN");
            assertThat(uploadedAfterTheBatch).as("PUT %s refused after the batch was over and its blobs uploaded again: %s",
                    tag, body).isFalse();
            uploadedAfterTheBatch = batch.isDone();
            image.blobs().stream().filter(b -> b != image.manifest()).forEach(b -> client.pushBlob("race/batch", b));
        }
    }
}
