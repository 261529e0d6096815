package io.cangku.quota;

import io.cangku.gc.GcHttp;
import io.cangku.gc.GcHttp.Reply;
import io.cangku.testing.MovableClock;
import io.cangku.testing.RegistryContext;
import io.cangku.testing.TestBlob;
import io.cangku.testing.TestImage;
import io.cangku.testing.TestImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Storage quotas over real HTTP against real storage: a push that would cross the quota is refused with 403
 * DENIED naming the usage and the limit, a layer shared inside the scope counts once, and after a manifest is
 * deleted and a collection has run the same push is accepted; pushes racing at the limit cannot both pass. One
 * registry per class (each test has its own quota and repositories); time moves through a {@link MovableClock}.
 * Each backend runs this in a subclass.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class QuotaContract {

    /** Storage arguments for a fresh, empty store. */
    abstract List<String> freshStorage();

    MovableClock clock;
    RegistryContext registry;
    GcHttp http;

    @BeforeAll
    void startRegistry() {
        clock = new MovableClock();
        List<String> arguments = new ArrayList<>(freshStorage());
        arguments.add("--registry.auth.mode=none");
        arguments.add("--registry.quotas[0].name=declared");
        arguments.add("--registry.quotas[0].repositories=cfg/**");
        arguments.add("--registry.quotas[0].limit=1MB");
        registry = RegistryContext.start(clock, arguments);
        http = new GcHttp(registry.uri());
    }

    @AfterAll
    void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    @DisplayName("a push that would cross the quota is refused with 403 DENIED naming usage and limit; a shared layer counts once; "
            + "after a delete and a collection the same push is accepted")
    void refusesPushOverQuotaCountsSharedLayerOnceAndAcceptsAfterCollection() {
        // given: two images in two repositories of the scope, sharing their base layer, and a third image that
        // fits only once the first is gone
        TestImage one = TestImages.image().seed(31_001).randomLayers(2, 20 * 1024).build();
        TestImage two = TestImages.image().seed(31_002).sharedFirstLayer(31_001).randomLayers(2, 20 * 1024).build();
        TestImage three = TestImages.image().seed(31_003).randomLayers(2, 20 * 1024).build();
        assertThat(two.layers().getFirst().digest()).isEqualTo(one.layers().getFirst().digest());
        long usedByBoth = distinctBytes(one, two);
        long limit = usedByBoth + bytesOf(three) - 1; // over by one byte while both are held
        assertThat(bytesOf(one) - bytesOf(one.layers().getFirst())).as("what deleting one frees").isGreaterThan(1);
        JsonNode created = putQuota("team-a", "team-a/**", Long.toString(limit), 201);
        assertThat(created.path("usedBytes").asLong()).isZero();

        // when: both are pushed, and one of them again under another tag, and into a repository outside the scope
        push("team-a/one", "1", one);
        push("team-a/two", "1", two);
        putManifest("team-a/two", "again", two.manifest(), 201);
        push("team-b/elsewhere", "1", three);

        // then: the shared layer, and the image pushed twice, count once; the other scope is not counted
        JsonNode usage = quota("team-a");
        assertThat(usage.path("usedBytes").asLong()).isEqualTo(usedByBoth);
        assertThat(usage.path("limitBytes").asLong()).isEqualTo(limit);
        assertThat(usage.path("blobs").asLong()).as("3 distinct layers, 2 configs, 2 manifests").isEqualTo(7);

        // when: the third image would cross the limit
        pushBlobs("team-a/three", three);
        Reply refused = putManifest("team-a/three", "1", three.manifest(), 403);

        // then: the spec's DENIED, a message naming the quota, the usage and the limit, and nothing stored
        JsonNode error = refused.json().path("errors").get(0);
        assertThat(error.path("code").asString()).isEqualTo("DENIED");
        assertThat(error.path("message").asString()).contains("quota 'team-a'", "team-a/**",
                "already use", usedByBoth + " bytes", "limit of", limit + " bytes", bytesOf(three) + " bytes");
        assertThat(error.path("detail").path("usedBytes").asLong()).isEqualTo(usedByBoth);
        assertThat(error.path("detail").path("limitBytes").asLong()).isEqualTo(limit);
        assertThat(http.get("/v2/team-a/three/manifests/1").status()).isEqualTo(404);
        assertThat(http.get("/v2/team-a/three/manifests/" + three.manifest().digest()).status()).isEqualTo(404);
        assertThat(quota("team-a").path("usedBytes").asLong()).isEqualTo(usedByBoth);

        // when: the first image is deleted and, past the grace period, a collection runs
        assertThat(http.delete("/v2/team-a/one/manifests/" + one.manifest().digest()).status()).isEqualTo(202);
        clock.advance(Duration.ofHours(2));
        collect();

        // then: the usage falls by what only the first image held, and the same push is accepted
        long usedByTwo = distinctBytes(two);
        awaitUsage("team-a", usedByTwo);
        pushBlobs("team-a/three", three);
        putManifest("team-a/three", "1", three.manifest(), 201);
        assertThat(quota("team-a").path("usedBytes").asLong()).isEqualTo(usedByTwo + bytesOf(three));
    }

    @Test
    @DisplayName("four pushes racing for room for one: exactly one is accepted, and the usage counts it alone")
    void racingPushesAtTheLimitCannotBothPass() throws Exception {
        // given: four images of the same size in four repositories of a scope with room for one of them
        List<TestImage> images = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            images.add(TestImages.image().seed(32_000 + i).randomLayers(1, 30 * 1024).build());
        }
        long largest = images.stream().mapToLong(QuotaContract::bytesOf).max().orElseThrow();
        long smallest = images.stream().mapToLong(QuotaContract::bytesOf).min().orElseThrow();
        assertThat(2 * smallest).isGreaterThan(largest + 1024);
        putQuota("race", "race/**", Long.toString(largest + 1024), 201);
        for (int i = 0; i < images.size(); i++) {
            pushBlobs("race/r" + i, images.get(i));
        }

        // when: their manifests are pushed at the same moment
        List<Reply> replies = putManifestsAtOnce("race/r", "1", images);

        // then
        List<Integer> statuses = new ArrayList<>();
        int accepted = -1;
        for (int i = 0; i < replies.size(); i++) {
            Reply reply = replies.get(i);
            statuses.add(reply.status());
            if (reply.status() == 201) {
                accepted = i;
            } else {
                assertThat(reply.errorCode()).as("%s", reply).isEqualTo("DENIED");
            }
        }
        assertThat(statuses).as("%s", statuses).containsOnly(201, 403).containsOnlyOnce(201);
        assertThat(quota("race").path("usedBytes").asLong()).isEqualTo(bytesOf(images.get(accepted)));
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    @DisplayName("pushes racing into a scope that has no ledger wait for one count of it instead of each walking the scope")
    void racingPushesWithoutALedgerShareOneCount(CapturedOutput output) throws Exception {
        // given: eight repositories under a quota, each with an image held and one more uploaded, and the ledger gone
        int repositories = 8;
        List<TestImage> held = new ArrayList<>();
        List<TestImage> next = new ArrayList<>();
        putQuota("burst", "burst/**", "100MB", 201);
        for (int i = 0; i < repositories; i++) {
            held.add(TestImages.image().seed(35_000 + i).randomLayers(1, 4 * 1024).build());
            next.add(TestImages.image().seed(35_100 + i).randomLayers(1, 4 * 1024).build());
            push("burst/r" + i, "1", held.get(i));
            pushBlobs("burst/r" + i, next.get(i));
        }
        registry.bean(io.cangku.storage.ObjectStore.class).delete(io.cangku.storage.StorageLayout.quotaUsage("burst"));
        int countsBefore = countsOfBurst(output);

        // when: the eight manifests are pushed at the same moment
        List<Reply> replies = putManifestsAtOnce("burst/r", "2", next);

        // then: all accepted, the scope walked once, and the usage is every image's
        for (Reply reply : replies) {
            assertThat(reply.status()).as("%s", reply).isEqualTo(201);
        }
        assertThat(countsOfBurst(output) - countsBefore).as("counts of quota burst made by the racing pushes").isEqualTo(1);
        long expected = 0;
        for (int i = 0; i < repositories; i++) {
            expected += bytesOf(held.get(i)) + bytesOf(next.get(i));
        }
        assertThat(quota("burst").path("usedBytes").asLong()).isEqualTo(expected);
    }

    /** The manifest of image i PUT as {@code tag} into repository {@code prefix + i}, all released at one moment. */
    private List<Reply> putManifestsAtOnce(String prefix, String tag, List<TestImage> images) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Reply>> pending = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(images.size())) {
            for (int i = 0; i < images.size(); i++) {
                String repository = prefix + i;
                TestBlob manifest = images.get(i).manifest();
                pending.add(pool.submit(() -> {
                    start.await();
                    return http.putManifest(repository, tag, manifest.mediaType(), manifest.content());
                }));
            }
            start.countDown();
        }
        List<Reply> replies = new ArrayList<>();
        for (Future<Reply> reply : pending) {
            replies.add(reply.get());
        }
        return replies;
    }

    private static int countsOfBurst(CapturedOutput output) {
        return (int) output.getOut().lines().filter(line -> line.contains("quota burst: counted")).count();
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    @DisplayName("a damaged usage ledger is counted again at the next push, which is decided on the fresh count, and reported once")
    void damagedLedgerIsCountedAgain(CapturedOutput output) throws Exception {
        // given: a quota with one image counted, and its ledger overwritten with bytes that are not a ledger
        TestImage held = TestImages.image().seed(34_001).randomLayers(1, 20 * 1024).build();
        TestImage next = TestImages.image().seed(34_002).randomLayers(1, 20 * 1024).build();
        putQuota("damaged", "damaged/**", Long.toString(bytesOf(held) + bytesOf(next) + 1024), 201);
        push("damaged/app", "1", held);
        registry.bean(io.cangku.storage.ObjectStore.class).writeSmall(io.cangku.storage.StorageLayout.quotaUsage("damaged"),
                "not a ledger".getBytes(StandardCharsets.UTF_8));

        // when / then: accepted (it fits), and the usage counts both images again, from what the scope holds
        pushBlobs("damaged/app", next);
        putManifest("damaged/app", "2", next.manifest(), 201);
        assertThat(quota("damaged").path("usedBytes").asLong()).isEqualTo(bytesOf(held) + bytesOf(next));
        assertThat(output.getAll().split("the usage ledger of quota damaged is unreadable", -1)).as("warnings").hasSize(2);
    }

    @Test
    @DisplayName("the admin API lists declared and stored quotas with usage and limit, and refuses what is not valid, naming the field")
    void adminApiListsAndValidatesQuotas() {
        // given
        putQuota("api", "api/*", "10MB", 201);
        push("cfg/app", "1", TestImages.image().seed(33_001).randomLayers(1, 1024).build());

        // when
        JsonNode all = getJson("/api/quotas");
        JsonNode replaced = putQuota("api", "api/**", "2GB", 200);

        // then
        List<String> names = all.valueStream().map(q -> q.path("name").asString()).toList();
        assertThat(names).startsWith("declared").contains("api");
        JsonNode declared = all.get(0);
        assertThat(declared.path("declared").asBoolean()).isTrue();
        assertThat(declared.path("limitBytes").asLong()).isEqualTo(1024 * 1024);
        assertThat(declared.path("usedBytes").asLong()).isPositive();
        assertThat(replaced.path("limitBytes").asLong()).isEqualTo(2L * 1024 * 1024 * 1024);
        assertThat(replaced.path("repositories").asString()).isEqualTo("api/**");
        assertThat(putQuota("bad", "api/**", "lots", 400).path("detail").asString()).contains("limit");
        assertThat(putQuota("bad", "API", "1GB", 400).path("detail").asString()).contains("repositories");
        assertThat(putQuota("bad", "api/**", "0", 400).path("detail").asString()).contains("limit");
        assertThat(putQuota("declared", "cfg/**", "1GB", 409).path("detail").asString()).contains("registry.quotas");
        assertThat(http.delete("/api/quotas/api").status()).isEqualTo(204);
        assertThat(http.delete("/api/quotas/api").status()).isEqualTo(404);
        assertThat(http.get("/api/quotas/api").status()).isEqualTo(404);
    }

    // ------------------------------------------------------------------------------------------ helpers

    /** What the images store, each distinct blob once (manifests included). */
    static long distinctBytes(TestImage... images) {
        Set<String> seen = new LinkedHashSet<>();
        long total = 0;
        for (TestImage image : images) {
            for (TestBlob blob : image.blobs()) {
                if (seen.add(blob.digest())) {
                    total += blob.size();
                }
            }
        }
        return total;
    }

    static long bytesOf(TestImage image) {
        return distinctBytes(image);
    }

    static long bytesOf(TestBlob blob) {
        return blob.size();
    }

    private void collect() {
        Reply started = http.startCollection(false);
        assertThat(started.status()).as("%s", started).isEqualTo(202);
        String id = started.json().path("id").asString();
        Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
        while (http.collection(id).path("state").asString().equals("running")) {
            assertThat(Instant.now()).as("collection %s finished", id).isBefore(deadline);
            pause();
        }
        assertThat(http.collection(id).path("state").asString()).isEqualTo("succeeded");
    }

    /** The count after a collection runs on the collector's thread once the run is recorded: wait until it lands. */
    private void awaitUsage(String quota, long expected) {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(1));
        long used;
        while ((used = quota(quota).path("usedBytes").asLong()) != expected && Instant.now().isBefore(deadline)) {
            pause();
        }
        assertThat(used).as("usage of quota %s", quota).isEqualTo(expected);
    }

    /** Between two polls of something another thread finishes (no clock to move: it is real work). */
    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private JsonNode quota(String name) {
        return getJson("/api/quotas/" + name);
    }

    private JsonNode putQuota(String name, String repositories, String limit, int expectedStatus) {
        Reply reply = http.send("PUT", "/api/quotas/" + name,
                ("{\"repositories\":\"" + repositories + "\",\"limit\":\"" + limit + "\"}").getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json");
        assertThat(reply.status()).as("PUT quota %s: %s", name, reply).isEqualTo(expectedStatus);
        return reply.json();
    }

    private JsonNode getJson(String path) {
        Reply reply = http.get(path);
        assertThat(reply.status()).as("GET %s: %s", path, reply).isEqualTo(200);
        return reply.json();
    }

    private void push(String repository, String tag, TestImage image) {
        pushBlobs(repository, image);
        putManifest(repository, tag, image.manifest(), 201);
    }

    private void pushBlobs(String repository, TestImage image) {
        for (TestBlob blob : image.blobs()) {
            if (blob != image.manifest()) {
                Reply reply = http.upload(repository, blob.digest(), blob.content());
                assertThat(reply.status()).as("upload of %s: %s", blob, reply).isEqualTo(201);
            }
        }
    }

    private Reply putManifest(String repository, String reference, TestBlob manifest, int expectedStatus) {
        Reply reply = http.putManifest(repository, reference, manifest.mediaType(), manifest.content());
        assertThat(reply.status()).as("PUT %s:%s: %s", repository, reference, reply).isEqualTo(expectedStatus);
        return reply;
    }
}
