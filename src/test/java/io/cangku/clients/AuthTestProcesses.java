package io.cangku.clients;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a client program and collects what it printed. Output goes to a file rather than a pipe, so a chatty
 * program can never block on a full pipe, and the output is there to read after a timeout too.
 */
final class AuthTestProcesses {

    private AuthTestProcesses() {
    }

    /** How a program ended: its exit code and its standard output and error, interleaved. */
    record Result(List<String> command, int exitCode, String output) {

        boolean succeeded() {
            return exitCode == 0;
        }

        @Override
        public String toString() {
            return String.join(" ", command) + " → exit " + exitCode + "\n" + output;
        }
    }

    static Result run(Map<String, String> environment, Duration timeout, String... command) {
        return run(environment, timeout, null, command);
    }

    /** Runs {@code command} with extra environment variables and, when given, text on its standard input. */
    static Result run(Map<String, String> environment, Duration timeout, String stdin, String... command) {
        Path output = null;
        try {
            output = Files.createTempFile("cangku-process-", ".log");
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
            builder.environment().putAll(environment);
            if (stdin == null) {
                builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            }
            Process process = builder.start();
            if (stdin != null) {
                try (var in = process.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout + ":\n"
                        + Files.readString(output));
            }
            return new Result(List.of(command), process.exitValue(), Files.readString(output));
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            if (output != null) {
                try {
                    Files.deleteIfExists(output);
                } catch (IOException ignored) {
                    // a temp file; the OS cleans up
                }
            }
        }
    }

    /** Runs and fails the test unless the program exits with 0. */
    static Result succeed(Map<String, String> environment, Duration timeout, String... command) {
        Result result = run(environment, timeout, command);
        if (!result.succeeded()) {
            throw new AssertionError("expected success: " + result);
        }
        return result;
    }

    /** Best effort: what a client left in a temp directory (image layers, engine state) goes; errors are ignored. */
    static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException ignored) {
                    // still mounted or busy: leave it to the OS's temp cleanup
                }
            });
        } catch (IOException | UncheckedIOException ignored) {
            // as above
        }
    }
}
