package io.cangku.ops;

import io.cangku.storage.ObjectStore;
import io.cangku.storage.StorageLayout;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Storage is reachable when a one-item listing answers within {@link #TIMEOUT}. Bounded, because a store that
 * accepts connections but never answers would otherwise hold each probe for the client's socket timeout.
 */
final class StorageHealthIndicator implements HealthIndicator {

    static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final ObjectStore store;
    private final String backend;

    StorageHealthIndicator(ObjectStore store, String backend) {
        this.store = store;
        this.backend = backend;
    }

    @Override
    public Health health() {
        long start = System.nanoTime();
        FutureTask<Object> listing = new FutureTask<>(() -> store.list(StorageLayout.SIGNING_KEYS, null, 1));
        Thread.ofVirtual().name("storage-health").start(listing);
        try {
            listing.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return Health.up().withDetail("backend", backend)
                    .withDetail("latencyMillis", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).build();
        } catch (TimeoutException e) {
            listing.cancel(true);
            return Health.down().withDetail("backend", backend)
                    .withDetail("error", "no answer within " + TIMEOUT.toSeconds() + "s").build();
        } catch (ExecutionException e) {
            // the message only: a probe answer is no place for a stack trace
            return Health.down().withDetail("backend", backend).withDetail("error", String.valueOf(e.getCause().getMessage())).build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            listing.cancel(true);
            return Health.unknown().withDetail("backend", backend).build();
        }
    }
}
