package io.cangku.gc;

import io.cangku.testing.Backends;
import io.cangku.testing.RegistryContext;
import io.cangku.testing.TestImage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A DELETE of a manifest by digest racing a PUT of the same manifest under a new tag: whatever the order,
 * a tag that is listed resolves, and an acknowledged PUT's tag either resolves or is gone from the listing
 * with the manifest (once it left a tag listed but answering 404 in 12 of 15 rounds).
 */
class ConcurrentDeleteAndTagTest {

    private static RegistryContext registry;
    private static RegistryClient client;

    @BeforeAll
    static void start() {
        registry = RegistryContext.startOpen(Backends.filesystemArguments(Backends.newTempDir("cangku-race-")));
        client = new RegistryClient(registry.uri());
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    @Test
    @DisplayName("no round leaves a listed tag that answers 404")
    void listedTagsAlwaysResolve() throws Exception {
        TestImage image = GarbageCollectionRulesContract.image("raced", GarbageCollectionRulesContract.layer("raced-layer", 4_000));
        client.pushImage("race/app", "base", image);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 20; round++) {
                String tag = "t" + round;
                client.pushImage("race/app", "base", image);
                CyclicBarrier start = new CyclicBarrier(2);
                Future<Integer> delete = threads.submit(() -> {
                    start.await();
                    return client.delete("race/app", image.manifest().digest()).status();
                });
                Future<Integer> put = threads.submit(() -> {
                    start.await();
                    return client.putManifest("race/app", tag, image.manifest()).status();
                });
                assertThat(delete.get()).isIn(202, 404);
                int putStatus = put.get();
                assertThat(putStatus).isEqualTo(201);

                List<String> listed = listedTags();
                for (String listedTag : listed) {
                    assertThat(client.getManifest("race/app", listedTag).status())
                            .as("round %d: tag %s is listed", round, listedTag).isEqualTo(200);
                }
                if (!listed.contains(tag)) {
                    // the DELETE came last: the manifest went with all its tags
                    assertThat(client.getManifest("race/app", tag).status()).isEqualTo(404);
                }
            }
        } finally {
            threads.shutdownNow();
        }
    }

    private static List<String> listedTags() {
        RegistryClient.Reply reply = client.send("GET", "/v2/race/app/tags/list", null, null);
        if (reply.status() == 404) {
            return List.of();
        }
        var tags = tools.jackson.databind.json.JsonMapper.builder().build().readTree(reply.body()).get("tags");
        java.util.ArrayList<String> names = new java.util.ArrayList<>();
        if (tags != null && tags.isArray()) {
            tags.forEach(t -> names.add(t.asString()));
        }
        return names;
    }
}
