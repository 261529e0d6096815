package io.cangku.gc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import io.cangku.storage.filesystem.FilesystemObjectStore;
import io.cangku.testing.Backends;
import io.cangku.testing.Processes;
import io.cangku.testing.RegistryProcess;
import io.cangku.testing.TestBlob;
import io.cangku.testing.TestImage;
import io.cangku.testing.TestImages;
import io.cangku.testing.TestIndex;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * A collector killed with SIGKILL in the middle of its sweep: every live image still pulls whole from a
 * fresh registry on the same storage, and the next run (the {@code gc} command, once the dead run's lease
 * lapsed) completes the work and leaves no garbage.
 */
@Tag("large")
class GcCrashTest {

    private static final String GRACE = "2s";
    private static final Duration LEASE_TTL = Duration.ofSeconds(10);
    // enough that the sweep, one intent per batch of 500, lasts long enough to be killed in its middle
    private static final int SEEDED_GARBAGE = 20_000;
    private static final String ACCEPT = TestImages.OCI_MANIFEST + ", " + TestImages.OCI_INDEX;

    @Test
    @DisplayName("kill -9 mid-sweep breaks no image, and the next gc run completes the sweep")
    void killedMidSweep(@TempDir Path tmp) throws Exception {
        // given: live images, deleted images, and thousands of stray blobs older than the grace period
        Path root = Backends.newTempDir("cangku-gc-crash-");
        List<String> settings = new ArrayList<>(Backends.filesystemArguments(root));
        settings.addAll(List.of("--registry.gc.grace-period=" + GRACE, "--registry.gc.lease-ttl=" + LEASE_TTL.toSeconds() + "s"));
        Map<String, List<TestBlob>> live = new LinkedHashMap<>();
        Map<String, byte[]> liveManifests = new LinkedHashMap<>();
        try (RegistryProcess registry = RegistryProcess.start(tmp.resolve("first.log"), List.of("-Xmx256m"), settings)) {
            GcHttp http = new GcHttp(registry.uri());
            TestImage base = TestImages.image().seed(7001).randomLayers(2, 8 * 1024).build();
            for (int i = 0; i < 6; i++) {
                TestImage image = TestImages.image().seed(7100 + i).randomLayers(2, 4 * 1024).build();
                String repository = "crash/app" + (i % 3);
                push(http, repository, image.blobs(), image.manifest(), "v" + i);
                push(http, repository, base.blobs(), base.manifest(), "base-" + i);
                if (i % 2 == 0) {
                    assertThat(http.delete("/v2/" + repository + "/manifests/" + image.manifest().digest()).status()).isEqualTo(202);
                } else {
                    live.put(repository + ":v" + i, image.blobs());
                    liveManifests.put(repository + ":v" + i, image.manifest().content());
                }
                live.put(repository + ":base-" + i, base.blobs());
                liveManifests.put(repository + ":base-" + i, base.manifest().content());
            }
            TestIndex index = TestImages.index(TestImages.image().seed(7200).build(),
                    TestImages.image().seed(7201).platform("linux", "arm64").build());
            for (TestImage image : index.images()) {
                push(http, "crash/multi", image.blobs(), image.manifest(), image.manifest().digest());
            }
            push(http, "crash/multi", List.of(index.index()), index.index(), "multi");
            liveManifests.put("crash/multi:multi", index.index().content());
            List<TestBlob> multiBlobs = new ArrayList<>();
            index.images().forEach(image -> multiBlobs.addAll(image.blobs()));
            live.put("crash/multi:multi", multiBlobs);
            seedStrayBlobs(root, SEEDED_GARBAGE);
            Thread.sleep(3000); // past the grace period: only the mark keeps the live images now

            // when: a collection starts and the JVM is killed once it has deleted some blobs
            GcHttp.Reply started = http.startCollection(false);
            assertThat(started.status()).as("%s", started).isEqualTo(202);
            String id = started.json().path("id").asString();
            JsonNode seen = awaitBlobsDeleted(http, id, registry);
            registry.kill();
            System.out.println("GC crash: killed the collector at " + seen.path("progress"));
        }

        // then: the sweep was cut short, no image is broken, and the next run completes it
        FilesystemObjectStore store = new FilesystemObjectStore(root);
        StoredGarbage.Walk afterCrash = StoredGarbage.walk(store);
        assertThat(afterCrash.unnamed().size()).as("garbage left by the killed sweep").isPositive();
        assertThat(afterCrash.revisionsWithoutBytes()).isEmpty();
        try (RegistryProcess fresh = RegistryProcess.start(tmp.resolve("second.log"), List.of("-Xmx256m"), settings)) {
            GcHttp http = new GcHttp(fresh.uri());
            assertThat(brokenImages(http, live, liveManifests)).as("images broken by the crash").isEmpty();

            Processes.Output gc = runGcCommand(root);
            JsonNode run = GcHttp.JSON.readTree(gc.stdout()); // its record alone: the log goes to stderr
            StoredGarbage.Walk afterNextRun = StoredGarbage.walk(store);
            System.out.printf("GC crash: %d stray blobs seeded; %d unnamed blobs left by the crash; the next run "
                            + "deleted %s blobs (%s bytes), %d unnamed left%n", SEEDED_GARBAGE, afterCrash.unnamed().size(),
                    run.path("report").path("blobsDeleted"), run.path("report").path("bytesFreed"),
                    afterNextRun.unnamed().size());
            assertThat(run.path("state").asString()).as("%s", gc.describe()).isEqualTo("succeeded");
            assertThat(run.path("report").path("blobsDeleted").asLong()).isGreaterThanOrEqualTo(afterCrash.unnamed().size());
            assertThat(afterNextRun.unnamed()).as("garbage after the next run").isEmpty();
            assertThat(brokenImages(http, live, liveManifests)).as("images broken by the next run").isEmpty();
        }
    }

