package io.cangku.events;

import io.cangku.testing.RegistryContext;
import io.cangku.testing.TestBlob;
import io.cangku.testing.TestImage;
import io.cangku.testing.TestImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Webhooks over real HTTP against real storage: a receiver in the test (the JDK's HTTP server) gets signed events
 * for push, tag and delete in order, in Distribution's envelope and as CloudEvents; a receiver that is down gets
 * them once it is up; events pending when the registry stops are delivered by the next registry on the same
 * storage. Retry delays are shortened so that this runs in seconds. Each backend runs it in a subclass.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class NotificationsContract {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String SECRET = "a-webhook-secret-of-some-length";
    private static final String HOOK = "/hook";
    private static final String CLOUD = "/cloud";

    /** Storage arguments for a fresh, empty store. */
    abstract List<String> freshStorage();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private WebhookReceiver receiver;
    private RegistryContext registry;

    @BeforeAll
    void startRegistryAndReceiver() {
        receiver = new WebhookReceiver();
        registry = RegistryContext.start(arguments(freshStorage(), HOOK));
    }

    @AfterAll
    void stop() {
        registry.close();
        receiver.close();
    }

    /** Two endpoints: {@code ci} (signed, team/** only, all but pulls) and {@code cloud} (CloudEvents of pushes and pulls). */
    private List<String> arguments(List<String> storage, String hookPath) {
        List<String> arguments = new ArrayList<>(storage);
        arguments.addAll(List.of("--registry.auth.mode=none",
                "--registry.notifications.poll-interval=50ms",
                "--registry.notifications.retry-initial=50ms",
                "--registry.notifications.retry-max=200ms",
                "--registry.notifications.pull-flush=100ms",
                "--registry.notifications.endpoints[0].name=ci",
                "--registry.notifications.endpoints[0].url=" + receiver.url(hookPath),
                "--registry.notifications.endpoints[0].repositories=team/**",
                "--registry.notifications.endpoints[0].secret=" + SECRET,
                "--registry.notifications.endpoints[0].headers.X-Hook-Token=hook-token",
                "--registry.notifications.endpoints[0].timeout=1s",
                "--registry.notifications.endpoints[1].name=cloud",
                "--registry.notifications.endpoints[1].url=" + receiver.url(CLOUD),
                "--registry.notifications.endpoints[1].format=cloudevents",
                "--registry.notifications.endpoints[1].actions=push,pull"));
        return arguments;
    }

    @Test
    @DisplayName("a receiver gets signed push, tag and delete events of its repositories, in order, in Distribution's envelope")
    void signedEventsInOrder() throws Exception {
        // given
        TestImage first = TestImages.image().seed(31_001).randomLayers(1, 1024).build();
        TestImage second = TestImages.image().seed(31_002).randomLayers(1, 1024).build();
        TestImage elsewhere = TestImages.image().seed(31_003).randomLayers(1, 1024).build();

        // when: a push by tag, a push by digest, a tag delete and a manifest delete; and a push outside team/**
        push("team/app", "v1", first);
        push("team/app", second.manifest().digest(), second);
        assertThat(send("DELETE", "/v2/team/app/manifests/v1", null, null).statusCode()).isEqualTo(202);
        assertThat(send("DELETE", "/v2/team/app/manifests/" + second.manifest().digest(), null, null).statusCode()).isEqualTo(202);
        push("other/app", "v1", elsewhere);

        // then: five events, in the order they happened, each signed over its exact body
        List<WebhookReceiver.Received> got = receiver.awaitAccepted(HOOK, forRepository("team/app", 5));
        List<JsonNode> events = new ArrayList<>();
        for (WebhookReceiver.Received request : got) {
            assertThat(request.header("Content-Type")).isEqualTo("application/vnd.docker.distribution.events.v2+json");
            assertThat(request.header("Cangku-Signature-256")).isEqualTo(expectedSignature(request.body()));
            assertThat(request.header("X-Hook-Token")).isEqualTo("hook-token");
            JsonNode event = JSON.readTree(request.body()).path("events").get(0);
            assertThat(request.header("Cangku-Event-Id")).isEqualTo(event.path("id").asString());
            if (event.path("target").path("repository").asString().equals("team/app")) {
                events.add(event);
            }
        }
        assertThat(events).extracting(e -> e.path("action").asString() + " " + e.path("target").path("tag").asString("")
                        + "@" + e.path("target").path("digest").asString(""))
                .containsExactly(
                        "push v1@" + first.manifest().digest(),
                        "tag v1@" + first.manifest().digest(),
                        "push @" + second.manifest().digest(),
                        "delete v1@",
                        "delete @" + second.manifest().digest());
        JsonNode pushed = events.getFirst();
        assertThat(pushed.path("target").path("mediaType").asString()).isEqualTo(first.manifest().mediaType());
        assertThat(pushed.path("target").path("size").asLong()).isEqualTo(first.manifest().size());
        assertThat(pushed.path("target").path("length").asLong()).isEqualTo(first.manifest().size());
        assertThat(pushed.path("request").path("method").asString()).isEqualTo("PUT");
        assertThat(pushed.path("request").path("addr").asString()).isEqualTo("127.0.0.1");
        assertThat(pushed.path("request").path("useragent").asString()).startsWith("Java-http-client");
        assertThat(pushed.path("source").path("instanceID").asString()).isNotEmpty();
        assertThat(Instant.parse(pushed.path("timestamp").asString())).isBefore(Instant.now().plusSeconds(1));
        assertThat(events.get(3).path("request").path("method").asString()).isEqualTo("DELETE");
        assertThat(new HashSet<>(events.stream().map(e -> e.path("id").asString()).toList())).hasSize(5);
        assertThat(got).noneMatch(r -> new String(r.body(), StandardCharsets.UTF_8).contains("other/app"));

        // and the CloudEvents endpoint, which wants pushes of every repository, got both repositories' pushes
        List<WebhookReceiver.Received> cloud = receiver.awaitAccepted(CLOUD, r -> cloudEvents(r, "io.cangku.registry.push").stream()
                .anyMatch(e -> e.path("subject").asString().startsWith("other/app")));
        JsonNode cloudPush = cloudEvents(cloud, "io.cangku.registry.push").stream()
                .filter(e -> e.path("subject").asString().startsWith("other/app")).findFirst().orElseThrow();
        assertThat(cloud.getFirst().header("Content-Type")).isEqualTo("application/cloudevents+json");
        assertThat(cloud.getFirst().header("Cangku-Signature-256")).isNull();
        assertThat(cloudPush.path("specversion").asString()).isEqualTo("1.0");
        assertThat(cloudPush.path("subject").asString()).isEqualTo("other/app:v1@" + elsewhere.manifest().digest());
        assertThat(cloudPush.path("datacontenttype").asString()).isEqualTo("application/json");
        assertThat(cloudPush.path("data").path("target").path("digest").asString()).isEqualTo(elsewhere.manifest().digest());
        assertThat(cloudPush.path("id").asString()).isNotEmpty();
        assertThat(cloudPush.path("source").asString()).isNotEmpty();
    }

    @Test
    @DisplayName("deleting a repository through the admin API sends one delete event naming the repository alone")
    void repositoryDeleteIsOneEvent() throws Exception {
        // given: a repository with two manifests under three tags, its push and tag events delivered
        TestImage first = TestImages.image().seed(31_401).randomLayers(1, 1024).build();
        TestImage second = TestImages.image().seed(31_402).randomLayers(1, 1024).build();
        push("team/gone", "a", first);
        push("team/gone", "b", first);
        push("team/gone", "c", second);
        receiver.awaitAccepted(HOOK, forRepository("team/gone", 6));

        // when
        assertThat(send("DELETE", "/api/repositories/team/gone", null, null).statusCode()).isEqualTo(204);

        // then: exactly one more event for team/gone, a delete with neither digest nor tag, caused by that DELETE
        List<JsonNode> events = receiver.awaitAccepted(HOOK, forRepository("team/gone", 7)).stream()
                .map(NotificationsContract::distributionEvent)
                .filter(e -> e.path("target").path("repository").asString().equals("team/gone")).toList();
        assertThat(events).hasSize(7);
        JsonNode deleted = events.getLast();
        assertThat(deleted.path("action").asString()).isEqualTo("delete");
        assertThat(deleted.path("target").has("digest")).isFalse();
        assertThat(deleted.path("target").has("tag")).isFalse();
        assertThat(deleted.path("target").has("url")).isFalse();
        assertThat(deleted.path("request").path("method").asString()).isEqualTo("DELETE");
        // and the CloudEvents endpoint, which does not want deletes, got none
        assertThat(cloudEvents(receiver.accepted(CLOUD), "io.cangku.registry.delete")).isEmpty();
    }

    @Test
    @DisplayName("pulls reach an endpoint that wants them, batched, and a collection is reported to those that want collections")
    void pullsAndCollections() throws Exception {
        // given
        TestImage image = TestImages.image().seed(31_101).randomLayers(1, 1024).build();
        push("pulled/app", "latest", image);

        // when: two pulls and a dry-run collection
        assertThat(send("GET", "/v2/pulled/app/manifests/latest", null, null).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/v2/pulled/app/manifests/" + image.manifest().digest(), null, null).statusCode()).isEqualTo(200);
        assertThat(send("POST", "/api/gc", "application/json", "{\"dryRun\":true}".getBytes(StandardCharsets.UTF_8)).statusCode())
                .isEqualTo(202);

        // then
        List<WebhookReceiver.Received> cloud = receiver.awaitAccepted(CLOUD, r -> cloudEvents(r, "io.cangku.registry.pull").stream()
                .filter(e -> e.path("subject").asString().startsWith("pulled/app")).count() == 2);
        assertThat(cloudEvents(cloud, "io.cangku.registry.pull").stream().map(e -> e.path("subject").asString()))
                .contains("pulled/app:latest@" + image.manifest().digest(), "pulled/app@" + image.manifest().digest());
        List<WebhookReceiver.Received> hook = receiver.awaitAccepted(HOOK, r -> r.stream()
                .anyMatch(e -> distributionEvent(e).path("action").asString().equals("collection")));
        JsonNode collection = hook.stream().map(NotificationsContract::distributionEvent)
                .filter(e -> e.path("action").asString().equals("collection")).findFirst().orElseThrow();
        assertThat(collection.path("collection").path("dryRun").asBoolean()).isTrue();
        assertThat(collection.path("collection").path("state").asString()).isEqualTo("succeeded");
        assertThat(hook).noneMatch(r -> distributionEvent(r).path("action").asString().equals("pull"));
    }

    @Test
    @DisplayName("while the receiver is down or stalls events wait and the status says why; once it is up they arrive in order")
    void receiverOutage() throws Exception {
        // given: the receiver answers 503
        receiver.answer(HOOK, 503);
        TestImage first = TestImages.image().seed(31_201).randomLayers(1, 1024).build();
        TestImage second = TestImages.image().seed(31_202).randomLayers(1, 1024).build();

        // when: two pushes by tag while it is down
        push("team/outage", "1", first);
        push("team/outage", "2", second);
        receiver.awaitRequests(HOOK, r -> r.stream().filter(request -> request.answeredWith() == 503).count() >= 3);

        // then: nothing of it was delivered, and the admin API shows the failures
        assertThat(forRepository("team/outage", 1).test(receiver.accepted(HOOK))).isFalse();
        JsonNode down = endpointStatus("ci", s -> s.path("consecutiveFailures").asInt() >= 2);
        assertThat(down.path("status").path("lastFailureReason").asString()).isEqualTo("HTTP 503");
        assertThat(down.path("status").path("pending").asInt()).isGreaterThanOrEqualTo(1);
        assertThat(down.path("url").asString()).as("the URL without its path, which may hold a token")
                .isEqualTo("http://127.0.0.1:" + receiver.url(HOOK).getPort() + "/…");
        assertThat(down.path("signed").asBoolean()).isTrue();
        assertThat(down.toString()).doesNotContain(SECRET);

        // when: it answers with headers and then never sends the body it announced
        receiver.stall(HOOK);

        // then: the attempt ends at the endpoint's timeout all the same, and is reported as such
        JsonNode stalled = endpointStatus("ci", s -> s.path("lastFailureReason").asString().startsWith("no answer within"));
        assertThat(stalled.path("status").path("lastFailureReason").asString()).isEqualTo("no answer within PT1S");

        // when: it is up again
        receiver.answer(HOOK, 200);

        // then: the four events arrive, in order, and the status recovers
        List<JsonNode> events = receiver.awaitAccepted(HOOK, forRepository("team/outage", 4)).stream()
                .map(NotificationsContract::distributionEvent)
                .filter(e -> e.path("target").path("repository").asString().equals("team/outage")).toList();
        assertThat(events).extracting(e -> e.path("action").asString() + " " + e.path("target").path("tag").asString())
                .containsExactly("push 1", "tag 1", "push 2", "tag 2");
        JsonNode up = endpointStatus("ci", s -> s.path("pending").asInt() == 0 && s.path("consecutiveFailures").asInt() == 0);
        assertThat(Instant.parse(up.path("status").path("lastSuccess").asString()))
                .isAfter(Instant.parse(up.path("status").path("lastFailure").asString()));
    }

    @Test
    @DisplayName("events pending when the registry stops are delivered by the next registry on the same storage")
    void pendingEventsSurviveRestart() throws Exception {
        // given: a registry of its own whose receiver is down, with two pushes queued
        String path = "/restart";
        receiver.answer(path, 503);
        List<String> storage = freshStorage();
        TestImage first = TestImages.image().seed(31_301).randomLayers(1, 1024).build();
        TestImage second = TestImages.image().seed(31_302).randomLayers(1, 1024).build();
        RegistryContext before = RegistryContext.start(arguments(storage, path));
        try {
            push(before.uri(), "team/restart", "a", first);
            push(before.uri(), "team/restart", "b", second);
            receiver.awaitRequests(path, r -> !r.isEmpty()); // the first attempt failed: the events are queued in storage
        } finally {
            before.close();
        }

        // when: the receiver is up and a new registry starts on the same storage
        receiver.answer(path, 200);
        try (RegistryContext after = RegistryContext.start(arguments(storage, path))) {
            // then: all four events arrive, in order, each once
            List<JsonNode> events = receiver.awaitAccepted(path, forRepository("team/restart", 4)).stream()
                    .map(NotificationsContract::distributionEvent).toList();
            assertThat(events).extracting(e -> e.path("action").asString() + " " + e.path("target").path("tag").asString())
                    .containsExactly("push a", "tag a", "push b", "tag b");
            assertThat(new HashSet<>(events.stream().map(e -> e.path("id").asString()).toList())).hasSize(4);
        }
    }

    @Test
    @DisplayName("two registries on one storage deliver each event once: only the holder of the delivery lease sends")
    void twoReplicasDeliverEachEventOnce() throws Exception {
        // given: two replicas on the same fresh storage, both configured with the same endpoint
        String path = "/pair";
        List<String> storage = freshStorage();
        try (RegistryContext one = RegistryContext.start(arguments(storage, path));
             RegistryContext two = RegistryContext.start(arguments(storage, path))) {
            // when: pushes by tag to both, alternately
            for (int i = 0; i < 4; i++) {
                TestImage image = TestImages.image().seed(31_500 + i).randomLayers(1, 1024).build();
                push(i % 2 == 0 ? one.uri() : two.uri(), "team/pair", "t" + i, image);
            }

            // then: once both queues are empty, each of the eight events (push and tag of each) arrived exactly once
            endpointStatus(one.uri(), "ci", s -> s.path("pending").asInt() == 0 && s.path("delivered").asInt() >= 8);
            List<JsonNode> events = receiver.accepted(path).stream().map(NotificationsContract::distributionEvent)
                    .filter(e -> e.path("target").path("repository").asString().equals("team/pair")).toList();
            assertThat(events).hasSize(8);
            assertThat(new HashSet<>(events.stream().map(e -> e.path("id").asString()).toList())).hasSize(8);
            assertThat(receiver.all(path)).as("no attempt was refused or repeated").hasSize(8);
            // and both replicas' admin APIs show the same status, the one the lease holder wrote
            assertThat(endpointStatus(two.uri(), "ci", s -> s.path("delivered").asInt() >= 8).path("status").path("delivered").asInt())
                    .isEqualTo(8);
        }
    }

    // --- helpers

    private static Predicate<List<WebhookReceiver.Received>> forRepository(String repository, int count) {
        return received -> received.stream().map(NotificationsContract::distributionEvent)
                .filter(e -> e.path("target").path("repository").asString().equals(repository)).count() >= count;
    }

    private static JsonNode distributionEvent(WebhookReceiver.Received request) {
        return JSON.readTree(request.body()).path("events").get(0);
    }

    private static List<JsonNode> cloudEvents(List<WebhookReceiver.Received> received, String type) {
        return received.stream().map(r -> JSON.readTree(r.body())).filter(e -> e.path("type").asString().equals(type)).toList();
    }

    /** What a receiver computes to check a delivery: HMAC-SHA256 of the raw body under the shared secret. */
    private static String expectedSignature(byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
    }

    /** Polls {@code GET /api/notifications} until the endpoint's status satisfies {@code condition}. */
    private JsonNode endpointStatus(String name, Predicate<JsonNode> condition) throws Exception {
        return endpointStatus(registry.uri(), name, condition);
    }

    /** As {@link #endpointStatus(String, Predicate)}, asking the registry at {@code base}. */
    private JsonNode endpointStatus(URI base, String name, Predicate<JsonNode> condition) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(1));
        JsonNode endpoint = null;
        while (Instant.now().isBefore(deadline)) {
            HttpResponse<String> reply = send(base, "GET", "/api/notifications", null, null);
            assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
            for (JsonNode candidate : JSON.readTree(reply.body())) {
                if (candidate.path("name").asString().equals(name)) {
                    endpoint = candidate;
                }
            }
            if (endpoint != null && condition.test(endpoint.path("status"))) {
                return endpoint;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the status of " + name + " did not reach the expected state: " + endpoint);
    }

    private void push(String repository, String reference, TestImage image) throws Exception {
        push(registry.uri(), repository, reference, image);
    }

    private void push(URI base, String repository, String reference, TestImage image) throws Exception {
        for (TestBlob blob : image.blobs()) {
            if (blob != image.manifest()) {
                assertThat(send(base, "POST", "/v2/" + repository + "/blobs/uploads/?digest=" + blob.digest(),
                        "application/octet-stream", blob.content()).statusCode()).isEqualTo(201);
            }
        }
        assertThat(send(base, "PUT", "/v2/" + repository + "/manifests/" + reference, image.manifest().mediaType(),
                image.manifest().content()).statusCode()).isEqualTo(201);
    }

    private HttpResponse<String> send(String method, String path, String contentType, byte[] body) throws Exception {
        return send(registry.uri(), method, path, contentType, body);
    }

    private HttpResponse<String> send(URI base, String method, String path, String contentType, byte[] body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
