package io.cangku.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.cangku.CangkuApplication;
import io.cangku.api.V2Client.Reply;
import io.cangku.testing.Backends;
import io.cangku.testing.RegistryContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Clients that try to hog uploads: many sockets trickling bodies a byte at a time, a body too slow to be worth
 * waiting for, and one client opening session after session. What must hold: nobody else's upload waits for
 * them, a too-slow chunk is cut with an error that says why and leaves its session usable at the last good
 * offset, and the number of open sessions per client is bounded in storage (so across replicas).
 */
class UploadAbuseTest {

    private static final String OCTET_STREAM = "application/octet-stream";

    /** Raw sockets each holding an upload PATCH open while sending its chunked body a byte per second. */
    private static final class Tricklers implements AutoCloseable {
        private final List<Socket> sockets = new ArrayList<>();
        private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();

        Tricklers(int port, List<String> sessionPaths) throws IOException {
            for (String path : sessionPaths) {
                Socket socket = new Socket("127.0.0.1", port);
                socket.getOutputStream().write(("PATCH " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Content-Type: " + OCTET_STREAM + "\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                sockets.add(socket);
            }
            ticker.scheduleAtFixedRate(this::tick, 1, 1, TimeUnit.SECONDS);
        }

        private void tick() {
            for (Socket socket : sockets) {
                try {
                    OutputStream out = socket.getOutputStream();
                    out.write("1\r\nx\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (IOException e) {
                    // the server cut it: that is allowed
                }
            }
        }

        @Override
        public void close() {
            ticker.shutdownNow();
            for (Socket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException e) {
                    // closing is the point
                }
            }
        }
    }

    @Nested
    @DisplayName("slow bodies")
    @SpringBootTest(classes = CangkuApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
            "registry.auth.mode=none",
            // room for the tricklers' sessions, and a rate window longer than the test, so that they hold
            // their sessions for the whole test: only the lock design is measured here
            "registry.uploads.max-open-per-user=1000",
            "registry.uploads.body-rate-window=5m"})
    class SlowBodies extends WithV2Client {

        @DynamicPropertySource
        static void filesystem(DynamicPropertyRegistry registry) {
            Backends.filesystem(registry);
        }

        @Test
        @DisplayName("200 sockets trickling chunks do not hold up another client's uploads")
        void trickledChunksDoNotBlockOtherUploads() throws Exception {
            // given 200 upload PATCHes in flight, each receiving a byte per second (the sessions spread over
            // any fixed number of lock stripes: 64 stripes would all be taken)
            List<String> sessions = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                sessions.add(registry.startUpload("slow/app"));
            }
            try (Tricklers tricklers = new Tricklers(port, sessions)) {
                Thread.sleep(2000); // every PATCH has reached the store and holds its session

                // when another client pushes three blobs, chunk by chunk as docker does
                byte[][] blobs = new byte[3][];
                Random random = new Random(11);
                for (int i = 0; i < blobs.length; i++) {
                    blobs[i] = new byte[64 * 1024 + i];
                    random.nextBytes(blobs[i]);
                }
                CompletableFuture<List<Reply>> other = CompletableFuture.supplyAsync(() -> {
                    List<Reply> completed = new ArrayList<>();
                    for (byte[] blob : blobs) {
                        String location = registry.startUpload("fast/app");
                        Reply patch = registry.patch(location, blob, "Content-Type", OCTET_STREAM);
                        assertThat(patch.status()).as("%s", patch).isEqualTo(202);
                        completed.add(registry.put(RegistryApiContract.withQuery(patch.header("Location"), "digest", OciContent.sha256(blob)),
                                new byte[0]));
                    }
                    return completed;
                });

                // then they all complete promptly (before the fix they waited for the tricklers' stripes)
                List<Reply> completed = other.get(20, TimeUnit.SECONDS);
                assertThat(completed).extracting(Reply::status).containsOnly(201);
                for (byte[] blob : blobs) {
                    Reply pulled = registry.get("/v2/fast/app/blobs/" + OciContent.sha256(blob));
                    assertThat(pulled.body()).isEqualTo(blob);
                }
            }
        }
    }

