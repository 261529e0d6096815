package io.cangku.clients;

import io.cangku.testing.Backends;
import io.cangku.testing.Processes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Docker engine of our own (TESTING.md): dockerd in a temp directory with its own socket, data and
 * exec roots, no bridge and no iptables, trusting the registry under test over plain HTTP. Stopped through
 * the process we started, never by name.
 */
final class AuthTestDockerEngine implements AutoCloseable {

    private final Path dir;
    private final Process dockerd;

    private AuthTestDockerEngine(Path dir, Process dockerd) {
        this.dir = dir;
        this.dockerd = dockerd;
    }

    static AuthTestDockerEngine start(String insecureRegistry) {
        // a short path: the engine's unix sockets live under it and must stay within 108 bytes
        Path dir = Backends.newTempDir("cgk-dockerd-");
        try {
            Process process = new ProcessBuilder("dockerd",
                    "--host", "unix://" + dir.resolve("docker.sock"),
                    "--data-root", dir.resolve("data").toString(),
                    "--exec-root", dir.resolve("exec").toString(),
                    "--pidfile", dir.resolve("dockerd.pid").toString(),
                    "--iptables=false", "--ip6tables=false", "--bridge=none",
                    "--insecure-registry", insecureRegistry)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("dockerd.log").toFile())
                    .start();
            AuthTestDockerEngine engine = new AuthTestDockerEngine(dir, process);
            engine.awaitReady();
            return engine;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start dockerd", e);
        }
    }

    private void awaitReady() {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        Path config = Backends.newTempDir("cgk-docker-ping-");
        while (Instant.now().isBefore(deadline)) {
            if (!dockerd.isAlive()) {
                throw new IllegalStateException("dockerd exited with " + dockerd.exitValue() + ":\n" + log());
            }
            if (docker(config, "version").succeeded()) {
                return;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        close();
        throw new IllegalStateException("dockerd did not answer within 60 s:\n" + log());
    }

    /** Runs the docker CLI against this engine, with {@code config} as its DOCKER_CONFIG (credentials live there). */
    Processes.Output docker(Path config, String... args) {
        return dockerWithInput(config, null, args);
    }

    Processes.Output dockerWithInput(Path config, String stdin, String... args) {
        return Processes.command("docker").args(args).env(Map.of("DOCKER_HOST", "unix://" + dir.resolve("docker.sock"),
                "DOCKER_CONFIG", config.toString())).stdin(stdin).runAllowingFailure();
    }

    String log() {
        try {
            return Files.readString(dir.resolve("dockerd.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() {
        dockerd.destroy(); // SIGTERM: dockerd stops its containerd and cleans up its mounts
        try {
            if (!dockerd.waitFor(30, TimeUnit.SECONDS)) {
                dockerd.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Backends.deleteRecursively(dir);
    }
}