    private static void push(GcHttp http, String repository, List<TestBlob> blobs, TestBlob manifest, String reference) {
        for (TestBlob blob : blobs) {
            if (blob == manifest) {
                continue;
            }
            GcHttp.Reply reply = http.upload(repository, blob.digest(), blob.content());
            assertThat(reply.status()).as("upload %s: %s", blob.digest(), reply).isEqualTo(201);
        }
        GcHttp.Reply reply = http.putManifest(repository, reference, manifest.mediaType(), manifest.content());
        assertThat(reply.status()).as("PUT %s:%s: %s", repository, reference, reply).isEqualTo(201);
    }

    /** Blobs no manifest names, written in the filesystem layout, an hour old (as if left by failed pushes). */
    private static void seedStrayBlobs(Path root, int count) throws Exception {
        SplittableRandom random = new SplittableRandom(7);
        FileTime old = FileTime.from(Instant.now().minus(Duration.ofHours(1)));
        for (int i = 0; i < count; i++) {
            byte[] content = new byte[64 + random.nextInt(512)];
            random.nextBytes(content);
            String hex = TestBlob.sha256(content).substring("sha256:".length());
            Path file = root.resolve("blobs/sha256/" + hex.substring(0, 2) + "/" + hex);
            Files.createDirectories(file.getParent());
            Files.write(file, content);
            Files.setLastModifiedTime(file, old);
        }
    }

    /** Polls the run until it reports deleted blobs while still running; fails if it ends first. */
    private static JsonNode awaitBlobsDeleted(GcHttp http, String id, RegistryProcess registry) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode run = http.collection(id);
            if (!"running".equals(run.path("state").asString())) {
                throw new AssertionError("the collection ended before it could be killed mid-sweep: " + run
                        + "\n" + registry.logTail());
            }
            if (run.path("progress").path("blobsDeleted").asLong() > 0) {
                return run;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the collection deleted no blob within a minute:\n" + registry.logTail());
    }

    /** The {@code gc} command in a JVM of its own, retried while the killed run's lease has not lapsed (75). */
    private static Processes.Output runGcCommand(Path root) throws InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), "io.cangku.CangkuApplication", "gc",
                "--registry.auth.mode=none", "--registry.gc.grace-period=" + GRACE,
                "--registry.gc.lease-ttl=" + LEASE_TTL.toSeconds() + "s"));
        command.addAll(Backends.filesystemArguments(root));
        long deadline = System.nanoTime() + LEASE_TTL.multipliedBy(4).toNanos();
        while (true) {
            Processes.Output output = Processes.command(command).timeout(Duration.ofMinutes(2)).runAllowingFailure();
            if (output.exitCode() != 75 || System.nanoTime() > deadline) {
                assertThat(output.exitCode()).as("%s", output.describe()).isZero();
                return output;
            }
            Thread.sleep(1000); // the killed run's lease has not lapsed yet
        }
    }

    private static List<String> brokenImages(GcHttp http, Map<String, List<TestBlob>> images, Map<String, byte[]> manifests) {
        List<String> broken = new ArrayList<>();
        images.forEach((name, blobs) -> {
            String repository = name.substring(0, name.indexOf(':'));
            String tag = name.substring(name.indexOf(':') + 1);
            GcHttp.Reply manifest = http.get("/v2/" + repository + "/manifests/" + tag, "Accept", ACCEPT);
            if (manifest.status() != 200 || !Arrays.equals(manifest.body(), manifests.get(name))) {
                broken.add(name + ": manifest " + manifest);
            }
            for (TestBlob blob : blobs) {
                String kind = blob.mediaType().contains("manifest") ? "manifests" : "blobs";
                GcHttp.Reply got = http.get("/v2/" + repository + "/" + kind + "/" + blob.digest(), "Accept", ACCEPT);
                if (got.status() != 200 || !Arrays.equals(got.body(), blob.content())) {
                    broken.add(name + ": " + blob.digest() + " " + got.status());
                }
            }
        });
        return broken;
    }
}
