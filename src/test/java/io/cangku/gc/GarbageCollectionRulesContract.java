package io.cangku.gc;

import io.cangku.oci.Digest;
import io.cangku.storage.ObjectInfo;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.StorageLayout;
import io.cangku.testing.MovableClock;
import io.cangku.testing.RegistryContext;
import io.cangku.testing.TestBlob;
import io.cangku.testing.TestImage;
import io.cangku.testing.TestImages;
import io.cangku.testing.TestIndex;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The collector's rules one by one, over real HTTP against real storage: what a run keeps, what it deletes,
 * a dry run, {@code deleteUntagged}, referrers, repository delete, empty repositories, fail-closed marking
 * and the lease. Time moves through a {@link MovableClock}: two hours ahead puts everything pushed so far
 * past the one-hour grace period. Each backend runs this in a subclass.
 */
abstract class GarbageCollectionRulesContract {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration PAST_GRACE = Duration.ofHours(2);

    /** Storage arguments for a fresh, empty store. */
    abstract List<String> freshStorage();

    MovableClock clock;
    RegistryContext registry;
    RegistryClient client;
    ObjectStore store;
    CollectionRuns runs;

    @BeforeEach
    void startRegistry() {
        clock = new MovableClock();
        List<String> arguments = new ArrayList<>(freshStorage());
        arguments.add("--registry.auth.mode=none");
        registry = RegistryContext.start(clock, arguments);
        client = new RegistryClient(registry.uri());
        store = registry.bean(ObjectStore.class);
        runs = registry.bean(CollectionRuns.class);
    }

    @AfterEach
    void stopRegistry() {
        registry.close();
    }

    // ------------------------------------------------------------------------------------------ the rules

    @Test
    @DisplayName("deleting an image frees what only it used; an image sharing its base layer still pulls whole")
    void freesWhatOnlyTheDeletedImageUsed() throws Exception {
        // given: two images sharing a base layer, in two repositories
        TestBlob base = layer("base", 40_000);
        TestImage first = image("first", base, layer("first-top", 30_000));
        TestImage second = image("second", base, layer("second-top", 20_000));
        client.pushImage("team/first", "1", first);
        client.pushImage("team/second", "1", second);
        long before = storedBlobBytes();

        // when: the first image is deleted and a collection runs past the grace period
        assertThat(client.delete("team/first", first.manifest().digest()).status()).isEqualTo(202);
        clock.advance(PAST_GRACE);
        GcReport report = collect(false, false);

        // then: its own blobs are gone, the shared base and the second image stay, whole
        assertThat(report.errors()).isEmpty();
        assertThat(stored(first.manifest())).isFalse();
        assertThat(stored(first.config())).isFalse();
        assertThat(stored(first.layers().get(1))).isFalse();
        assertThat(stored(base)).isTrue();
        assertThat(report.blobsDeleted()).isEqualTo(3);
        long freed = first.manifest().size() + first.config().size() + first.layers().get(1).size();
        assertThat(report.bytesFreed()).isEqualTo(freed);
        assertThat(before - storedBlobBytes()).isEqualTo(freed);
        assertPullsWhole("team/second", "1", second);
        // and the repository left empty leaves the catalog
        assertThat(report.repositoriesDeleted()).isEqualTo(1);
        assertThat(client.send("GET", "/v2/_catalog", null, null).text()).doesNotContain("team/first").contains("team/second");
        assertThat(client.send("GET", "/v2/team/first/tags/list", null, null).status()).isEqualTo(404);
        // and from the usage figures, which list only repositories that still exist
        assertThat(runs.usage().orElseThrow().repositories()).extracting(StorageUsage.RepositoryUsage::name)
                .contains("team/second").doesNotContain("team/first");
    }

