package io.cangku.ops;

import io.cangku.testing.Backends;
import io.cangku.testing.FailingStartups;
import io.cangku.testing.RegistryProcess;
import io.cangku.testing.S3TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each misconfiguration, in a registry JVM of its own, exits non-zero within a bound with one line naming
 * the setting and what is wrong, and no stack trace. The JVMs start side by side in {@link #launchAll}, so
 * the class costs about one start-up; the bounds are generous because a start-up on a loaded CI machine is slow.
 */
@DisplayName("Start-up failures: one line, the setting named, a quick non-zero exit")
class StartupFailureTest {

    static FailingStartups runs;
    static Path work;
    static ServerSocket silent;
    static final List<Socket> held = new ArrayList<>();

    @BeforeAll
    static void launchAll() throws IOException {
        work = Backends.newTempDir("cangku-startup-");
        runs = new FailingStartups(work);
        Path file = Files.writeString(work.resolve("a-file"), "not a directory");
        silent = acceptingButSilent();
        String silentEndpoint = "http://127.0.0.1:" + silent.getLocalPort();
        String closedEndpoint = "http://127.0.0.1:" + RegistryProcess.freePort();

        launch("unknown type", "--registry.storage.type=s4");
        launch("root is a file", "--registry.storage.filesystem.root=" + file);
        launch("root under a file", "--registry.storage.filesystem.root=" + file.resolve("data"));
        launch("bad duration", "--registry.storage.filesystem.root=" + work.resolve("d1"), "--registry.uploads.max-age=soon");
        launch("bad size", "--registry.storage.filesystem.root=" + work.resolve("d2"), "--registry.manifests.max-size=lots");
        launch("bad startup timeout", "--registry.storage.filesystem.root=" + work.resolve("d3"), "--registry.storage.startup-timeout=0s");
        launch("missing bucket", s3(S3TestServer.shared().endpoint().toString(), "false", "10s"));
        launch("unreachable", s3(closedEndpoint, "true", "5s"));
        launch("unresponsive", s3(silentEndpoint, "true", "5s"));
        launch("sigterm", s3(silentEndpoint, "true", "300s"));
    }

    @AfterAll
    static void stopAll() throws IOException {
        runs.close();
        for (Socket socket : held) {
            socket.close();
        }
        silent.close();
    }

    @Test
    @DisplayName("an unknown storage type names the allowed values")
    void unknownStorageType() throws Exception {
        assertOneLine("unknown type", "registry.storage.type=s4 is not a storage type; use filesystem or s3");
    }

    @Test
    @DisplayName("a storage root that is a file, or lies under one")
    void storageRootIsAFile() throws Exception {
        assertOneLine("root is a file", "registry.storage.filesystem.root=" + work.resolve("a-file") + " is a file, not a directory");
        assertOneLine("root under a file", "registry.storage.filesystem.root=" + work.resolve("a-file").resolve("data") + " is not a directory");
    }

    @Test
    @DisplayName("an invalid duration or size names the key and the value")
    void invalidDurationAndSize() throws Exception {
        assertOneLine("bad duration", "registry.uploads.max-age=soon is not valid: 'soon' is not a valid duration");
        assertOneLine("bad size", "registry.manifests.max-size=lots is not valid");
        assertOneLine("bad startup timeout", "registry.storage.startup-timeout must be positive");
    }

    @Test
    @DisplayName("a missing bucket says how to create it")
    void missingBucket() throws Exception {
        assertOneLine("missing bucket", "does not exist; create it, or set registry.storage.s3.create-bucket=true");
    }

    @Test
    @DisplayName("an S3 endpoint that refuses connections, or accepts them and never answers, ends at the start-up timeout")
    void unreachableAndUnresponsiveS3() throws Exception {
        String unreachable = assertOneLine("unreachable", "(registry.storage.startup-timeout)");
        assertThat(unreachable).contains("S3 bucket ").contains(" at http://127.0.0.1:");
        String unresponsive = assertOneLine("unresponsive", "did not answer within 5s (registry.storage.startup-timeout)");
        assertThat(unresponsive).contains("at http://127.0.0.1:" + silent.getLocalPort());
    }

    @Test
    @DisplayName("SIGTERM stops a start-up that waits for storage at once")
    void sigtermDuringStartup() throws Exception {
        // given a registry waiting for a silent S3 endpoint (start-up timeout five minutes)
        FailingStartups.Launched run = runs.run("sigterm");
        long deadline = System.nanoTime() + FailingStartups.EXIT_BOUND.toNanos();
        while (!run.output().contains("storage: S3 bucket") && System.nanoTime() < deadline && run.process().isAlive()) {
            Thread.sleep(100);
        }
        assertThat(run.output()).as("the registry reached the storage").contains("storage: S3 bucket");
        Thread.sleep(500);

        // when
        long signalled = System.nanoTime();
        run.process().destroy();

        // then
        assertThat(run.process().waitFor(15, TimeUnit.SECONDS)).as("exited within 15s of SIGTERM:%n%s", run.output()).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - signalled)).isLessThan(Duration.ofSeconds(15));
        assertThat(run.process().exitValue()).isNotZero();
    }

    private static String assertOneLine(String name, String expected) throws Exception {
        return runs.assertOneLine(name, expected);
    }

    private static List<String> s3(String endpoint, String createBucket, String startupTimeout) {
        Map<String, String> settings = new TreeMap<>(io.cangku.testing.Backends.s3Properties(Backends.newBucketName()));
        settings.put("registry.storage.s3.endpoint", endpoint);
        settings.put("registry.storage.s3.create-bucket", createBucket);
        settings.put("registry.storage.startup-timeout", startupTimeout);
        return settings.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toList();
    }

    private static void launch(String name, String... arguments) throws IOException {
        launch(name, List.of(arguments));
    }

    private static void launch(String name, List<String> arguments) throws IOException {
        runs.launch(name, arguments);
    }

    /** A port that accepts connections and then says nothing, as a hung S3 endpoint does. */
    private static ServerSocket acceptingButSilent() throws IOException {
        ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    synchronized (held) {
                        held.add(socket);
                    }
                } catch (IOException e) {
                    return;
                }
            }
        });
        return server;
    }
}
