package io.cangku.storage;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The flush of writes held in memory to spare the request path a storage write (pull times, pull events): run on
 * its own daemon thread every interval, and once more on {@link #stop()}, after the periodic runs have ended, so
 * what the last requests left in memory reaches storage before the process exits. The owner calls
 * {@link #start()} and {@link #stop()} from its lifecycle, in a phase that stops after the web server.
 */
public final class WriteBehind {

    private static final Duration STOP_WAIT = Duration.ofSeconds(10);

    private final String threadName;
    private final Duration every;
    private final Runnable flush;
    private volatile ScheduledExecutorService executor;

    /**
     * @param threadName names the flushing thread in thread dumps
     * @param every      the delay between the end of one flush and the start of the next
     * @param flush      writes what is held; must not throw for a storage failure (keep it for the next run instead)
     */
    public WriteBehind(String threadName, Duration every, Runnable flush) {
        if (every.isNegative() || every.isZero()) {
            throw new IllegalArgumentException("flush interval must be positive: " + every);
        }
        this.threadName = threadName;
        this.every = every;
        this.flush = Objects.requireNonNull(flush);
    }

    /** Starts the periodic flushes; the first runs one interval from now. */
    public synchronized void start() {
        if (executor != null) {
            return;
        }
        ScheduledExecutorService started = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name(threadName).daemon().factory());
        long millis = every.toMillis();
        started.scheduleWithFixedDelay(flush, millis, millis, TimeUnit.MILLISECONDS);
        executor = started;
    }

    /**
     * Ends the periodic flushes, waiting for one in progress, then flushes once more on the caller's thread.
     * A no-op if never started.
     */
    public synchronized void stop() {
        ScheduledExecutorService running = executor;
        executor = null;
        if (running == null) {
            return;
        }
        running.shutdownNow();
        try {
            running.awaitTermination(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        flush.run();
    }

    /** Whether periodic flushes are scheduled. */
    public boolean isRunning() {
        return executor != null;
    }
}