    @Test
    @DisplayName("a dry run reports exactly what the real run then deletes, and touches nothing")
    void dryRunReportsWhatTheRealRunDeletes() throws Exception {
        // given
        TestImage kept = image("kept", layer("kept-layer", 10_000));
        TestImage dropped = image("dropped", layer("dropped-layer", 12_000));
        client.pushImage("dry/app", "kept", kept);
        client.pushImage("dry/app", "dropped", dropped);
        client.pushBlob("dry/app", layer("orphan-upload", 5_000));
        assertThat(client.delete("dry/app", dropped.manifest().digest()).status()).isEqualTo(202);
        clock.advance(PAST_GRACE);
        Set<String> objectsBefore = allObjects();

        // when
        GcReport dry = collect(true, false);

        // then: nothing moved, and the counts are those of the real run that follows
        assertThat(allObjects()).isEqualTo(objectsBefore);
        assertThat(dry.dryRun()).isTrue();
        GcReport real = collect(false, false);
        assertThat(dry.blobsDeleted()).isEqualTo(real.blobsDeleted()).isEqualTo(4);
        assertThat(dry.bytesFreed()).isEqualTo(real.bytesFreed());
        assertThat(dry.linksDeleted()).isEqualTo(real.linksDeleted()).isEqualTo(3);
        assertThat(dry.manifestsDeleted()).isEqualTo(real.manifestsDeleted());
        assertThat(dry.repositoriesDeleted()).isEqualTo(real.repositoriesDeleted()).isZero();
        assertPullsWhole("dry/app", "kept", kept);
    }

    @Test
    @DisplayName("nothing younger than the grace period goes: a layer uploaded before its manifest survives a run")
    void keepsWhatIsYoungerThanTheGracePeriod() throws Exception {
        // given: a client has uploaded layers and config but not yet put the manifest
        TestImage image = image("in-flight", layer("in-flight-layer", 8_000));
        client.pushBlob("young/app", image.config());
        client.pushBlob("young/app", image.layers().getFirst());

        // when: a collection runs within the grace period
        GcReport report = collect(false, true);

        // then: all kept, and the manifest PUT that follows is accepted and pulls whole
        assertThat(report.blobsDeleted()).isZero();
        assertThat(report.linksDeleted()).isZero();
        assertThat(client.putManifest("young/app", "1", image.manifest()).status()).isEqualTo(201);
        assertPullsWhole("young/app", "1", image);

        // and past the grace period, unreferenced uploads go
        client.pushBlob("young/app", layer("never-used", 3_000));
        clock.advance(PAST_GRACE);
        GcReport later = collect(false, false);
        assertThat(later.blobsDeleted()).isEqualTo(1);
        assertPullsWhole("young/app", "1", image);
    }

    @Test
    @DisplayName("deleteUntagged removes untagged manifests but keeps the children of a tagged index and referrers of tagged subjects")
    void deleteUntaggedKeepsIndexChildrenAndReferrers() throws Exception {
        // given: a tagged two-platform index (children pushed by digest), a referrer of a tagged image,
        // an untagged image, and an image whose tag moved away
        TestIndex index = TestImages.index(
                TestImages.image().seed(11).platform("linux", "amd64").build(),
                TestImages.image().seed(12).platform("linux", "arm64").build());
        client.pushIndex("multi/app", "1", index);
        TestImage signed = image("signed", layer("signed-layer", 6_000));
        client.pushImage("multi/app", "signed", signed);
        TestBlob signature = pushReferrer("multi/app", signed.manifest());
        TestImage untagged = image("untagged", layer("untagged-layer", 7_000));
        client.pushImage("multi/app", untagged.manifest().digest(), untagged);
        TestImage retagged = image("retagged", layer("retagged-layer", 7_500));
        client.pushImage("multi/app", "moving", retagged);
        client.pushImage("multi/app", "moving", image("newer", layer("newer-layer", 2_000)));
        clock.advance(PAST_GRACE);

        // when: without deleteUntagged, untagged manifests stay
        GcReport keepAll = collect(false, false);
        assertThat(keepAll.manifestsDeleted()).isZero();
        assertThat(client.getManifest("multi/app", untagged.manifest().digest()).status()).isEqualTo(200);

        // when: with deleteUntagged
        GcReport report = collect(false, true);

        // then: the untagged and the superseded images go, with their blobs
        assertThat(report.manifestsDeleted()).isEqualTo(2);
        assertThat(client.getManifest("multi/app", untagged.manifest().digest()).status()).isEqualTo(404);
        assertThat(client.getManifest("multi/app", retagged.manifest().digest()).status()).isEqualTo(404);
        assertThat(stored(untagged.layers().getFirst())).isFalse();
        assertThat(stored(retagged.layers().getFirst())).isFalse();
        // and the index with both children, the signed image and its referrer stay whole
        assertThat(client.getManifest("multi/app", "1").body()).isEqualTo(index.index().content());
        for (TestImage child : index.images()) {
            assertPullsWhole("multi/app", child.manifest().digest(), child);
        }
        assertPullsWhole("multi/app", "signed", signed);
        assertThat(client.getManifest("multi/app", signature.digest()).body()).isEqualTo(signature.content());
        assertThat(referrersOf("multi/app", signed.manifest())).containsExactly(signature.digest());
    }

