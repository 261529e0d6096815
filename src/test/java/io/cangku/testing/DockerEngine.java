package io.cangku.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Docker engine for tests: {@code dockerd} started in a directory of its own (socket, data-root,
 * exec-root, pidfile and log all inside it) so it never touches a system daemon, without iptables or a bridge
 * (this machine has neither to spare), and with the registry under test marked insecure. Needs root.
 * {@link #close()} stops the daemon by its pid, and whatever it started (its own containerd), and waits for
 * them to exit.
 *
 * <pre>{@code
 * try (DockerEngine engine = DockerEngine.start(dir, "127.0.0.1:" + port)) {
 *     engine.docker(config, "load", "-i", archive.toString()).run();
 * }
 * }</pre>
 */
public final class DockerEngine implements AutoCloseable {

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

    private final Path dir;
    private final Process daemon;

    private DockerEngine(Path dir, Process daemon) {
        this.dir = dir;
        this.daemon = daemon;
    }

    /**
     * Starts dockerd in {@code dir} and waits until it answers; {@code insecureRegistries} are {@code host:port}
     * it may reach over plain HTTP (127.0.0.0/8 already is, but saying so keeps the test independent of
     * that default).
     */
    public static DockerEngine start(Path dir, String... insecureRegistries) {
        List<String> command = new ArrayList<>(List.of("dockerd",
                "--host", "unix://" + dir.resolve("docker.sock"),
                "--data-root", dir.resolve("data").toString(),
                "--exec-root", dir.resolve("exec").toString(),
                "--pidfile", dir.resolve("dockerd.pid").toString(),
                "--iptables=false", "--ip6tables=false", "--bridge=none"));
        for (String registry : insecureRegistries) {
            command.add("--insecure-registry");
            command.add(registry);
        }
        Process daemon;
        try {
            Files.createDirectories(dir);
            daemon = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("dockerd.log").toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start dockerd", e);
        }
        DockerEngine engine = new DockerEngine(dir, daemon);
        try {
            engine.awaitReady();
        } catch (RuntimeException | Error e) {
            engine.close();
            throw e;
        }
        return engine;
    }

    /**
     * A {@code docker} client command talking to this engine. {@code dockerConfig} is the client's
     * configuration directory (credentials, {@code docker manifest} lists): give each test its own.
     */
    public Processes.Command docker(Path dockerConfig, String... arguments) {
        List<String> command = new ArrayList<>();
        command.add("docker");
        command.addAll(List.of(arguments));
        return Processes.command(command)
                .env("DOCKER_HOST", host())
                .env("DOCKER_CONFIG", dockerConfig.toString());
    }

    public String host() {
        return "unix://" + dir.resolve("docker.sock");
    }

    /** The daemon's log so far, for failure messages. */
    public String log() {
        try {
            return Files.readString(dir.resolve("dockerd.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no dockerd log: " + e.getMessage() + ")";
        }
    }

    /** Stops the daemon (SIGTERM, then SIGKILL after a grace period) and anything it left running. */
    @Override
    public void close() {
        // Collected first: once dockerd exits, its containerd would be re-parented and no longer findable.
        List<ProcessHandle> children = daemon.descendants().toList();
        daemon.destroy();
        try {
            if (!daemon.waitFor(SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            for (ProcessHandle child : children) {
                if (child.isAlive()) {
                    child.destroy();
                    child.onExit().get(SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
        } catch (Exception e) {
            children.forEach(ProcessHandle::destroyForcibly);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void awaitReady() {
        Instant deadline = Instant.now().plus(STARTUP_TIMEOUT);
        Path config = dir.resolve("probe-config");
        while (true) {
            if (!daemon.isAlive()) {
                throw new IllegalStateException("dockerd exited with " + daemon.exitValue() + "\n" + log());
            }
            Processes.Output info = docker(config, "version", "--format", "{{.Server.Version}}")
                    .timeout(Duration.ofSeconds(10)).runAllowingFailure();
            if (info.succeeded()) {
                return;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("dockerd did not answer within " + STARTUP_TIMEOUT + "\n"
                        + info.describe() + "\n--- dockerd log ---\n" + log());
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for dockerd", e);
            }
        }
    }
}
