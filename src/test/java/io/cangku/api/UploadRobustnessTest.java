package io.cangku.api;

import static io.cangku.api.RegistryApiContract.withQuery;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.cangku.CangkuApplication;
import io.cangku.api.OciContent.Blob;
import io.cangku.api.OciContent.Image;
import io.cangku.api.V2Client.Reply;
import io.cangku.registry.UploadService;
import io.cangku.testing.Backends;
import io.cangku.testing.RegistryProcess;
import io.cangku.testing.SeededContent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * Uploads under conditions a polite client never creates, on the filesystem backend: bodies cut short and
 * connections dropped mid-request, several clients racing for the same blob, tag or session, sessions left
 * behind, a registry killed with SIGKILL mid-upload, and a 2 GiB blob through a registry with a 256 MiB heap.
 * What must hold: nothing half-received ever becomes visible, a session keeps the Range it had before the
 * failed request, the registry keeps serving, and memory does not grow with the blob.
 */
@SpringBootTest(classes = CangkuApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = "registry.auth.mode=none")
class UploadRobustnessTest extends WithV2Client {

    private static final int MiB = 1024 * 1024;
    private static final String OCTET_STREAM = "application/octet-stream";

    @DynamicPropertySource
    static void filesystem(DynamicPropertyRegistry registry) {
        Backends.filesystem(registry);
    }

    @Value("${registry.storage.filesystem.root}")
    Path root;