    @Test
    @DisplayName("a referrer lives while its subject does: deleting the subject collects the referrer and its index entry")
    void referrerOfDeletedSubjectIsCollected() throws Exception {
        // given
        TestImage subject = image("subject", layer("subject-layer", 5_000));
        client.pushImage("ref/app", "1", subject);
        TestBlob signature = pushReferrer("ref/app", subject.manifest());
        TestImage other = image("other", layer("other-layer", 5_000));
        client.pushImage("ref/app", "2", other);

        // when
        assertThat(client.delete("ref/app", subject.manifest().digest()).status()).isEqualTo(202);
        clock.advance(PAST_GRACE);
        GcReport report = collect(false, false);

        // then
        assertThat(report.errors()).isEmpty();
        assertThat(client.getManifest("ref/app", signature.digest()).status()).isEqualTo(404);
        assertThat(stored(signature)).isFalse();
        assertThat(referrersOf("ref/app", subject.manifest())).isEmpty();
        assertThat(store.list(StorageLayout.repository(io.cangku.oci.RepositoryName.parse("ref/app")).resolve("_referrers"), null, 10)
                .items()).isEmpty();
        assertPullsWhole("ref/app", "2", other);
    }

    @Test
    @DisplayName("DELETE /api/repositories/{name} removes tags, revisions, links and the catalog entry; the collector frees its blobs but what others share")
    void repositoryDeleteThenCollect() throws Exception {
        // given
        TestBlob base = layer("repo-base", 9_000);
        TestImage doomed = image("doomed", base, layer("doomed-top", 4_000));
        TestImage survivor = image("survivor", base);
        client.pushImage("whole/doomed", "1", doomed);
        client.pushImage("whole/doomed", "2", image("doomed-2", layer("doomed-2-top", 1_000)));
        client.pushImage("whole/survivor", "1", survivor);

        // when
        assertThat(client.send("DELETE", "/api/repositories/whole/doomed", null, null).status()).isEqualTo(204);

        // then: gone from the API at once
        assertThat(client.send("GET", "/v2/whole/doomed/tags/list", null, null).status()).isEqualTo(404);
        assertThat(client.getManifest("whole/doomed", doomed.manifest().digest()).status()).isEqualTo(404);
        assertThat(client.send("GET", "/v2/_catalog", null, null).text()).doesNotContain("whole/doomed");
        assertThat(client.send("DELETE", "/api/repositories/whole/doomed", null, null).status()).isEqualTo(404);
        assertThat(client.send("DELETE", "/api/repositories/Not..valid", null, null).status()).isEqualTo(400);

        // and a collection frees its own blobs, not the shared base
        clock.advance(PAST_GRACE);
        GcReport report = collect(false, false);
        assertThat(report.blobsDeleted()).isEqualTo(6);
        assertThat(stored(base)).isTrue();
        assertPullsWhole("whole/survivor", "1", survivor);
    }