    @Nested
    @DisplayName("limits")
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Limits {

        private final Path root = Backends.newTempDir("cangku-limits-");
        private RegistryContext registryProcess;
        private V2Client registry;

        @BeforeAll
        void start() {
            registryProcess = RegistryContext.startOpen(Backends.filesystemArguments(root),
                    "--registry.uploads.min-body-rate=1KB", "--registry.uploads.body-rate-window=2s",
                    "--registry.uploads.max-open-per-user=3");
            registry = V2Client.onPort(registryProcess.port());
        }

        @AfterAll
        void stop() {
            if (registryProcess != null) {
                registryProcess.close();
            }
        }

        @Test
        @DisplayName("a chunk slower than min-body-rate is cut with 408; the session resumes at its last good offset")
        void tooSlowChunkIsCutAndSessionResumes() throws Exception {
            // given a session holding a first chunk of 100 bytes
            byte[] blob = new byte[300];
            new Random(5).nextBytes(blob);
            String location = registry.startUpload("limits/slow");
            Reply first = registry.patch(location, java.util.Arrays.copyOf(blob, 100), "Content-Type", OCTET_STREAM,
                    "Content-Range", "0-99");
            assertThat(first.status()).as("%s", first).isEqualTo(202);

            // when the next chunk arrives at a byte every half second (the limit: 1 KB/s over 2 s)
            RawHttp.Response cut;
            try (Socket socket = new Socket("127.0.0.1", registryProcess.port())) {
                socket.setSoTimeout(15_000);
                OutputStream out = socket.getOutputStream();
                out.write(("PATCH " + first.header("Location") + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                        + OCTET_STREAM + "\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
                try {
                    ticker.scheduleAtFixedRate(() -> {
                        try {
                            out.write("1\r\nz\r\n".getBytes(StandardCharsets.US_ASCII));
                            out.flush();
                        } catch (IOException e) {
                            // cut by the server
                        }
                    }, 0, 500, TimeUnit.MILLISECONDS);
                    cut = RawHttp.readFrom(socket);
                } finally {
                    ticker.shutdownNow();
                }
            }

            // then it is cut with an error naming the limit and the offset kept
            assertThat(cut.status()).isEqualTo(408);
            V2Client.assertWellFormedError(cut.asReply("PATCH (trickled)"));
            assertThat(cut.text()).contains("BLOB_UPLOAD_INVALID").contains("registry.uploads.min-body-rate")
                    .contains("resume from offset 100");
            assertThat(cut.headers()).containsEntry("range", "0-99").containsEntry("connection", "close");

            // and the session goes on from there to a verified blob
            Reply rest = registry.patch(first.header("Location"), java.util.Arrays.copyOfRange(blob, 100, 300),
                    "Content-Type", OCTET_STREAM, "Content-Range", "100-299");
            assertThat(rest.status()).as("%s", rest).isEqualTo(202);
            Reply done = registry.put(RegistryApiContract.withQuery(rest.header("Location"), "digest", OciContent.sha256(blob)), new byte[0]);
            assertThat(done.status()).as("%s", done).isEqualTo(201);
            assertThat(registry.get("/v2/limits/slow/blobs/" + OciContent.sha256(blob)).body()).isEqualTo(blob);
        }

        @Test
        @DisplayName("one client may hold max-open-per-user sessions; one more is 429 TOOMANYREQUESTS, on every replica")
        void openSessionsPerClientAreBounded() {
            // given a client holding the limit of 3 open sessions (after one of its uploads completed, which
            // does not count)
            registry.pushBlob("limits/many", "done".getBytes(StandardCharsets.UTF_8));
            Reply done = registry.post("/v2/limits/many/blobs/uploads/", new byte[0]);
            assertThat(done.status()).isEqualTo(202);
            byte[] small = "small".getBytes(StandardCharsets.UTF_8);
            Reply finished = registry.put(RegistryApiContract.withQuery(done.header("Location"), "digest", OciContent.sha256(small)),
                    small, "Content-Type", OCTET_STREAM);
            assertThat(finished.status()).as("%s", finished).isEqualTo(201);
            List<String> open = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                open.add(registry.startUpload("limits/many"));
            }

            // when it asks for a fourth
            Reply refused = registry.post("/v2/limits/many/blobs/uploads/", new byte[0]);

            // then it is refused with the spec's code and a message saying what to do
            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.errorCode()).isEqualTo("TOOMANYREQUESTS");
            assertThat(refused.json().path("errors").path(0).path("message").asString())
                    .contains("3 upload sessions open").contains("registry.uploads.max-open-per-user");

            // and a second replica on the same storage counts the same sessions
            try (RegistryContext replica = RegistryContext.startOpen(Backends.filesystemArguments(root),
                    "--registry.uploads.max-open-per-user=3")) {
                Reply onReplica = V2Client.onPort(replica.port()).post("/v2/limits/many/blobs/uploads/", new byte[0]);
                assertThat(onReplica.status()).isEqualTo(429);
            }

            // and cancelling one makes room again
            assertThat(registry.delete(open.getFirst()).status()).isEqualTo(204);
            Reply again = registry.post("/v2/limits/many/blobs/uploads/", new byte[0]);
            assertThat(again.status()).as("%s", again).isEqualTo(202);
            open.set(0, again.header("Location"));
            open.forEach(registry::delete); // leave the limit to the other tests of this registry
            registry.assertEveryReplyWellFormed();
        }
    }
}
