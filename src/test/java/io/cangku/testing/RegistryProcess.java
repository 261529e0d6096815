package io.cangku.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The registry as a separate JVM, for what a test cannot do to a server inside its own JVM: kill it with
 * SIGKILL mid-request, or cap its heap. It runs {@code io.cangku.CangkuApplication} from the test's own
 * classpath (so no {@code mvn package} is needed) on a free port, open (no authentication), on the storage
 * its arguments name, and writes its output to a log file whose tail goes into failure messages.
 *
 * <pre>{@code
 * try (RegistryProcess registry = RegistryProcess.start(log, List.of("-Xmx256m"),
 *         Backends.s3Arguments(s3, "big"))) {
 *     new V2Client(registry.uri())...
 * }
 * }</pre>
 */
public final class RegistryProcess implements AutoCloseable {

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(90);

    private final Process process;
    private final int port;
    private final Path log;

    private RegistryProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts the registry on filesystem storage and waits until {@code GET /readyz} answers 200.
     *
     * @param root       the filesystem storage root (reused across restarts)
     * @param log        where the process's stdout and stderr go
     * @param jvmOptions options such as {@code -Xmx256m}
     */
    public static RegistryProcess start(Path root, Path log, List<String> jvmOptions) {
        return start(log, jvmOptions, Backends.filesystemArguments(root));
    }

    /**
     * Starts the registry, open (no authentication), and waits until {@code GET /readyz} answers 200.
     *
     * @param log        where the process's stdout and stderr go (appended to, so restarts can share it)
     * @param jvmOptions options such as {@code -Xmx256m}
     * @param arguments  the registry's own settings as {@code --name=value}: at least the storage
     *                   ({@link Backends#filesystemArguments}, {@link Backends#s3Arguments}); not the port or the
     *                   auth mode, which this class sets
     */
    public static RegistryProcess start(Path log, List<String> jvmOptions, List<String> arguments) {
        List<String> settings = new ArrayList<>(List.of("--registry.auth.mode=none"));
        settings.addAll(arguments);
        return start(javaCommand(jvmOptions), log, settings);
    }

    /**
     * Starts {@code command} (a {@link #javaCommand} or a {@link #jarCommand}) with {@code arguments} and a free
     * port, and waits until {@code GET /readyz} answers 200. Authentication is what the arguments say.
     */
    public static RegistryProcess start(List<String> command, Path log, List<String> arguments) {
        int port = freePort();
        List<String> full = new ArrayList<>(command);
        full.add("--server.port=" + port);
        full.addAll(arguments);
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            Process process = new ProcessBuilder(full)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            RegistryProcess registry = new RegistryProcess(process, port, log);
            registry.awaitReady();
            return registry;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The command that runs the packaged jar ({@code mvn package}'s), settings to be appended. */
    public static List<String> jarCommand(Path jar, List<String> jvmOptions) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(jar.toString());
        return command;
    }

    /**
     * The command that runs the registry from the test classpath, settings to be appended; for a test that
     * watches a start-up itself (one that fails, or is stopped midway).
     */
    public static List<String> javaCommand(List<String> jvmOptions) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("io.cangku.CangkuApplication");
        return command;
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public int port() {
        return port;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL, as a crash or the OOM killer would: no shutdown hook, no graceful shutdown. */
    public void kill() {
        process.destroyForcibly();
        waitForExit();
    }

    /** The log so far. */
    public String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /** The last lines of the log, for failure messages. */
    public String logTail() {
        String text = log();
        return text.length() > 6000 ? "…" + text.substring(text.length() - 6000) : text;
    }

    /** Stops the process (SIGTERM, then SIGKILL if it lingers). */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
        waitForExit();
    }

    private void waitForExit() {
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("registry process " + process.pid() + " did not exit");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            HttpRequest ping = HttpRequest.newBuilder(uri().resolve("/readyz")).timeout(Duration.ofSeconds(5)).build();
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the registry exited with " + process.exitValue() + " while starting:\n" + logTail());
                }
                try {
                    if (http.send(ping, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        return;
                    }
                } catch (IOException e) {
                    // not listening yet
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IllegalStateException(e);
        }
        process.destroyForcibly();
        throw new IllegalStateException("the registry did not answer GET /readyz within " + STARTUP_TIMEOUT + ":\n" + logTail());
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
