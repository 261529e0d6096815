package io.cangku.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs external programs (skopeo, podman, docker, ...) for tests: each run has a timeout, captures stdout and
 * stderr, and fails with both when the program exits non-zero or runs too long, so a failing client explains
 * itself in the test report.
 *
 * <pre>{@code
 * String raw = Processes.command("skopeo", "inspect", "--raw", "docker://...")
 *         .env("REGISTRY_AUTH_FILE", authFile.toString())
 *         .run()
 *         .stdout();
 * }</pre>
 */
public final class Processes {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(2);

    private Processes() {
    }

    public static Command command(String... arguments) {
        return new Command(List.of(arguments));
    }

    public static Command command(List<String> arguments) {
        return new Command(List.copyOf(arguments));
    }

    /** What a finished program printed and how it exited. */
    public record Output(List<String> command, int exitCode, String stdout, String stderr) {

        public boolean succeeded() {
            return exitCode == 0;
        }

        /** stdout, then stderr: for checking what a program said, whichever stream it said it on. */
        public String text() {
            return stdout + stderr;
        }

        /** A multi-line description for failure messages. */
        public String describe() {
            return "`" + String.join(" ", command) + "` exited " + exitCode
                    + "\n--- stdout ---\n" + stdout + "\n--- stderr ---\n" + stderr;
        }

        @Override
        public String toString() {
            return describe();
        }
    }

    /** One program invocation under construction. Environment variables are added to the JVM's own. */
    public static final class Command {

        private final List<String> arguments;
        private final Map<String, String> environment = new LinkedHashMap<>();
        private Duration timeout = DEFAULT_TIMEOUT;
        private Path workingDirectory;
        private String stdin;

        private Command(List<String> arguments) {
            if (arguments.isEmpty()) {
                throw new IllegalArgumentException("no program given");
            }
            this.arguments = new ArrayList<>(arguments);
        }

        public Command args(String... more) {
            arguments.addAll(Arrays.asList(more));
            return this;
        }

        public Command env(String name, String value) {
            environment.put(name, value);
            return this;
        }

        public Command env(Map<String, String> variables) {
            environment.putAll(variables);
            return this;
        }

        public Command timeout(Duration limit) {
            this.timeout = limit;
            return this;
        }

        public Command in(Path directory) {
            this.workingDirectory = directory;
            return this;
        }

        /** Text for the program's standard input (a password for {@code --password-stdin}); none by default. */
        public Command stdin(String text) {
            this.stdin = text;
            return this;
        }

        /** Runs the program and fails, with its output, unless it exits 0. */
        public Output run() {
            Output output = runAllowingFailure();
            if (!output.succeeded()) {
                throw new AssertionError(output.describe());
            }
            return output;
        }

        /**
         * Runs the program and returns its output whatever the exit code; only a timeout fails. Output goes
         * to temp files rather than pipes, so a chatty program can never block on a full pipe buffer.
         */
        public Output runAllowingFailure() {
            Path stdout = null;
            Path stderr = null;
            try {
                stdout = Files.createTempFile("cangku-proc-", ".out");
                stderr = Files.createTempFile("cangku-proc-", ".err");
                ProcessBuilder builder = new ProcessBuilder(arguments)
                        .redirectOutput(stdout.toFile())
                        .redirectError(stderr.toFile());
                if (stdin == null) {
                    builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
                }
                builder.environment().putAll(environment);
                if (workingDirectory != null) {
                    builder.directory(workingDirectory.toFile());
                }
                Process process = builder.start();
                if (stdin != null) {
                    try (var in = process.getOutputStream()) {
                        in.write(stdin.getBytes(StandardCharsets.UTF_8));
                    }
                }
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    destroyTree(process);
                    throw new AssertionError("`" + String.join(" ", arguments) + "` did not finish within "
                            + timeout + "\n--- stdout ---\n" + Files.readString(stdout, StandardCharsets.UTF_8)
                            + "\n--- stderr ---\n" + Files.readString(stderr, StandardCharsets.UTF_8));
                }
                return new Output(List.copyOf(arguments), process.exitValue(),
                        Files.readString(stdout, StandardCharsets.UTF_8),
                        Files.readString(stderr, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException("could not run " + arguments, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while running " + arguments, e);
            } finally {
                deleteQuietly(stdout);
                deleteQuietly(stderr);
            }
        }
    }

    /** Kills a process we started and everything it started, children first so none is left orphaned. */
    public static void destroyTree(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a temp file left behind is harmless
        }
    }
}
