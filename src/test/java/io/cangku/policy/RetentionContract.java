package io.cangku.policy;

import io.cangku.gc.CollectionRun;
import io.cangku.gc.CollectionRuns;
import io.cangku.storage.ObjectInfo;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.StorageKey;
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
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Retention policies and immutable tags over real HTTP against real storage: a CI pipeline's 50 tags trimmed to
 * the policy's N and the space freed by the collection the run starts, a dry run that touches nothing, the
 * pushed/pulled/untagged rules, and immutable tags refusing moves and deletes. Time moves through a
 * {@link MovableClock}. Each backend runs this in a subclass.
 */
abstract class RetentionContract {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** Storage arguments for a fresh, empty store. */
    abstract List<String> freshStorage();

    MovableClock clock;
    RegistryContext registry;
    ObjectStore store;

    @BeforeEach
    void startRegistry() {
        clock = new MovableClock();
        List<String> arguments = new ArrayList<>(freshStorage());
        arguments.add("--registry.auth.mode=none");
        registry = RegistryContext.start(clock, arguments);
        store = registry.bean(ObjectStore.class);
    }

    @AfterEach
    void stopRegistry() {
        registry.close();
    }

    @Test
    @DisplayName("a CI pipeline's 50 tags are trimmed to the newest 10 plus the release tag, and the collection frees their space")
    void trimsPipelineToNewestTagsAndFreesSpace() throws Exception {
        // given: 50 builds pushed one after another, tags named by commit (so name order is not push order),
        // a release tag pushed on the fifth build, and a repository no policy covers
        putJson("/api/retention/policies/ci-builds", "{\"repositories\":\"ci/**\",\"keepLast\":10,\"keepTagsMatching\":\"release-.*\"}", 201);
        List<String> tags = new ArrayList<>();
        List<TestImage> images = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            TestImage image = TestImages.image().seed(12_000 + i).randomLayers(1, 2048).build();
            String tag = "git-" + TestBlob.sha256(("commit " + i).getBytes(StandardCharsets.UTF_8)).substring(7, 19);
            pushImage("ci/app", tag, image);
            tags.add(tag);
            images.add(image);
            if (i == 4) {
                putManifest("ci/app", "release-1", image.manifest(), 201);
            }
        }
        TestImage elsewhere = TestImages.image().seed(12_999).randomLayers(1, 2048).build();
        pushImage("other/app", "old", elsewhere);
        Map<String, String> objectsBefore = allObjects();

        // when: a dry run
        JsonNode dry = postJson("/api/retention/runs", "{\"dryRun\": true}", 200);

        // then: it names exactly the 39 tags and manifests that go, and touches nothing
        Set<String> goingTags = new HashSet<>(tags.subList(0, 40));
        Set<String> goingManifests = new HashSet<>();
        for (int i = 0; i < 40; i++) {
            if (i != 4) {
                goingManifests.add(images.get(i).manifest().digest());
            }
        }
        assertThat(dry.path("dryRun").asBoolean()).isTrue();
        assertThat(dry.path("repositories")).hasSize(1);
        JsonNode plan = dry.path("repositories").get(0);
        assertThat(plan.path("repository").asString()).isEqualTo("ci/app");
        assertThat(plan.path("policies").get(0).asString()).isEqualTo("ci-builds");
        assertThat(texts(plan.path("tags"), "tag")).containsExactlyInAnyOrderElementsOf(goingTags);
        assertThat(texts(plan.path("manifests"), "digest")).containsExactlyInAnyOrderElementsOf(goingManifests);
        assertThat(plan.path("tagsKept").asInt()).isEqualTo(11);
        assertThat(allObjects()).isEqualTo(objectsBefore);
        assertThat(tagList("ci/app")).hasSize(51);

        // and the console's Policies page lists the policy and shows the same dry run, touching nothing either
        String page = consoleDryRun();
        assertThat(page).contains("ci-builds", "ci/**", "newest 10", "release-.*", "40 tags and 39 manifests would be deleted");
        for (String tag : goingTags) {
            assertThat(page).contains(tag);
        }
        assertThat(page).doesNotContain(tags.get(45));
        assertThat(allObjects()).isEqualTo(objectsBefore);