    @Test
    @DisplayName("usage figures: bytes each repository references, the part only it references, and the total stored")
    void usageFigures() throws Exception {
        // given
        TestBlob base = layer("usage-base", 10_000);
        TestImage a = image("usage-a", base, layer("usage-a-top", 3_000));
        TestImage b = image("usage-b", base);
        client.pushImage("usage/a", "1", a);
        client.pushImage("usage/b", "1", b);

        // when
        collect(true, false);
        StorageUsage usage = runs.usage().orElseThrow();

        // then
        StorageUsage.RepositoryUsage ua = usage.repositories().stream().filter(r -> r.name().equals("usage/a")).findFirst().orElseThrow();
        StorageUsage.RepositoryUsage ub = usage.repositories().stream().filter(r -> r.name().equals("usage/b")).findFirst().orElseThrow();
        long aOwn = a.manifest().size() + a.config().size() + a.layers().get(1).size();
        long bOwn = b.manifest().size() + b.config().size();
        assertThat(ua.referencedBytes()).isEqualTo(aOwn + base.size());
        assertThat(ua.exclusiveBytes()).isEqualTo(aOwn);
        assertThat(ub.referencedBytes()).isEqualTo(bOwn + base.size());
        assertThat(ub.exclusiveBytes()).isEqualTo(bOwn);
        assertThat(usage.bytesStored()).isEqualTo(aOwn + bOwn + base.size()).isEqualTo(storedBlobBytes());
        assertThat(client.send("GET", "/api/usage", null, null).status()).isEqualTo(200);
    }

    @Test
    @DisplayName("fails closed: a manifest that cannot be read keeps every blob and is reported")
    void unreadableManifestKeepsEverything() throws Exception {
        // given: garbage, and a held manifest whose stored bytes are not JSON (damaged, or from an old bug)
        TestImage image = image("intact", layer("intact-layer", 2_000));
        client.pushImage("closed/app", "1", image);
        TestBlob garbage = layer("garbage", 2_000);
        client.pushBlob("closed/app", garbage);
        byte[] unreadable = "not json".getBytes(StandardCharsets.UTF_8);
        Digest damaged = Digest.sha256Of(unreadable);
        store.writeSmall(StorageLayout.blob(damaged), unreadable);
        store.writeSmall(StorageLayout.manifestRevision(io.cangku.oci.RepositoryName.parse("closed/app"), damaged),
                TestImages.OCI_MANIFEST.getBytes(StandardCharsets.UTF_8));
        clock.advance(PAST_GRACE);

        // when
        GcReport report = collect(false, false);

        // then
        assertThat(report.blobSweepSkipped()).isTrue();
        assertThat(report.blobsDeleted()).isZero();
        assertThat(report.errors()).anySatisfy(e -> assertThat(e).contains("closed/app"));
        assertThat(stored(garbage)).isTrue();
        assertPullsWhole("closed/app", "1", image);
    }

    @Test
    @DisplayName("one run at a time: while another process holds the lease, POST /api/gc answers 409 and nothing runs")
    void secondRunIsRefusedWhileTheLeaseIsHeld() throws Exception {
        // given: a lease held elsewhere until well after now
        String foreign = "{\"runId\":\"001700000000000-abcdef01\",\"owner\":\"other-replica/1\",\"expiresAtEpochMilli\":"
                + clock.instant().plusSeconds(600).toEpochMilli() + ",\"token\":\"x\"}";
        assertThat(store.writeSmallIfVersion(StorageLayout.GC_LEASE, foreign.getBytes(StandardCharsets.UTF_8), null)).isTrue();

        // when
        RegistryClient.Reply reply = client.send("POST", "/api/gc", "application/json", "{\"dryRun\":true}".getBytes(StandardCharsets.UTF_8));

        // then
        assertThat(reply.status()).isEqualTo(409);
        assertThat(reply.text()).contains("other-replica/1");
        assertThat(client.send("GET", "/api/gc", null, null).text()).isEqualTo("[]");

        // and once it lapses, a run starts and finishes
        clock.advance(Duration.ofMinutes(11));
        RegistryClient.Reply started = client.send("POST", "/api/gc", "application/json", "{\"dryRun\":true}".getBytes(StandardCharsets.UTF_8));
        assertThat(started.status()).isEqualTo(202);
        String id = JSON.readTree(started.body()).get("id").asString();
        JsonNode run = awaitRun(id);
        assertThat(run.get("state").asString()).isEqualTo("succeeded");
        assertThat(run.get("report").get("dryRun").asBoolean()).isTrue();
    }

    // ------------------------------------------------------------------------------------------ helpers

    GcReport collect(boolean dryRun, boolean deleteUntagged) throws Exception {
        CollectionRun run = runs.runToEnd(dryRun, deleteUntagged, "test");
        assertThat(run.state()).as("run %s: %s", run.id(), run.error()).isEqualTo(CollectionRun.State.succeeded);
        return run.report();
    }

