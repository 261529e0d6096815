package io.cangku.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Registries that are expected to fail at start, each in a JVM of its own (the one start-up line is what a
 * process prints, so only a process shows it). Launch them all first, then assert: they start side by side,
 * so a class of them costs about one start-up.
 */
public final class FailingStartups implements AutoCloseable {

    /** JVM start, context, failure: far above what a failure needs on a quiet machine, far below a hang. */
    public static final Duration EXIT_BOUND = Duration.ofSeconds(120);
    /** What {@code OneLineFailureReporter} starts its line with. */
    public static final String LINE = "Cangku could not start: ";

    private final Path work;
    private final Duration exitBound;
    private final List<String> command;
    private final Map<String, Launched> runs = new ConcurrentHashMap<>();

    /** {@code work}: where each run's output is written; each run must end within {@link #EXIT_BOUND} of its launch. */
    public FailingStartups(Path work) {
        this(work, EXIT_BOUND);
    }

    /** {@code exitBound}: how long after its launch each run must have ended. */
    public FailingStartups(Path work, Duration exitBound) {
        this(work, exitBound, RegistryProcess.javaCommand(List.of("-Xmx192m", "-XX:TieredStopAtLevel=1")));
    }

    /** {@code command}: how each run starts (the test classpath's main class or the packaged jar), settings appended. */
    public FailingStartups(Path work, Duration exitBound, List<String> command) {
        this.work = work;
        this.exitBound = exitBound;
        this.command = List.copyOf(command);
    }

    /** A launched registry, its output in a file. */
    public record Launched(Process process, Path log, long startNanos, CompletableFuture<Long> exitNanos) {

        public String output() {
            try {
                return Files.readString(log, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Waits for the exit; returns how long the process ran. */
        public Duration awaitExit(Duration bound) throws Exception {
            assertThat(process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS))
                    .as("the registry exited within %s; its output:%n%s", bound, output()).isTrue();
            return Duration.ofNanos(exitNanos.get(10, TimeUnit.SECONDS) - startNanos);
        }
    }

    /** Starts a registry (without authentication, on a free port) with {@code arguments}; returns at once. */
    public void launch(String name, List<String> arguments) throws IOException {
        List<String> command = new ArrayList<>(this.command);
        command.add("--server.port=0");
        command.add("--registry.auth.mode=none");
        command.addAll(arguments);
        Path log = work.resolve(name.replaceAll("[^A-Za-z0-9.-]", "-") + ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long start = System.nanoTime();
        runs.put(name, new Launched(process, log, start, process.onExit().thenApply(p -> System.nanoTime())));
    }

    public Launched run(String name) {
        return runs.get(name);
    }

    /**
     * Asserts a non-zero exit within the bound, exactly one failure line containing {@code expected}, no stack
     * frames; returns the line.
     */
    public String assertOneLine(String name, String expected) throws Exception {
        Launched run = runs.get(name);
        assertThat(run).as("a run named %s was launched", name).isNotNull();
        Duration ran = run.awaitExit(exitBound);
        String output = run.output();
        assertThat(run.process().exitValue()).as(output).isNotZero();
        assertThat(ran).isLessThan(exitBound);
        List<String> lines = output.lines().filter(l -> l.contains(LINE)).toList();
        assertThat(lines).as(output).hasSize(1);
        assertThat(lines.getFirst()).as(output).contains(expected);
        assertThat(output).as("no stack trace").doesNotContainPattern("(?m)^\\s+at [\\w$.]+\\(");
        return lines.getFirst();
    }

    /** Ends every run still going. */
    @Override
    public void close() {
        runs.values().forEach(run -> run.process().destroyForcibly());
    }
}