        // when: the real run, past the collector's grace period (the run starts the collection itself)
        long bytesBefore = storedBlobBytes();
        clock.advance(Duration.ofHours(2));
        JsonNode real = postJson("/api/retention/runs", "{}", 200);

        // then: the newest 10 and the release tag remain, the rest and their manifests are gone
        assertThat(real.path("tagsDeleted").asInt()).isEqualTo(40);
        assertThat(real.path("manifestsDeleted").asInt()).isEqualTo(39);
        Set<String> expectedTags = new HashSet<>(tags.subList(40, 50));
        expectedTags.add("release-1");
        assertThat(tagList("ci/app")).containsExactlyInAnyOrderElementsOf(expectedTags);
        for (int i = 0; i < 50; i++) {
            int expected = i >= 40 || i == 4 ? 200 : 404;
            assertThat(send("GET", "/v2/ci/app/manifests/" + images.get(i).manifest().digest(), null, null).statusCode())
                    .as("manifest of build %d", i).isEqualTo(expected);
        }
        assertThat(tagList("other/app")).containsExactly("old");

        // and the collection frees exactly what the deleted builds stored
        String collectionId = real.path("collectionRunId").asString();
        assertThat(collectionId).as("%s", real).isNotEmpty();
        CollectionRun collection = awaitCollection(collectionId);
        assertThat(collection.state()).as("%s", collection).isEqualTo(CollectionRun.State.succeeded);
        long freed = 0;
        for (int i = 0; i < 40; i++) {
            if (i != 4) {
                freed += images.get(i).blobs().stream().mapToLong(TestBlob::size).sum();
            }
        }
        long bytesAfter = storedBlobBytes();
        System.out.printf("retention: blobs held %d bytes, %d after the run's collection (freed %d)%n", bytesBefore, bytesAfter,
                bytesBefore - bytesAfter);
        assertThat(bytesBefore - bytesAfter).isEqualTo(freed);
        assertThat(send("GET", "/v2/ci/app/manifests/release-1", null, null).statusCode()).isEqualTo(200);
        assertThat(getJson("/api/retention/runs").get(0).path("id").asString()).isEqualTo(real.path("id").asString());
    }

    @Test
    @DisplayName("tags pushed or pulled recently stay, untagged manifests go once neither pushed nor pulled for long")
    void keepsRecentlyPushedOrPulledAndDropsOldUntagged() throws Exception {
        // given: three old tags, an old untagged manifest and another one that is pulled by digest later
        putJson("/api/retention/policies/recent", "{\"repositories\":\"recent/*\",\"keepPushedWithin\":\"1h\","
                + "\"keepPulledWithin\":\"1h\",\"untaggedOlderThan\":\"1h\"}", 201);
        JsonNode stored = getJson("/api/retention/policies/recent");
        assertThat(stored.path("keepPushedWithin").asString()).isEqualTo("PT1H");
        assertThat(stored.path("untaggedOlderThan").asString()).isEqualTo("PT1H");
        assertThat(stored.path("declared").asBoolean()).isFalse();
        TestImage a = image(13_001);
        TestImage b = image(13_002);
        TestImage c = image(13_003);
        TestImage untaggedOld = image(13_004);
        TestImage untaggedPulled = image(13_005);
        pushImage("recent/app", "a", a);
        pushImage("recent/app", "b", b);
        pushImage("recent/app", "c", c);
        pushImage("recent/app", untaggedOld.manifest().digest(), untaggedOld);
        pushImage("recent/app", untaggedPulled.manifest().digest(), untaggedPulled);

        // when: two hours later, d is pushed, b is pulled by tag and one untagged manifest by digest, and the
        // pull times are written out
        clock.advance(Duration.ofHours(2));
        TestImage d = image(13_006);
        pushImage("recent/app", "d", d);
        assertThat(send("GET", "/v2/recent/app/manifests/b", null, null).statusCode()).isEqualTo(200);
        assertThat(send("HEAD", "/v2/recent/app/manifests/" + untaggedPulled.manifest().digest(), null, null).statusCode()).isEqualTo(200);
        registry.bean(PullTimes.class).flush();
        JsonNode dry = postJson("/api/retention/runs", "{\"dryRun\": true}", 200);

        // then
        JsonNode plan = dry.path("repositories").get(0);
        assertThat(texts(plan.path("tags"), "tag")).containsExactlyInAnyOrder("a", "c");
        Map<String, String> manifests = new TreeMap<>();
        plan.path("manifests").forEach(m -> manifests.put(m.path("digest").asString(), m.path("reason").asString()));
        assertThat(manifests).containsExactlyInAnyOrderEntriesOf(Map.of(
                a.manifest().digest(), "tags deleted",
                c.manifest().digest(), "tags deleted",
                untaggedOld.manifest().digest(), "untagged"));
        // and the pull of b was written to storage (another replica, or a restart, sees it)
        StorageKey marker = StorageLayout.pull(io.cangku.oci.RepositoryName.parse("recent/app"), io.cangku.oci.Digest.parse(b.manifest().digest()));
        assertThat(store.stat(marker)).isPresent();
        assertThat(registry.bean(PullTimes.class).lastPulled(io.cangku.oci.RepositoryName.parse("recent/app")))
                .containsKey(io.cangku.oci.Digest.parse(b.manifest().digest()));
    }

    @Test
    @DisplayName("what a kept manifest reaches stays: an image deployed by digest keeps its old signature, a young index its old platforms")
    void keptUntaggedManifestsKeepWhatTheyReach() throws Exception {
        // given: an image deployed by digest with its signature, two platform manifests and a forgotten image,
        // all untagged
        putJson("/api/retention/policies/untagged", "{\"repositories\":\"deployed/*\",\"untaggedOlderThan\":\"1h\"}", 201);
        TestImage deployed = image(13_101);
        pushImage("deployed/app", deployed.manifest().digest(), deployed);
        TestBlob signature = pushSignature("deployed/app", deployed.manifest());
        TestIndex multi = TestImages.index(TestImages.image().seed(13_102).platform("linux", "amd64").build(),
                TestImages.image().seed(13_103).platform("linux", "arm64").build());
        for (TestImage platform : multi.images()) {
            pushImage("deployed/app", platform.manifest().digest(), platform);
        }
        TestImage forgotten = image(13_104);
        pushImage("deployed/app", forgotten.manifest().digest(), forgotten);

        // when: two hours later the deployed image is pulled (its signature is not), and an index is made of the
        // old platform manifests, as `buildx imagetools create` does, and pulled (the test's clock moves pull
        // times, not the store's modification times, so a pull is what makes the new index young here)
        clock.advance(Duration.ofHours(2));
        assertThat(send("GET", "/v2/deployed/app/manifests/" + deployed.manifest().digest(), null, null).statusCode()).isEqualTo(200);
        putManifest("deployed/app", multi.index().digest(), multi.index(), 201);
        assertThat(send("GET", "/v2/deployed/app/manifests/" + multi.index().digest(), null, null).statusCode()).isEqualTo(200);
        registry.bean(PullTimes.class).flush();
        // and a catalog entry that is not a repository name (damaged, or written by something else), listed first
        StorageKey foreign = StorageLayout.CATALOG.resolve(StorageLayout.encodeCatalogName("deployed/Foreign"));
        store.writeSmall(foreign, new byte[0]);
        JsonNode dry = postJson("/api/retention/runs", "{\"dryRun\": true}", 200);
        store.delete(foreign);

        // then: the foreign entry is reported and skipped; only the forgotten image goes; the signature and the
        // platform manifests stay with what needs them
        assertThat(dry.path("errors").valueStream().map(JsonNode::asString).toList()).containsExactly("catalog entry deployed/Foreign is not a valid repository name; left alone");
        JsonNode plan = dry.path("repositories").get(0);
        assertThat(texts(plan.path("manifests"), "digest")).as("%s", plan).containsExactly(forgotten.manifest().digest());
        assertThat(texts(plan.path("manifests"), "reason")).containsExactly("untagged");

        // when: the run for real
        postJson("/api/retention/runs", "{}", 200);

        // then
        for (TestBlob kept : List.of(deployed.manifest(), signature, multi.index(), multi.images().get(0).manifest(),
                multi.images().get(1).manifest())) {
            assertThat(send("HEAD", "/v2/deployed/app/manifests/" + kept.digest(), null, null).statusCode())
                    .as("%s", kept.digest()).isEqualTo(200);
        }
        assertThat(send("HEAD", "/v2/deployed/app/manifests/" + forgotten.manifest().digest(), null, null).statusCode())
                .isEqualTo(404);
    }

    @Test
    @DisplayName("an immutable tag refuses a move and deletes with 409 DENIED naming the rule; the same digest and new tags still push")
    void immutableTagRefusesMoveAndDelete() throws Exception {
        // given
        putJson("/api/immutable-tags/releases", "{\"repositories\":\"imm/**\",\"tags\":\"v[0-9]+(\\\\.[0-9]+)*\"}", 201);
        TestImage first = image(14_001);
        TestImage second = image(14_002);
        pushImage("imm/app", "v1.0", first);
        String pushedAt = tagObject("imm/app", "v1.0");

        // when / then: the same digest again is accepted (a CI retry) and leaves the tag as it was
        putManifest("imm/app", "v1.0", first.manifest(), 201);
        assertThat(tagObject("imm/app", "v1.0")).isEqualTo(pushedAt);

        // a different digest is refused, with the spec's DENIED and a message naming the rule
        pushBlobs("imm/app", second);
        HttpResponse<String> moved = putManifest("imm/app", "v1.0", second.manifest(), 409);
        JsonNode error = JSON.readTree(moved.body()).path("errors").get(0);
        assertThat(error.path("code").asString()).isEqualTo("DENIED");
        assertThat(error.path("message").asString()).contains("v1.0", "immutable", "rule 'releases'");
        assertThat(send("GET", "/v2/imm/app/manifests/v1.0", null, null).headers().firstValue("Docker-Content-Digest"))
                .hasValue(first.manifest().digest());

        // deleting the tag, or the manifest it points at, is refused too
        assertThat(send("DELETE", "/v2/imm/app/manifests/v1.0", null, null).statusCode()).isEqualTo(409);
        HttpResponse<String> byDigest = send("DELETE", "/v2/imm/app/manifests/" + first.manifest().digest(), null, null);
        assertThat(byDigest.statusCode()).isEqualTo(409);
        assertThat(byDigest.body()).contains("DENIED", "v1.0");

        // tags the rule does not match move freely, and new matching tags push
        putManifest("imm/app", "latest", second.manifest(), 201);
        putManifest("imm/app", "latest", first.manifest(), 201);
        putManifest("imm/app", "v2.0", second.manifest(), 201);

        // a repository holding immutable tags is deleted only with force
        HttpResponse<String> repositoryDelete = send("DELETE", "/api/repositories/imm/app", null, null);
        assertThat(repositoryDelete.statusCode()).isEqualTo(409);
        assertThat(repositoryDelete.body()).contains("immutable", "force");
        assertThat(send("DELETE", "/api/repositories/imm/app?force=true", null, null).statusCode()).isEqualTo(204);

        // and once the rule is gone, the tag moves again
        pushImage("imm/app", "v1.0", first);
        assertThat(send("DELETE", "/api/immutable-tags/releases", null, null).statusCode()).isEqualTo(204);
        pushBlobs("imm/app", second);
        putManifest("imm/app", "v1.0", second.manifest(), 201);
    }

    @Test
    @DisplayName("an immutable tag pushed while a DELETE by digest removes its manifest is never left deleted: the DELETE comes first or is refused")
    void immutableTagRacingDeleteByDigestIsNeverLost() throws Exception {
        // given: pairs of requests at once, each pair in its own repository, on a manifest pushed by digest
        putJson("/api/immutable-tags/releases", "{\"repositories\":\"race/**\",\"tags\":\"v[0-9]+\"}", 201);
        int pairs = 6;
        int rounds = 8;
        ExecutorService threads = Executors.newFixedThreadPool(2 * pairs);
        Random jitter = new Random(15_000);
        int bothAnswered = 0;
        try {
            for (int round = 0; round < rounds; round++) {
                List<Future<HttpResponse<String>>> deletes = new ArrayList<>();
                List<Future<HttpResponse<String>>> puts = new ArrayList<>();
                List<TestImage> images = new ArrayList<>();
                CountDownLatch start = new CountDownLatch(1);
                for (int pair = 0; pair < pairs; pair++) {
                    String repository = "race/app-" + pair;
                    TestImage image = image(15_000 + round * pairs + pair);
                    images.add(image);
                    pushImage(repository, image.manifest().digest(), image);
                    long delayMicros = jitter.nextInt(4_000);
                    deletes.add(threads.submit(() -> {
                        start.await();
                        TimeUnit.MICROSECONDS.sleep(delayMicros);
                        return send("DELETE", "/v2/" + repository + "/manifests/" + image.manifest().digest(), null, null);
                    }));
                    String tag = "v" + round;
                    puts.add(threads.submit(() -> {
                        start.await();
                        return send("PUT", "/v2/" + repository + "/manifests/" + tag, image.manifest().mediaType(),
                                image.manifest().content());
                    }));
                }

                // when
                start.countDown();

                // then: an acknowledged immutable tag resolves to its manifest whatever the DELETE answered; a DELETE
                // that was accepted either came first (the tag was pushed after it) or found no tag to refuse for
                for (int pair = 0; pair < pairs; pair++) {
                    HttpResponse<String> delete = deletes.get(pair).get();
                    HttpResponse<String> put = puts.get(pair).get();
                    String repository = "race/app-" + pair;
                    String digest = images.get(pair).manifest().digest();
                    assertThat(put.statusCode()).as("PUT %s:v%d answered %s", repository, round, put.body()).isEqualTo(201);
                    assertThat(delete.statusCode()).as("DELETE %s@%s answered %s", repository, digest, delete.body()).isIn(202, 409);
                    HttpResponse<String> pulled = send("GET", "/v2/" + repository + "/manifests/v" + round, null, null);
                    assertThat(pulled.statusCode()).as("GET %s:v%d after the DELETE answered %d (%s)", repository, round,
                            delete.statusCode(), pulled.body()).isEqualTo(200);
                    assertThat(pulled.headers().firstValue("Docker-Content-Digest")).hasValue(digest);
                    assertThat(send("GET", "/v2/" + repository + "/tags/list", null, null).body()).contains("\"v" + round + "\"");
                    if (delete.statusCode() == 202) {
                        bothAnswered++;
                    }
                }
            }
        } finally {
            threads.shutdownNow();
        }
        // the race was run, not only the refusal: some DELETEs were accepted before their tag existed
        assertThat(bothAnswered).as("DELETEs accepted").isPositive();
    }

    @Test
    @DisplayName("retention keeps immutable tags, and the admin API refuses invalid rules with a message naming the field")
    void retentionKeepsImmutableTagsAndApiValidates() throws Exception {
        // given
        putJson("/api/immutable-tags/releases", "{\"repositories\":\"keep/**\",\"tags\":\"v.*\"}", 201);
        putJson("/api/retention/policies/none", "{\"repositories\":\"keep/**\",\"keepLast\":0}", 201);
        TestImage release = image(15_001);
        pushImage("keep/app", "v1", release);
        pushImage("keep/app", "build-1", image(15_002));
        // a tag as versions before push times wrote it: the digest alone (its push time is the object's time)
        store.writeSmall(StorageLayout.tag(io.cangku.oci.RepositoryName.parse("keep/app"), io.cangku.oci.Tag.parse("legacy")),
                release.manifest().digest().getBytes(StandardCharsets.US_ASCII));
        assertThat(send("GET", "/v2/keep/app/manifests/legacy", null, null).statusCode()).isEqualTo(200);

        // when
        JsonNode report = postJson("/api/retention/runs", "{}", 200);

        // then
        assertThat(report.path("tagsDeleted").asInt()).isEqualTo(2);
        assertThat(texts(report.path("repositories").get(0).path("tags"), "tag")).containsExactlyInAnyOrder("build-1", "legacy");
        report.path("repositories").get(0).path("tags").forEach(tag -> assertThat(tag.path("pushedAt").asString()).isNotEmpty());
        assertThat(tagList("keep/app")).containsExactly("v1");
        assertThat(putJson("/api/retention/policies/bad", "{\"repositories\":\"keep/**\",\"keepTagsMatching\":\"(\"}", 400)
                .path("detail").asString()).contains("keep-tags-matching");
        assertThat(putJson("/api/retention/policies/bad", "{\"repositories\":\"Keep\",\"keepLast\":1}", 400)
                .path("detail").asString()).contains("repositories");
        assertThat(putJson("/api/retention/policies/bad", "{\"repositories\":\"keep/**\"}", 400)
                .path("detail").asString()).contains("must be set");
        assertThat(putJson("/api/immutable-tags/bad", "{\"repositories\":\"keep/**\",\"tags\":\"(a\"}", 400)
                .path("detail").asString()).contains("tags");
        assertThat(getJson("/api/retention/policies")).hasSize(1);
        assertThat(send("DELETE", "/api/retention/policies/none", null, null).statusCode()).isEqualTo(204);
        assertThat(send("DELETE", "/api/retention/policies/none", null, null).statusCode()).isEqualTo(404);
    }

    // ------------------------------------------------------------------------------------------ helpers

    /** The console's Policies page, then its dry-run form posted with the page's CSRF token and session. */
    private String consoleDryRun() throws Exception {
        try (HttpClient browser = HttpClient.newBuilder().cookieHandler(new java.net.CookieManager()).build()) {
            HttpResponse<String> page = browser.send(HttpRequest.newBuilder(URI.create(registry.uri() + "/policies")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(200);
            java.util.regex.Matcher token = java.util.regex.Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(page.body());
            assertThat(token.find()).as("a CSRF token in %s", page.body()).isTrue();
            HttpResponse<String> dryRun = browser.send(HttpRequest.newBuilder(URI.create(registry.uri() + "/policies/dry-run"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("_csrf=" + java.net.URLEncoder.encode(token.group(1), StandardCharsets.UTF_8)))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(dryRun.statusCode()).as("%s", dryRun.body()).isEqualTo(200);
            return dryRun.body();
        }
    }

    private static TestImage image(long seed) {
        return TestImages.image().seed(seed).randomLayers(1, 1024).build();
    }

    private CollectionRun awaitCollection(String id) throws Exception {
        CollectionRuns runs = registry.bean(CollectionRuns.class);
        Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
        while (Instant.now().isBefore(deadline)) {
            CollectionRun run = runs.find(id).orElseThrow();
            if (run.state() != CollectionRun.State.running) {
                return run;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("collection " + id + " did not finish");
    }

    private String tagObject(String repository, String tag) throws IOException {
        return new String(store.readSmall(StorageLayout.tag(io.cangku.oci.RepositoryName.parse(repository),
                io.cangku.oci.Tag.parse(tag)), 256).orElseThrow(), StandardCharsets.US_ASCII);
    }

    private List<String> tagList(String repository) {
        HttpResponse<String> reply = send("GET", "/v2/" + repository + "/tags/list", null, null);
        assertThat(reply.statusCode()).as("%s", reply.body()).isEqualTo(200);
        return JSON.readTree(reply.body()).path("tags").valueStream().map(JsonNode::asString).toList();
    }

    private static List<String> texts(JsonNode array, String field) {
        return array.valueStream().map(node -> node.path(field).asString()).toList();
    }

    /** Every object in the store with its size and modification time. */
    private Map<String, String> allObjects() throws IOException {
        Map<String, String> objects = new LinkedHashMap<>();
        for (String root : List.of("blobs", "repositories", "_catalog", "_policy", "_gc")) {
            store.forEach(StorageKey.of(root), item -> objects.put(item.key().toString(), item.sizeBytes() + "@" + item.lastModified()));
        }
        objects.keySet().removeIf(key -> key.startsWith("_policy/retention-runs/") || key.startsWith("_policy/retention-policies")
                || key.startsWith("_gc/runs/") || key.equals("_gc/usage"));
        return objects;
    }

    private long storedBlobBytes() throws IOException {
        long[] total = {0};
        store.forEach(StorageLayout.BLOBS, item -> total[0] += item.sizeBytes());
        return total[0];
    }

    private void pushBlobs(String repository, TestImage image) {
        for (TestBlob blob : image.blobs()) {
            if (blob == image.manifest()) {
                continue;
            }
            HttpResponse<String> reply = send("POST", "/v2/" + repository + "/blobs/uploads/?digest=" + blob.digest(),
                    "application/octet-stream", blob.content());
            assertThat(reply.statusCode()).as("upload of %s: %s", blob, reply.body()).isEqualTo(201);
        }
    }

    /** A signature-like referrer of {@code subject}: an empty config, one layer, and the subject field. */
    private TestBlob pushSignature(String repository, TestBlob subject) {
        TestBlob empty = TestBlob.of("application/vnd.oci.empty.v1+json", "{}".getBytes(StandardCharsets.UTF_8));
        TestBlob layer = TestBlob.of("application/vnd.dev.cosign.simplesigning.v1+json",
                ("{\"critical\":{\"image\":{\"docker-manifest-digest\":\"" + subject.digest() + "\"}}}").getBytes(StandardCharsets.UTF_8));
        for (TestBlob blob : List.of(empty, layer)) {
            HttpResponse<String> reply = send("POST", "/v2/" + repository + "/blobs/uploads/?digest=" + blob.digest(),
                    "application/octet-stream", blob.content());
            assertThat(reply.statusCode()).as("upload of %s: %s", blob, reply.body()).isEqualTo(201);
        }
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + TestImages.OCI_MANIFEST + "\","
                + "\"artifactType\":\"application/vnd.dev.cosign.artifact.sig.v1+json\","
                + "\"config\":{\"mediaType\":\"" + empty.mediaType() + "\",\"digest\":\"" + empty.digest() + "\",\"size\":2},"
                + "\"layers\":[{\"mediaType\":\"" + layer.mediaType() + "\",\"digest\":\"" + layer.digest() + "\",\"size\":" + layer.size() + "}],"
                + "\"subject\":{\"mediaType\":\"" + subject.mediaType() + "\",\"digest\":\"" + subject.digest() + "\",\"size\":" + subject.size() + "}}";
        TestBlob referrer = TestBlob.of(TestImages.OCI_MANIFEST, manifest.getBytes(StandardCharsets.UTF_8));
        putManifest(repository, referrer.digest(), referrer, 201);
        return referrer;
    }

    private void pushImage(String repository, String reference, TestImage image) {
        pushBlobs(repository, image);
        putManifest(repository, reference, image.manifest(), 201);
    }

    private HttpResponse<String> putManifest(String repository, String reference, TestBlob manifest, int expectedStatus) {
        HttpResponse<String> reply = send("PUT", "/v2/" + repository + "/manifests/" + reference, manifest.mediaType(), manifest.content());
        assertThat(reply.statusCode()).as("PUT %s:%s answered %s", repository, reference, reply.body()).isEqualTo(expectedStatus);
        return reply;
    }

    private JsonNode putJson(String path, String body, int expectedStatus) {
        return json("PUT", path, body, expectedStatus);
    }

    private JsonNode postJson(String path, String body, int expectedStatus) {
        return json("POST", path, body, expectedStatus);
    }

    private JsonNode getJson(String path) {
        return json("GET", path, null, 200);
    }

    private JsonNode json(String method, String path, String body, int expectedStatus) {
        HttpResponse<String> reply = send(method, path, body == null ? null : "application/json",
                body == null ? null : body.getBytes(StandardCharsets.UTF_8));
        assertThat(reply.statusCode()).as("%s %s answered %s", method, path, reply.body()).isEqualTo(expectedStatus);
        return JSON.readTree(reply.body());
    }

    private HttpResponse<String> send(String method, String path, String contentType, byte[] body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(registry.uri() + path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