    /** Upload session ids with state on disk. */
    static Set<String> sessionsOnDisk(Path root) {
        Path uploads = root.resolve("_uploads");
        if (!Files.isDirectory(uploads)) {
            return Set.of();
        }
        try (Stream<Path> sessions = Files.list(uploads)) {
            return sessions.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String sessionId(String location) {
        return location.substring(location.lastIndexOf('/') + 1);
    }

    /** Size of a session's data on disk, or -1 when it has none. */
    static long sessionDataSize(Path root, String id) {
        try {
            return Files.size(root.resolve("_uploads").resolve(id).resolve("data"));
        } catch (IOException e) {
            return -1;
        }
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // =============================================================================================================

    @Nested
    @DisplayName("interrupted requests")
    class InterruptedRequests {

        private final String name = RegistryApiContract.repo("interrupted");
        private final Blob blob = OciContent.uniqueBlob(2 * MiB);
        /** Of the 1 MiB second chunk: more than one direct-write buffer, so some of it reaches the disk. */
        private static final int SENT_BEFORE_CUT = 900_000;

        /**
         * Sends the start of a body framed as {@code framing}, waits until {@code serverReceiving} holds (so the
         * server is known to be mid-request), then ends the connection as {@code ending} says: {@code closed}, or
         * {@code half-closed}, after which the server can still answer.
         */
        private Reply sendCutShort(String method, String path, byte[] whole, int sent, String framing, String ending,
                                   Runnable serverReceiving, String... headers) {
            List<String> all = new ArrayList<>(List.of(headers));
            all.addAll(List.of("Content-Type", OCTET_STREAM));
            all.addAll(framing.equals("chunked")
                    ? List.of("Transfer-Encoding", "chunked")
                    : List.of("Content-Length", String.valueOf(whole.length)));
            try (RawHttp raw = RawHttp.connect(port)) {
                raw.head(method, path, all.toArray(String[]::new));
                if (framing.equals("chunked")) {
                    raw.write(Integer.toHexString(whole.length) + "\r\n");
                }
                raw.write(Arrays.copyOf(whole, sent));
                serverReceiving.run();
                if (ending.equals("closed")) {
                    return null;
                }
                return raw.endOfInput().readResponse().asReply(method + " " + path);
            }
        }

        private void assertRefusedIfAnswered(Reply reply) {
            if (reply != null) {
                assertThat(reply.status()).as("%s", reply).isEqualTo(400);
                assertThat(reply.errorCode()).isIn("BLOB_UPLOAD_INVALID", "SIZE_INVALID");
                V2Client.assertWellFormedError(reply);
            }
        }

        private String sessionWithFirstChunk(int length) {
            String location = registry.startUpload(name);
            Reply first = registry.patch(location, Arrays.copyOf(blob.bytes(), length),
                    "Content-Type", OCTET_STREAM, "Content-Range", "0-" + (length - 1));
            assertThat(first.status()).as("%s", first).isEqualTo(202);
            return location;
        }

        /**
         * Waits until the server has appended part of the request's body to the session's data. The part sent
         * must be more than the store writes at once (512 KiB with direct writes, DirectAppends.BUFFER_BYTES).
         */
        private Runnable appendingBeyond(String location, long size) {
            return () -> await().atMost(Duration.ofSeconds(20))
                    .until(() -> sessionDataSize(root, sessionId(location)) > size);
        }

        private void awaitRange(String location, String range) {
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                Reply status = registry.get(location);
                assertThat(status.status()).as("%s", status).isEqualTo(204);
                assertThat(status.header("Range")).isEqualTo(range);
            });
        }

        private void assertTheSessionCompletes(String location, int from) {
            Reply rest = registry.patch(location, Arrays.copyOfRange(blob.bytes(), from, blob.size()),
                    "Content-Type", OCTET_STREAM, "Content-Range", from + "-" + (blob.size() - 1));
            assertThat(rest.status()).as("%s", rest).isEqualTo(202);
            Reply done = registry.put(withQuery(location, "digest", blob.digest()), new byte[0]);
            assertThat(done.status()).as("%s", done).isEqualTo(201);
            assertThat(registry.get("/v2/" + name + "/blobs/" + blob.digest()).body()).isEqualTo(blob.bytes());
        }

        @ParameterizedTest(name = "{0} body, connection {1}")
        @CsvSource({
                "Content-Length, closed",
                "Content-Length, half-closed",
                "chunked,        closed",
                "chunked,        half-closed",
        })
        @DisplayName("a PATCH cut short keeps none of its bytes: the session reports its previous Range and goes on")
        void patchCutShort(String framing, String ending) {
            // given
            String location = sessionWithFirstChunk(MiB);
            byte[] chunk = Arrays.copyOfRange(blob.bytes(), MiB, blob.size());

            // when
            Reply reply = sendCutShort("PATCH", location, chunk, SENT_BEFORE_CUT, framing, ending, appendingBeyond(location, MiB),
                    "Content-Range", MiB + "-" + (blob.size() - 1));

            // then
            assertRefusedIfAnswered(reply);
            awaitRange(location, "0-" + (MiB - 1));
            assertThat(registry.get("/v2/").status()).isEqualTo(200);
            assertTheSessionCompletes(location, MiB);
        }

        @ParameterizedTest(name = "{0} body, connection {1}")
        @CsvSource({
                "Content-Length, closed",
                "Content-Length, half-closed",
                "chunked,        closed",
                "chunked,        half-closed",
        })
        @DisplayName("a closing PUT whose last chunk is cut short publishes nothing; the session keeps its Range")
        void closingPutCutShort(String framing, String ending) {
            // given
            String location = sessionWithFirstChunk(MiB);
            byte[] last = Arrays.copyOfRange(blob.bytes(), MiB, blob.size());

            // when
            Reply reply = sendCutShort("PUT", withQuery(location, "digest", blob.digest()), last, SENT_BEFORE_CUT, framing, ending,
                    appendingBeyond(location, MiB));

            // then
            assertRefusedIfAnswered(reply);
            awaitRange(location, "0-" + (MiB - 1));
            assertThat(registry.head("/v2/" + name + "/blobs/" + blob.digest()).status()).isEqualTo(404);
            assertTheSessionCompletes(location, MiB);
        }

        @ParameterizedTest(name = "{0} body, connection {1}")
        @CsvSource({
                "Content-Length, closed",
                "Content-Length, half-closed",
                "chunked,        closed",
                "chunked,        half-closed",
        })
        @DisplayName("a monolithic POST cut short publishes nothing and leaves no session or temporary file")
        void monolithicPostCutShort(String framing, String ending) {
            // given
            Set<String> sessionsBefore = sessionsOnDisk(root);

            Runnable sessionReceiving = () -> await().atMost(Duration.ofSeconds(20)).until(() -> sessionsOnDisk(root).stream()
                    .anyMatch(id -> !sessionsBefore.contains(id) && sessionDataSize(root, id) > 0));

            // when
            Reply reply = sendCutShort("POST", withQuery("/v2/" + name + "/blobs/uploads/", "digest", blob.digest()),
                    blob.bytes(), MiB, framing, ending, sessionReceiving);

            // then
            assertRefusedIfAnswered(reply);
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(sessionsOnDisk(root)).isEqualTo(sessionsBefore));
            assertThat(registry.head("/v2/" + name + "/blobs/" + blob.digest()).status()).isEqualTo(404);
            assertThat(root.resolve("blobs/sha256").resolve(blob.digest().substring(7, 9)).resolve(blob.digest().substring(7)))
                    .doesNotExist();
            assertThat(root.resolve(".tmp")).isEmptyDirectory();
            assertThat(registry.pushBlob(name, blob.bytes())).isEqualTo(blob.digest());
        }

        @Test
        @DisplayName("a Content-Length larger than the bytes sent, then a half-close, is answered 400 and stores nothing")
        void bodyShorterThanDeclared() {
            // given
            String location = sessionWithFirstChunk(MiB);

            // when: no Content-Range, so only the missing bytes betray the client
            Reply reply;
            try (RawHttp raw = RawHttp.connect(port)) {
                reply = raw.head("PATCH", location, "Content-Type", OCTET_STREAM, "Content-Length", "1000")
                        .write(new byte[999]).endOfInput().readResponse().asReply("PATCH " + location);
            }

            // then
            assertRefusedIfAnswered(reply);
            awaitRange(location, "0-" + (MiB - 1));
        }
    }