    JsonNode awaitRun(String id) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            RegistryClient.Reply reply = client.send("GET", "/api/gc/" + id, null, null);
            JsonNode run = JSON.readTree(reply.body());
            if (!run.get("state").asString().equals("running")) {
                return run;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("run " + id + " did not finish");
    }

    void assertPullsWhole(String repository, String reference, TestImage image) {
        assertThat(client.getManifest(repository, reference).body()).isEqualTo(image.manifest().content());
        for (TestBlob blob : image.blobs()) {
            RegistryClient.Reply reply = client.getBlob(repository, blob.digest());
            assertThat(reply.status()).as("GET %s in %s", blob, repository).isEqualTo(200);
            assertThat(reply.body()).isEqualTo(blob.content());
        }
    }

    List<String> referrersOf(String repository, TestBlob subject) {
        JsonNode index = JSON.readTree(client.send("GET", "/v2/" + repository + "/referrers/" + subject.digest(), null, null).body());
        List<String> digests = new ArrayList<>();
        index.get("manifests").forEach(m -> digests.add(m.get("digest").asString()));
        return digests;
    }

    /** Pushes a signature-like artifact whose subject is {@code subject}; returns its manifest. */
    TestBlob pushReferrer(String repository, TestBlob subject) {
        TestBlob empty = TestBlob.of("application/vnd.oci.empty.v1+json", "{}".getBytes(StandardCharsets.UTF_8));
        TestBlob payload = TestBlob.of("application/vnd.example.signature.v1", ("signed " + subject.digest()).getBytes(StandardCharsets.UTF_8));
        client.pushBlob(repository, empty);
        client.pushBlob(repository, payload);
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + TestImages.OCI_MANIFEST + "\","
                + "\"artifactType\":\"application/vnd.example.signature.v1\","
                + "\"config\":" + empty.descriptor() + ",\"layers\":[" + payload.descriptor() + "],"
                + "\"subject\":" + subject.descriptor() + "}";
        TestBlob blob = TestBlob.of(TestImages.OCI_MANIFEST, manifest.getBytes(StandardCharsets.UTF_8));
        assertThat(client.putManifest(repository, blob.digest(), blob).status()).isEqualTo(201);
        return blob;
    }

    static TestBlob layer(String name, int size) {
        byte[] bytes = new byte[size];
        new java.util.SplittableRandom(name.hashCode()).nextBytes(bytes);
        return TestBlob.of(TestImages.OCI_LAYER_GZIP, bytes);
    }

    /** An image with its own config and the given layers (layers may be shared with other images). */
    static TestImage image(String name, TestBlob... layers) {
        TestBlob config = TestBlob.of(TestImages.OCI_CONFIG, ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"name\":\"" + name + "\"}")
                .getBytes(StandardCharsets.UTF_8));
        StringBuilder manifest = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"" + TestImages.OCI_MANIFEST + "\",\"config\":")
                .append(config.descriptor()).append(",\"layers\":[");
        for (int i = 0; i < layers.length; i++) {
            manifest.append(i == 0 ? "" : ",").append(layers[i].descriptor());
        }
        manifest.append("]}");
        return new TestImage(TestBlob.of(TestImages.OCI_MANIFEST, manifest.toString().getBytes(StandardCharsets.UTF_8)),
                config, List.of(layers), List.of(), "linux", "amd64");
    }

    boolean stored(TestBlob blob) throws IOException {
        return store.stat(StorageLayout.blob(Digest.parse(blob.digest()))).isPresent();
    }

    long storedBlobBytes() throws IOException {
        long[] total = {0};
        store.forEach(StorageLayout.BLOBS, item -> total[0] += item.sizeBytes());
        return total[0];
    }

    /** Every key with its size and time, except the collector's own records. */
    Set<String> allObjects() throws IOException {
        Set<String> keys = new TreeSet<>();
        for (var prefix : List.of(StorageLayout.BLOBS, StorageLayout.REPOSITORIES, StorageLayout.CATALOG, StorageLayout.USE_MARKERS)) {
            store.forEach(prefix, (ObjectInfo item) -> keys.add(item.key() + " " + item.sizeBytes() + " " + item.lastModified()));
        }
        return keys;
    }
}
