package io.cangku.storage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Opens a backend at start-up within {@code registry.storage.startup-timeout}: a store that refuses connections
 * is tried again (each retry logged) until the deadline; one that accepts connections but never answers is
 * given up at the deadline instead of after the client's socket timeouts and retries (about 16 minutes with the
 * S3 defaults).
 *
 * <p>Each attempt runs on a virtual thread, whose socket reads an interrupt ends, while the starting thread
 * waits. A shutdown hook interrupts that wait, so SIGTERM stops a start-up at any moment: without it, the
 * signal's context close waited for the refresh lock that the stuck start-up held.
 */
public final class StorageStartup {

    private static final Logger log = LoggerFactory.getLogger(StorageStartup.class);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private StorageStartup() {
    }

    /** An action against the store that may fail with {@link IOException}. */
    @FunctionalInterface
    public interface Attempt<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code attempt} until it succeeds, fails with an answer from the store (a missing bucket, refused
     * credentials: not retried), or {@code timeout} passes.
     *
     * @param what the store as an operator knows it, e.g. {@code S3 bucket b at http://minio:9000}
     * @throws StorageStartupException when the deadline passes, or a shutdown signal arrives meanwhile
     */
    public static <T> T open(String what, Duration timeout, Attempt<T> attempt) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Thread waiting = Thread.currentThread();
        Thread interrupter = new Thread(waiting::interrupt, "storage-startup-shutdown");
        Runtime.getRuntime().addShutdownHook(interrupter);
        try {
            Duration backoff = FIRST_BACKOFF;
            for (int number = 1; ; number++) {
                // a thread of its own rather than an executor, whose close() would wait for an abandoned attempt
                FutureTask<T> future = new FutureTask<>(attempt::run);
                Thread.ofVirtual().name("storage-startup-" + number).start(future);
                try {
                    return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    future.cancel(true);
                    throw new StorageStartupException(what + " did not answer within " + shown(timeout)
                            + " (registry.storage.startup-timeout)");
                } catch (InterruptedException e) {
                    future.cancel(true);
                    throw new StorageStartupException("start-up stopped by a shutdown signal while waiting for " + what);
                } catch (ExecutionException e) {
                    Throwable failure = e.getCause();
                    if (!isUnreachable(failure)) {
                        if (failure instanceof IOException io) {
                            throw io;
                        }
                        if (failure instanceof RuntimeException r) {
                            throw r;
                        }
                        throw new IOException(failure);
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= backoff.toNanos()) {
                        throw new StorageStartupException(what + " is not reachable (" + rootMessage(failure)
                                + "); gave up after " + shown(timeout) + " (registry.storage.startup-timeout)");
                    }
                    log.warn("storage not reachable yet, attempt {}: {} ({}); retrying in {} ms", number, what,
                            rootMessage(failure), backoff.toMillis());
                    try {
                        Thread.sleep(backoff);
                    } catch (InterruptedException interrupted) {
                        throw new StorageStartupException("start-up stopped by a shutdown signal while waiting for " + what);
                    }
                    backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
                }
            }
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(interrupter);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run: it only interrupts this thread, which is leaving anyway
            }
            Thread.interrupted(); // a late interrupt from the hook must not leak into the rest of start-up
        }
    }

    /** Failures to reach the store at all, as opposed to an answer from it. */
    static boolean isUnreachable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SocketException || t instanceof UnknownHostException || t instanceof InterruptedIOException) {
                return true;
            }
        }
        return false;
    }

    private static String shown(Duration duration) {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + "s" : duration.toMillis() + "ms";
    }

    private static String rootMessage(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
    }

    /** Start-up could not reach the storage in time; its message names the store and the setting. */
    public static final class StorageStartupException extends IOException {
        public StorageStartupException(String message) {
            super(message);
        }
    }
}