    // =============================================================================================================

    @Nested
    @DisplayName("concurrent pushes")
    class ConcurrentPushes {

        private static final int CLIENTS = 6;

        private final String name = RegistryApiContract.repo("race");

        /** Runs {@code task} on {@code CLIENTS} threads at once and returns what each returned. */
        private <T> List<T> atOnce(Function<Integer, T> task) throws Exception {
            ExecutorService executor = Executors.newFixedThreadPool(CLIENTS);
            try {
                CyclicBarrier start = new CyclicBarrier(CLIENTS);
                List<Future<T>> futures = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    int client = i;
                    futures.add(executor.submit(() -> {
                        start.await(30, TimeUnit.SECONDS);
                        return task.apply(client);
                    }));
                }
                List<T> results = new ArrayList<>();
                for (Future<T> future : futures) {
                    results.add(future.get(2, TimeUnit.MINUTES));
                }
                return results;
            } finally {
                executor.shutdownNow();
            }
        }

        @Test
        @DisplayName("several clients pushing the same blob in sessions of their own all succeed, and the blob is intact")
        void sameBlobInSessions() throws Exception {
            // given
            Blob blob = OciContent.uniqueBlob(4 * MiB);
            List<String> locations = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                locations.add(registry.startUpload(name));
            }

            // when
            List<Reply> replies = atOnce(client -> {
                String location = locations.get(client);
                Reply patch = registry.patch(location, blob.bytes(), "Content-Type", OCTET_STREAM,
                        "Content-Range", "0-" + (blob.size() - 1));
                assertThat(patch.status()).as("%s", patch).isEqualTo(202);
                return registry.put(withQuery(location, "digest", blob.digest()), new byte[0]);
            });

