package io.cangku.gc;

import io.cangku.events.WebhookReceiver;
import io.cangku.testing.Backends;
import io.cangku.testing.Processes;
import io.cangku.testing.TestBlob;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code java -jar cangku.jar gc} as a CronJob or a shell runs it, in a JVM of its own: stdout holds the run's
 * record as JSON and nothing else ({@code gc | jq .}), log lines go to stderr.
 */
class GcCommandTest {

    @Test
    @DisplayName("stdout is the run's JSON record alone; the log lines are on stderr")
    void stdoutIsOnlyTheReport() throws Exception {
        // given: a store holding one blob no manifest names, older than the grace period
        Path root = Backends.newTempDir("cangku-gc-command-");
        byte[] content = "a stray blob".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        String hex = TestBlob.sha256(content).substring("sha256:".length());
        Path blob = root.resolve("blobs/sha256/" + hex.substring(0, 2) + "/" + hex);
        Files.createDirectories(blob.getParent());
        Files.write(blob, content);
        Files.setLastModifiedTime(blob, FileTime.from(Instant.now().minus(Duration.ofHours(2))));

        // and a webhook endpoint configured, as the server's own configuration would have it
        Processes.Output gc;
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            // when: the command runs
            gc = gc(root, "--registry.notifications.poll-interval=50ms",
                    "--registry.notifications.endpoints[0].name=ops",
                    "--registry.notifications.endpoints[0].url=" + receiver.url("/hook"));

            // then: it records its collection event for the servers to deliver, and delivers nothing itself (a
            // process living for one run must not take the delivery lease from a server)
            assertThat(receiver.all("/hook")).isEmpty();
        }
        assertThat(Files.exists(root.resolve("_events/lease"))).as("the delivery lease").isFalse();
        try (var inbox = Files.list(root.resolve("_events/inbox"))) {
            assertThat(inbox.count()).as("events waiting in the inbox").isPositive();
        }

        // then: all of stdout parses as one JSON document (Jackson refuses trailing content), which reports the run
        assertThat(gc.exitCode()).as("%s", gc.describe()).isZero();
        JsonNode run = GcHttp.JSON.readTree(gc.stdout());
        assertThat(run.path("state").asString()).as("%s", gc.describe()).isEqualTo("succeeded");
        assertThat(run.path("report").path("blobsDeleted").asLong()).isEqualTo(1);
        assertThat(gc.stderr()).contains("garbage collection " + run.path("id").asString() + " started");
        assertThat(Files.exists(blob)).isFalse();
    }

    @Test
    @DisplayName("a usage error says so on stderr, exits 2, and prints nothing on stdout")
    void usageErrorGoesToStderr() {
        Processes.Output gc = gc(Backends.newTempDir("cangku-gc-command-"), "--no-such-flag");

        assertThat(gc.exitCode()).isEqualTo(GcCommand.EXIT_USAGE);
        assertThat(gc.stdout()).isEmpty();
        assertThat(gc.stderr()).contains("unknown argument --no-such-flag");
    }

    private static Processes.Output gc(Path root, String... more) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), "io.cangku.CangkuApplication", "gc",
                "--registry.auth.mode=none"));
        command.addAll(Backends.filesystemArguments(root));
        command.addAll(List.of(more));
        return Processes.command(command).timeout(Duration.ofMinutes(2)).runAllowingFailure();
    }
}
