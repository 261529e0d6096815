package io.cangku.gc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.cangku.storage.ObjectStore;
import io.cangku.testing.Backends;
import io.cangku.testing.RegistryContext;
import io.cangku.testing.TestBlob;
import io.cangku.testing.TestImages;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The collector against many pushing clients, on two replicas over one storage (collector on replica A,
 * pushes on replica B), with a grace period of a few seconds and collections back to back. Clients push
 * images sharing base layers, skip what HEAD says exists, re-push layers of images they deleted (so a HEAD
 * may answer 200 for a blob the collector is about to delete), re-tag, and delete by tag and by digest. A
 * client refused with {@code MANIFEST_BLOB_UNKNOWN} re-uploads and retries, as real clients do.
 *
 * <p>Afterwards: every acknowledged tag pulls byte-identical from both replicas, under 5 % of pushes were
 * refused, and after two collections past the grace period no blob is left that no manifest names (checked
 * by the test's own walk of storage, {@link StoredGarbage}).
 */
@Tag("large")
class GcTortureTest {

    private static final Duration GRACE = Duration.ofSeconds(6); // longer than one push takes on a loaded machine
    private static final Duration CHURN = Duration.ofSeconds(18);
    private static final int MIN_PUSHES = 30;
    private static final int CLIENTS = 4;
    private static final List<String> REPOSITORIES = List.of("torture/base", "torture/app", "torture/tools");
    /** Base images many pushes share: two layers each. */
    private static final List<List<TestBlob>> BASES = bases(4);
    private static final String ACCEPT = TestImages.OCI_MANIFEST + ", " + TestImages.OCI_INDEX;

    @Test
    @DisplayName("filesystem, two replicas on one root: no broken image, few refusals, no garbage left")
    void filesystem() throws Exception {
        torture("filesystem", Backends.filesystemArguments(Backends.newTempDir("cangku-gc-torture-")));
    }

    @Test
    @DisplayName("S3, two replicas on one bucket: no broken image, few refusals, no garbage left")
    void s3() throws Exception {
        torture("s3", Backends.s3Arguments(Backends.newBucketName()));
    }

    /** One image a client pushed: where, and every byte of it. */
    private record Pushed(String repository, String digest, byte[] manifest, List<TestBlob> blobs) {
    }

    /** Figures of one run, shared by the client threads. */
    private static final class Figures {
        final AtomicLong pushes = new AtomicLong();
        final AtomicLong pushesRefused = new AtomicLong();
        final AtomicLong refusals = new AtomicLong();
        final AtomicLong blobsSkipped = new AtomicLong();
        final AtomicLong blobsUploaded = new AtomicLong();
        final AtomicLong retags = new AtomicLong();
        final AtomicLong deletesByTag = new AtomicLong();
        final AtomicLong deletesByDigest = new AtomicLong();
        final AtomicLong collections = new AtomicLong();
        final AtomicLong blobsCollected = new AtomicLong();
        final ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<String> collectionProblems = new ConcurrentLinkedQueue<>();
        /** Where a refused client's blobs are, for the failure message: the storage both replicas share. */
        volatile ObjectStore store;
    }

    private void torture(String backend, List<String> storage) throws Exception {
        String[] settings = {"--registry.gc.grace-period=" + GRACE.toSeconds() + "s", "--registry.gc.lease-ttl=5s"};
        try (RegistryContext a = RegistryContext.startOpen(storage, settings);
             RegistryContext b = RegistryContext.startOpen(storage, settings)) {
            // given: clients pushing on B while A collects back to back
            GcHttp onA = new GcHttp(a.uri());
            GcHttp onB = new GcHttp(b.uri());
            Figures figures = new Figures();
            figures.store = a.bean(ObjectStore.class);
            AtomicBoolean stop = new AtomicBoolean();
            Thread collector = Thread.ofPlatform().name("torture-collector").start(
                    () -> collectBackToBack(a.bean(CollectionRuns.class), stop, figures));
            List<Map<String, Pushed>> tagsOfClients = new ArrayList<>();
            List<Thread> clients = new ArrayList<>();
            long end = System.nanoTime() + CHURN.toNanos();

            // when
            for (int i = 0; i < CLIENTS; i++) {
                Map<String, Pushed> tags = Collections.synchronizedMap(new HashMap<>());
                tagsOfClients.add(tags);
                int client = i;
                clients.add(Thread.ofPlatform().name("torture-client-" + i).start(
                        () -> churn(client, onB, tags, end, figures)));
            }
            for (Thread client : clients) {
                client.join();
            }
            stop.set(true);
            collector.join();

            // then: every acknowledged tag pulls whole, from either replica
            Map<String, Pushed> acknowledged = new HashMap<>();
            tagsOfClients.forEach(acknowledged::putAll);
            assertThat(figures.unexpected).as("replies no client should get").isEmpty();
            List<String> broken = new ArrayList<>();
            broken.addAll(brokenImages(onA, acknowledged));
            broken.addAll(brokenImages(onB, acknowledged));

            // and after two collections past the grace period, no blob that no manifest names
            Thread.sleep(GRACE.plusSeconds(1).toMillis());
            JsonNode first = collectOverApi(onA);
            CollectionRun second = a.bean(CollectionRuns.class).runToEnd(false, false, "torture final");
            StoredGarbage.Walk walk = StoredGarbage.walk(a.bean(ObjectStore.class));
            broken.addAll(brokenImages(onB, acknowledged));

            long pushes = figures.pushes.get();
            double refusedShare = pushes == 0 ? 0 : 100.0 * figures.pushesRefused.get() / pushes;
            System.out.printf("GC torture (%s): %d pushes (%d blobs uploaded, %d skipped after HEAD), %d re-tags, "
                            + "%d deletes by tag, %d by digest; %d pushes refused with MANIFEST_BLOB_UNKNOWN (%.2f %%, "
                            + "%d refusals in all); %d collections during the churn deleted %d blobs; %d tags "
                            + "acknowledged and kept, %d broken; final runs deleted %s + %d blobs, left %d blobs "
                            + "(%d bytes), %d unnamed%n",
                    backend, pushes, figures.blobsUploaded.get(), figures.blobsSkipped.get(), figures.retags.get(),
                    figures.deletesByTag.get(), figures.deletesByDigest.get(), figures.pushesRefused.get(), refusedShare,
                    figures.refusals.get(), figures.collections.get(), figures.blobsCollected.get(), acknowledged.size(),
                    broken.size(), first.path("report").path("blobsDeleted"), second.report().blobsDeleted(),
                    walk.stored().size(), walk.storedBytes(), walk.unnamed().size());
            figures.collectionProblems.forEach(problem -> System.out.println("GC torture (" + backend + "): " + problem));

            assertThat(broken).as("acknowledged tags that do not pull whole").isEmpty();
            assertThat(pushes).as("the clients got work done").isGreaterThanOrEqualTo(MIN_PUSHES);
            assertThat(figures.collections.get()).as("collections ran during the churn").isGreaterThan(2);
            assertThat(figures.blobsCollected.get()).as("the churn made garbage that collections freed").isPositive();
            assertThat(refusedShare).as("share of pushes refused with MANIFEST_BLOB_UNKNOWN").isLessThan(5.0);
            assertThat(first.path("state").asString()).as("%s", first).isEqualTo("succeeded");
            assertThat(second.state()).as("%s", second).isEqualTo(CollectionRun.State.succeeded);
            assertThat(walk.revisionsWithoutBytes()).as("revisions whose manifest bytes are gone").isEmpty();
            assertThat(walk.unnamed()).as("blobs no manifest names, two collections past the grace period").isEmpty();
        }
    }

    private static void collectBackToBack(CollectionRuns runs, AtomicBoolean stop, Figures figures) {
        while (!stop.get()) {
            try {
                CollectionRun run = runs.runToEnd(false, false, "torture");
                figures.collections.incrementAndGet();
                if (run.report() != null) {
                    figures.blobsCollected.addAndGet(run.report().blobsDeleted());
                    run.report().errors().forEach(e -> figures.collectionProblems.add("run " + run.id() + ": " + e));
                } else {
                    figures.collectionProblems.add("run " + run.id() + " " + run.state() + ": " + run.error());
                }
            } catch (CollectionRuns.AlreadyRunningException | IOException | RuntimeException e) {
                figures.collectionProblems.add("could not run: " + e);
            }
        }
    }

    /** One client: pushes, re-tags and deletes until {@code end}, keeping the tags it was answered 201 for. */
    private static void churn(int client, GcHttp http, Map<String, Pushed> tags, long end, Figures figures) {
        SplittableRandom random = new SplittableRandom(client * 7919L + System.nanoTime());
        List<Pushed> deleted = new ArrayList<>();
        int counter = 0;
        // Until the churn's time is up and enough pushes were made, so a slow machine still tests something;
        // at most four times the churn's time.
        long cap = end + 3 * CHURN.toNanos();
        while (System.nanoTime() < cap && (System.nanoTime() < end || figures.pushes.get() < MIN_PUSHES)) {
            try {
                int dice = random.nextInt(100);
                List<String> mine = new ArrayList<>(tags.keySet());
                if (dice < 60 || mine.size() < 3) {
                    // a new image, sometimes over a tag of ours (the old one stays, untagged)
                    String tag = !mine.isEmpty() && random.nextInt(5) == 0
                            ? mine.get(random.nextInt(mine.size())) : "c" + client + "-" + counter++;
                    String repository = tags.containsKey(tag) ? tags.get(tag).repository()
                            : REPOSITORIES.get(random.nextInt(REPOSITORIES.size()));
                    Pushed image = newImage(client, counter++, repository, random, deleted);
                    if (push(http, image, tag, figures)) {
                        tags.put(tag, image);
                    }
                } else if (dice < 72) {
                    // re-tag one of ours
                    Pushed image = tags.get(mine.get(random.nextInt(mine.size())));
                    String tag = "c" + client + "-" + counter++;
                    figures.retags.incrementAndGet();
                    if (push(http, image, tag, figures)) {
                        tags.put(tag, image);
                    }
                } else if (dice < 84) {
                    String tag = mine.get(random.nextInt(mine.size()));
                    Pushed image = tags.get(tag);
                    GcHttp.Reply reply = http.delete("/v2/" + image.repository() + "/manifests/" + tag);
                    expect(reply, 202, "DELETE tag " + tag, figures);
                    tags.remove(tag);
                    figures.deletesByTag.incrementAndGet();
                } else if (dice < 96) {
                    Pushed image = tags.get(mine.get(random.nextInt(mine.size())));
                    GcHttp.Reply reply = http.delete("/v2/" + image.repository() + "/manifests/" + image.digest());
                    expect(reply, 202, "DELETE " + image.digest(), figures);
                    // a delete by digest takes every tag of it along
                    tags.values().removeIf(other -> other.digest().equals(image.digest())
                            && other.repository().equals(image.repository()));
                    deleted.add(image);
                    figures.deletesByDigest.incrementAndGet();
                } else {
                    Map<String, Pushed> one = Map.of(mine.get(0), tags.get(mine.get(0)));
                    brokenImages(http, one).forEach(figures.unexpected::add);
                }
            } catch (RuntimeException e) {
                figures.unexpected.add("client " + client + ": " + e);
            }
        }
    }

    /**
     * Pushes as a client does: HEAD each blob and upload the missing ones, then PUT the manifest; when refused
     * with MANIFEST_BLOB_UNKNOWN, upload every blob again and retry. True when a PUT answered 201.
     */
    private static boolean push(GcHttp http, Pushed image, String tag, Figures figures) {
        figures.pushes.incrementAndGet();
        boolean refused = false;
        GcHttp.Reply last = null;
        for (int attempt = 0; attempt < 4; attempt++) {
            for (TestBlob blob : image.blobs()) {
                if (attempt == 0 && http.head("/v2/" + image.repository() + "/blobs/" + blob.digest()).status() == 200) {
                    figures.blobsSkipped.incrementAndGet();
                    continue;
                }
                GcHttp.Reply uploaded = http.upload(image.repository(), blob.digest(), blob.content());
                figures.blobsUploaded.incrementAndGet();
                if (!expect(uploaded, 201, "upload " + blob.digest(), figures)) {
                    return false;
                }
            }
            GcHttp.Reply reply = http.putManifest(image.repository(), tag, TestImages.OCI_MANIFEST, image.manifest());
            if (reply.status() == 201) {
                return true;
            }
            if (reply.status() == 400 && "MANIFEST_BLOB_UNKNOWN".equals(reply.errorCode())) {
                last = reply;
                if (figures.refusals.incrementAndGet() <= 5) {
                    figures.collectionProblems.add("refused " + image.repository() + ":" + tag + ": " + reply
                            + "; " + whatStorageHolds(figures.store, image.repository(), reply));
                }
                if (!refused) {
                    figures.pushesRefused.incrementAndGet();
                    refused = true;
                }
                continue;
            }
            expect(reply, 201, "PUT " + image.repository() + ":" + tag, figures);
            return false;
        }
        figures.unexpected.add("PUT " + image.repository() + ":" + tag + " refused four times after re-uploading: " + last
                + "; " + whatStorageHolds(figures.store, image.repository(), last));
        return false;
    }

    /** The link and the blob of the digest a refusal names, as storage shows them right after it. */
    private static String whatStorageHolds(ObjectStore store, String repository, GcHttp.Reply refusal) {
        try {
            io.cangku.oci.Digest digest = io.cangku.oci.Digest.parse(refusal.json().path("errors").path(0)
                    .path("detail").path("digest").asString());
            io.cangku.oci.RepositoryName name = io.cangku.oci.RepositoryName.parse(repository);
            return "link " + store.stat(io.cangku.storage.StorageLayout.layerLink(name, digest))
                    + ", blob " + store.stat(io.cangku.storage.StorageLayout.blob(digest))
                    + ", use " + store.stat(io.cangku.storage.StorageLayout.useMarker(digest))
                    + ", intents " + store.list(io.cangku.storage.StorageLayout.DELETION_INTENTS, null, 10).items()
                    + ", at " + java.time.Instant.now();
        } catch (IOException | RuntimeException e) {
            return "storage unreadable: " + e;
        }
    }

    private static boolean expect(GcHttp.Reply reply, int status, String what, Figures figures) {
        if (reply.status() != status) {
            figures.unexpected.add(what + " -> " + reply);
            return false;
        }
        return true;
    }

    /** A fresh config, one of the shared bases, and an app layer: new, or one of an image deleted earlier. */
    private static Pushed newImage(int client, int counter, String repository, SplittableRandom random, List<Pushed> deleted) {
        List<TestBlob> layers = new ArrayList<>(BASES.get(random.nextInt(BASES.size())));
        if (!deleted.isEmpty() && random.nextBoolean()) {
            List<TestBlob> old = deleted.get(random.nextInt(Math.max(0, deleted.size() - 20), deleted.size())).blobs();
            layers.add(old.get(old.size() - 1));
        } else {
            byte[] app = new byte[1024 + random.nextInt(4 * 1024)];
            random.nextBytes(app);
            layers.add(TestBlob.of(TestImages.OCI_LAYER_GZIP, app));
        }
        ObjectNode configJson = JsonNodeFactory.instance.objectNode();
        configJson.put("architecture", "amd64").put("os", "linux");
        configJson.putObject("config").putObject("Labels").put("io.cangku.torture", client + "-" + counter + "-" + random.nextLong());
        TestBlob config = TestBlob.of(TestImages.OCI_CONFIG, GcHttp.JSON.writeValueAsBytes(configJson));
        ObjectNode manifest = JsonNodeFactory.instance.objectNode();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", TestImages.OCI_MANIFEST);
        manifest.set("config", config.descriptor());
        ArrayNode descriptors = manifest.putArray("layers");
        layers.forEach(layer -> descriptors.add(layer.descriptor()));
        byte[] bytes = GcHttp.JSON.writeValueAsBytes(manifest);
        List<TestBlob> blobs = new ArrayList<>();
        blobs.add(config);
        blobs.addAll(layers); // the app layer last: newImage recycles it from here
        return new Pushed(repository, TestBlob.sha256(bytes), bytes, blobs);
    }

    /** Tags whose manifest or any blob does not come back byte for byte, each with what went wrong. */
    private static List<String> brokenImages(GcHttp http, Map<String, Pushed> tags) {
        List<String> broken = new ArrayList<>();
        tags.forEach((tag, image) -> {
            String name = image.repository() + ":" + tag;
            GcHttp.Reply manifest = http.get("/v2/" + image.repository() + "/manifests/" + tag, "Accept", ACCEPT);
            if (manifest.status() != 200 || !java.util.Arrays.equals(manifest.body(), image.manifest())) {
                broken.add(name + ": manifest " + manifest);
                return;
            }
            for (TestBlob blob : image.blobs()) {
                GcHttp.Reply got = http.get("/v2/" + image.repository() + "/blobs/" + blob.digest());
                if (got.status() != 200 || !java.util.Arrays.equals(got.body(), blob.content())) {
                    broken.add(name + ": blob " + blob.digest() + " " + got.status());
                }
            }
        });
        return broken;
    }

    /** POST /api/gc, then polls the run until it ends; returns its record. */
    private static JsonNode collectOverApi(GcHttp http) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        GcHttp.Reply started = http.startCollection(false);
        while (started.status() == 409 && System.nanoTime() < deadline) {
            Thread.sleep(200); // the churn's last run may still hold the lease
            started = http.startCollection(false);
        }
        assertThat(started.status()).as("POST /api/gc: %s", started).isEqualTo(202);
        String id = started.json().path("id").asString();
        while (System.nanoTime() < deadline) {
            JsonNode run = http.collection(id);
            if (!"running".equals(run.path("state").asString())) {
                return run;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("collection " + id + " did not finish within a minute");
    }

    private static List<List<TestBlob>> bases(int count) {
        List<List<TestBlob>> bases = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            SplittableRandom random = new SplittableRandom(4242 + i);
            List<TestBlob> layers = new ArrayList<>();
            for (int layer = 0; layer < 2; layer++) {
                byte[] bytes = new byte[8 * 1024];
                random.nextBytes(bytes);
                layers.add(TestBlob.of(TestImages.OCI_LAYER_GZIP, bytes));
            }
            bases.add(layers);
        }
        return bases;
    }
}