            // then
            assertThat(replies).allSatisfy(reply -> assertThat(reply.status()).as("%s", reply).isEqualTo(201));
            Reply pulled = registry.get("/v2/" + name + "/blobs/" + blob.digest());
            assertThat(pulled.body()).isEqualTo(blob.bytes());
            assertThat(sessionsOnDisk(root)).doesNotContainAnyElementsOf(locations.stream().map(UploadRobustnessTest::sessionId).toList());
            assertThat(root.resolve(".tmp")).isEmptyDirectory();
        }

        @Test
        @DisplayName("several clients pushing the same blob monolithically at once all succeed, and the blob is intact")
        void sameBlobMonolithic() throws Exception {
            // given
            Blob blob = OciContent.uniqueBlob(4 * MiB);

            // when
            List<Reply> replies = atOnce(client -> registry.post(
                    withQuery("/v2/" + name + "-" + client + "/blobs/uploads/", "digest", blob.digest()), blob.bytes()));

            // then
            assertThat(replies).allSatisfy(reply -> assertThat(reply.status()).as("%s", reply).isEqualTo(201));
            for (int client = 0; client < CLIENTS; client++) {
                assertThat(registry.get("/v2/" + name + "-" + client + "/blobs/" + blob.digest()).body()).isEqualTo(blob.bytes());
            }
            assertThat(root.resolve(".tmp")).isEmptyDirectory();
        }

        @Test
        @DisplayName("several clients pushing different manifests to one tag at once leave it on one of them, whole")
        void sameTag() throws Exception {
            // given
            List<Image> images = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                Image image = OciContent.ociImage(2);
                registry.pushBlobs(name, image.blobs().toArray(Blob[]::new));
                images.add(image);
            }

            // when
            List<Reply> replies = atOnce(client -> registry.putManifest(name, "race", images.get(client).manifest()));

            // then
            assertThat(replies).allSatisfy(reply -> assertThat(reply.status()).as("%s", reply).isEqualTo(201));
            Reply tagged = registry.get("/v2/" + name + "/manifests/race");
            assertThat(tagged.status()).isEqualTo(200);
            Map<String, Image> byDigest = images.stream().collect(Collectors.toMap(i -> i.manifest().digest(), i -> i));
            assertThat(byDigest).containsKey(tagged.header("Docker-Content-Digest"));
            Image winner = byDigest.get(tagged.header("Docker-Content-Digest"));
            assertThat(tagged.body()).isEqualTo(winner.manifest().bytes());
            for (Blob blob : winner.blobs()) {
                assertThat(registry.get("/v2/" + name + "/blobs/" + blob.digest()).body()).isEqualTo(blob.bytes());
            }
            for (Image image : images) {
                assertThat(registry.get("/v2/" + name + "/manifests/" + image.manifest().digest()).body())
                        .isEqualTo(image.manifest().bytes());
            }
            Reply tags = registry.get("/v2/" + name + "/tags/list");
            assertThat(tags.json().path("tags").toString()).isEqualTo("[\"race\"]");
        }

        @Test
        @DisplayName("two clients sending the first chunk of one session at once: one is stored, the other gets 416")
        void sameSession() throws Exception {
            // given
            Blob first = OciContent.uniqueBlob(MiB);
            Blob second = OciContent.uniqueBlob(MiB);
            String location = registry.startUpload(name);
            ExecutorService executor = Executors.newFixedThreadPool(2);
            CyclicBarrier start = new CyclicBarrier(2);
            List<Future<Reply>> futures = new ArrayList<>();

            // when
            try {
                for (Blob blob : List.of(first, second)) {
                    futures.add(executor.submit(() -> {
                        start.await(30, TimeUnit.SECONDS);
                        return registry.patch(location, blob.bytes(), "Content-Type", OCTET_STREAM,
                                "Content-Range", "0-" + (MiB - 1));
                    }));
                }
                List<Integer> statuses = new ArrayList<>();
                for (Future<Reply> future : futures) {
                    statuses.add(future.get(1, TimeUnit.MINUTES).status());
                }

                // then
                assertThat(statuses).containsExactlyInAnyOrder(202, 416);
                Blob stored = statuses.get(0) == 202 ? first : second;
                assertThat(registry.get(location).header("Range")).isEqualTo("0-" + (MiB - 1));
                Reply done = registry.put(withQuery(location, "digest", stored.digest()), new byte[0]);
                assertThat(done.status()).as("the session holds exactly the winner's bytes: %s", done).isEqualTo(201);
                assertThat(registry.get(done.header("Location")).body()).isEqualTo(stored.bytes());
            } finally {
                executor.shutdownNow();
            }
        }
    }

    // =============================================================================================================

    @Nested
    @DisplayName("abandoned uploads")
    @TestPropertySource(properties = {"registry.uploads.max-age=3s", "registry.uploads.purge-interval=500ms"})
    class AbandonedUploads {

        // this nested class runs its own registry, with the short limits above
        @LocalServerPort
        int purgingPort;

        @Value("${registry.storage.filesystem.root}")
        Path purgingRoot;

        @Autowired
        UploadService uploads;

        V2Client purging;

        @BeforeEach
        void connectToThisContext() {
            purging = V2Client.onPort(purgingPort);
        }

        @AfterEach
        void everyReplyOfThisContextWasWellFormed() {
            purging.assertEveryReplyWellFormed();
        }

        @Test
        @DisplayName("a session untouched for longer than registry.uploads.max-age is purged, data and all")
        void abandonedSessionIsPurged() {
            // given
            String location = purging.startUpload("purge/app");
            purging.patch(location, OciContent.uniqueBlob(1000).bytes(), "Content-Type", OCTET_STREAM);
            assertThat(sessionsOnDisk(purgingRoot)).contains(sessionId(location));

            // when: nobody touches it for longer than max-age, while the purge job runs every 500 ms
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
                    .until(() -> !sessionsOnDisk(purgingRoot).contains(sessionId(location)));

            // then
            Reply status = purging.get(location);
            assertThat(status.status()).isEqualTo(404);
            assertThat(status.errorCode()).isEqualTo("BLOB_UPLOAD_UNKNOWN");
        }

        @Test
        @DisplayName("a purge leaves a session that is younger than registry.uploads.max-age alone")
        void liveSessionSurvives() throws IOException {
            // given
            Blob blob = OciContent.uniqueBlob(1000);
            String location = purging.startUpload("purge/app");
            purging.patch(location, blob.bytes(), "Content-Type", OCTET_STREAM);

            // when
            uploads.purgeUntouchedSince(java.time.Instant.now().minus(uploads.maxAge()), false);

            // then
            assertThat(purging.get(location).header("Range")).isEqualTo("0-999");
            assertThat(purging.put(withQuery(location, "digest", blob.digest()), new byte[0]).status()).isEqualTo(201);
        }
    }

    // =============================================================================================================

    /** A stream that, after {@code threshold} bytes, reports that it got there and waits for {@code proceed}. */
    static InputStream pausingAfter(InputStream in, long threshold, CountDownLatch reached, CountDownLatch proceed) {
        return new FilterInputStream(in) {
            private long count;

            private boolean paused;

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (count >= threshold && !paused) {
                    paused = true;
                    reached.countDown();
                    try {
                        proceed.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException(e);
                    }
                }
                int n = super.read(b, off, paused ? len : (int) Math.min(len, threshold - count));
                if (n > 0) {
                    count += n;
                }
                return n;
            }
        };
    }

    @Nested
    @DisplayName("crash safety (a separate registry process)")
    class CrashSafety {

        private static final String NAME = "crash/app";

        @Test
        @DisplayName("killed with SIGKILL mid-upload and restarted on the same root: nothing half-written is visible, "
                + "earlier content is intact, and the interrupted session resumes from the Range it reports")
        void killMidUpload(@TempDir Path dir) throws Exception {
            // given: a registry holding an image and a blob, and a session with an 8 MiB first chunk
            Path storage = dir.resolve("storage");
            SeededContent chunked = new SeededContent(11, 72L * MiB);
            SeededContent monolithic = new SeededContent(12, 64L * MiB);
            String chunkedDigest = chunked.sha256();
            String monolithicDigest = monolithic.sha256();
            Image image = OciContent.ociImage(2);
            Blob earlier = OciContent.randomBlob(13, 3 * MiB);
            String location;
            try (RegistryProcess first = RegistryProcess.start(storage, dir.resolve("first.log"), List.of("-Xmx256m"))) {
                V2Client client = new V2Client(first.uri());
                client.pushImage(NAME, "v1", image);
                client.pushBlob(NAME, earlier.bytes());
                location = client.startUpload(NAME);
                Reply firstChunk = client.send("PATCH", location, V2Client.streamed(() -> chunked.open(0, 8L * MiB), 8L * MiB),
                        "Content-Type", OCTET_STREAM, "Content-Range", "0-" + (8 * MiB - 1));
                assertThat(firstChunk.status()).as("%s", firstChunk).isEqualTo(202);

                // when: killed while a second chunk and a monolithic upload are streaming in
                CountDownLatch streaming = new CountDownLatch(2);
                CountDownLatch killed = new CountDownLatch(1);
                ExecutorService executor = Executors.newFixedThreadPool(2);
                try {
                    String session = location;
                    Future<Reply> patch = executor.submit(() -> client.send("PATCH", session,
                            V2Client.streamed(() -> pausingAfter(chunked.open(8L * MiB, 64L * MiB), 16L * MiB, streaming, killed)),
                            "Content-Type", OCTET_STREAM));
                    Future<Reply> post = executor.submit(() -> client.send("POST",
                            withQuery("/v2/" + NAME + "/blobs/uploads/", "digest", monolithicDigest),
                            V2Client.streamed(() -> pausingAfter(monolithic.open(), 16L * MiB, streaming, killed)),
                            "Content-Type", OCTET_STREAM));
                    assertThat(streaming.await(2, TimeUnit.MINUTES)).as("both uploads streaming\n%s", first.logTail()).isTrue();
                    first.kill();
                    killed.countDown();
                    for (Future<Reply> upload : List.of(patch, post)) {
                        assertThat(upload).failsWithin(Duration.ofMinutes(1));
                    }
                } finally {
                    executor.shutdownNow();
                }
            }

            // then
            try (RegistryProcess second = RegistryProcess.start(storage, dir.resolve("second.log"), List.of("-Xmx256m"))) {
                V2Client client = new V2Client(second.uri());
                assertThat(client.get("/v2/").status()).isEqualTo(200);
                assertThat(client.head("/v2/" + NAME + "/blobs/" + chunkedDigest).status()).isEqualTo(404);
                assertThat(client.head("/v2/" + NAME + "/blobs/" + monolithicDigest).status()).isEqualTo(404);
                assertThat(client.get("/v2/" + NAME + "/manifests/v1").body()).isEqualTo(image.manifest().bytes());
                for (Blob blob : image.blobs()) {
                    assertThat(client.get("/v2/" + NAME + "/blobs/" + blob.digest()).body()).isEqualTo(blob.bytes());
                }
                assertThat(client.get("/v2/" + NAME + "/blobs/" + earlier.digest()).body()).isEqualTo(earlier.bytes());

                Reply status = client.get(location);
                assertThat(status.status()).as("%s", status).isEqualTo(204);
                long offset = Long.parseLong(status.header("Range").split("-")[1]) + 1;
                assertThat(offset).as("the first chunk survived; at most what was streamed since").isBetween(8L * MiB, 24L * MiB);
                long rest = chunked.size() - offset;
                Reply resumed = client.send("PATCH", location, V2Client.streamed(() -> chunked.open(offset, rest), rest),
                        "Content-Type", OCTET_STREAM, "Content-Range", offset + "-" + (chunked.size() - 1));
                assertThat(resumed.status()).as("%s", resumed).isEqualTo(202);
                Reply done = client.put(withQuery(location, "digest", chunkedDigest), new byte[0]);
                assertThat(done.status()).as("the resumed session holds exactly the pushed bytes: %s", done).isEqualTo(201);
                HttpResponse<InputStream> pulled = client.getStream("/v2/" + NAME + "/blobs/" + chunkedDigest);
                assertThat(SeededContent.sha256(pulled.body())).isEqualTo(chunkedDigest);
                assertThat(client.pushBlob("crash/other", OciContent.uniqueBlob(1000).bytes())).startsWith("sha256:");
                client.assertEveryReplyWellFormed();
            }
        }
    }

    @Nested
    @Tag("large")
    @DisplayName("large blobs (a separate registry process with a 256 MiB heap)")
    class LargeBlobs {

        private static final long SIZE = 2L * 1024 * MiB;
        private static final long CHUNK = 64L * MiB;
        private static final String NAME = "large/blob";

        @Test
        @DisplayName("a 2 GiB blob pushed in 64 MiB chunks, and another in one streamed POST, come back intact")
        void twoGibibytes(@TempDir Path dir) {
            // given: contents generated from seeds, never held in memory
            SeededContent chunked = new SeededContent(21, SIZE);
            SeededContent streamed = new SeededContent(22, SIZE);
            String streamedDigest = streamed.sha256();
            try (RegistryProcess registry = RegistryProcess.start(dir.resolve("storage"), dir.resolve("registry.log"),
                    List.of("-Xmx256m", "-XX:+ExitOnOutOfMemoryError"))) {
                V2Client client = new V2Client(registry.uri());

                // when: one goes up in 64 MiB chunks, hashed on the way
                MessageDigest sha256 = newSha256();
                String location = client.startUpload(NAME);
                for (long offset = 0; offset < SIZE; offset += CHUNK) {
                    long from = offset;
                    long length = Math.min(CHUNK, SIZE - offset);
                    Reply reply = client.send("PATCH", location,
                            V2Client.streamed(() -> new DigestInputStream(chunked.open(from, length), sha256), length),
                            "Content-Type", OCTET_STREAM, "Content-Range", from + "-" + (from + length - 1));
                    assertThat(reply.status()).as("%s\n%s", reply, registry.logTail()).isEqualTo(202);
                    assertThat(reply.header("Range")).isEqualTo("0-" + (from + length - 1));
                    location = reply.header("Location");
                }
                String chunkedDigest = "sha256:" + HexFormat.of().formatHex(sha256.digest());
                Reply closed = client.put(withQuery(location, "digest", chunkedDigest), new byte[0]);
                // and the other in one POST with a chunked (streamed) body
                Reply posted = client.send("POST", withQuery("/v2/" + NAME + "/blobs/uploads/", "digest", streamedDigest),
                        V2Client.streamed(streamed::open), "Content-Type", OCTET_STREAM);

                // then
                assertThat(closed.status()).as("%s\n%s", closed, registry.logTail()).isEqualTo(201);
                assertThat(posted.status()).as("%s\n%s", posted, registry.logTail()).isEqualTo(201);
                for (String digest : List.of(chunkedDigest, streamedDigest)) {
                    assertThat(client.head("/v2/" + NAME + "/blobs/" + digest).header("Content-Length")).isEqualTo(String.valueOf(SIZE));
                    HttpResponse<InputStream> pulled = client.getStream("/v2/" + NAME + "/blobs/" + digest);
                    assertThat(pulled.statusCode()).isEqualTo(200);
                    assertThat(SeededContent.sha256(pulled.body())).isEqualTo(digest);
                }
                assertThat(registry.isAlive()).as(registry.logTail()).isTrue();
                assertThat(registry.log()).doesNotContain("OutOfMemoryError");
                client.assertEveryReplyWellFormed();
            }
        }
    }
}
