package io.cangku.policy;

import io.cangku.oci.Digest;
import io.cangku.oci.RepositoryName;
import io.cangku.registry.ManifestPullListener;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.StorageKey;
import io.cangku.storage.StorageLayout;
import io.cangku.storage.WriteBehind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Service;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * When each manifest was last pulled, kept cheaply: a pull only puts the time into a map in memory (no storage
 * I/O on the request path); every {@code registry.retention.pull-time-flush} the map is written out, one small
 * marker object per pulled manifest ({@code _policy/pulls/...}) holding its latest pull time. So a pull reaches
 * storage at most one flush interval after it happened (the replica that served it counts it at once), and a
 * manifest pulled a thousand times in an interval costs one write. Replicas write the same markers and the last
 * writer wins: a marker can step back by at most one flush interval (a replica flushing an older pull after
 * another flushed a newer one), never by more. A tag's pull time is that of the manifest it points at (so a
 * pull by digest counts for every tag on the manifest).
 */
@Service
public class PullTimes implements ManifestPullListener, SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(PullTimes.class);

    private record Pulled(RepositoryName repository, Digest digest) {
    }

    private final ObjectStore store;
    private final Clock clock;
    private final RetentionProperties properties;
    private final Map<Pulled, Instant> pending = new ConcurrentHashMap<>();
    private final AtomicLong dropped = new AtomicLong();
    private final WriteBehind flusher;

    PullTimes(ObjectStore store, Clock clock, RetentionProperties properties) {
        this.store = store;
        this.clock = clock;
        this.properties = properties;
        this.flusher = new WriteBehind("pull-times", properties.pullTimeFlush(), this::flush);
    }

    @Override
    public void pulled(RepositoryName repository, Digest digest) {
        Pulled key = new Pulled(repository, digest);
        if (pending.size() >= properties.maxPendingPulls() && !pending.containsKey(key)) {
            dropped.incrementAndGet(); // bounded memory; the next flush makes room
            return;
        }
        pending.merge(key, clock.instant(), (a, b) -> a.isAfter(b) ? a : b);
    }

    /**
     * Last pull of each manifest of the repository: the markers in storage, and what this replica has not
     * written yet. One listing, no reads.
     */
    public Map<Digest, Instant> lastPulled(RepositoryName repository) throws IOException {
        Map<Digest, Instant> times = new HashMap<>();
        StorageKey prefix = StorageLayout.pulls(repository);
        store.forEach(prefix, item -> {
            Digest digest = digestOf(item.key().relativeTo(prefix));
            if (digest != null) {
                times.put(digest, readTime(item.key()).orElse(item.lastModified()));
            }
        });
        pending.forEach((key, at) -> {
            if (key.repository().equals(repository)) {
                times.merge(key.digest(), at, (a, b) -> a.isAfter(b) ? a : b);
            }
        });
        return times;
    }

    /** Writes the pending pull times; one that fails stays pending for the next flush. */
    public void flush() {
        int written = 0;
        for (Map.Entry<Pulled, Instant> entry : pending.entrySet()) {
            Pulled key = entry.getKey();
            if (!pending.remove(key, entry.getValue())) {
                continue; // pulled again meanwhile: the newer time is written on the next flush
            }
            try {
                store.writeSmall(StorageLayout.pull(key.repository(), key.digest()),
                        entry.getValue().toString().getBytes(StandardCharsets.US_ASCII));
                written++;
            } catch (IOException | RuntimeException e) {
                pending.merge(key, entry.getValue(), (a, b) -> a.isAfter(b) ? a : b);
                log.warn("could not record pull times ({} pending): {}", pending.size(), e.toString());
                break;
            }
        }
        long lost = dropped.getAndSet(0);
        if (lost > 0) {
            log.warn("{} pulls were not recorded: more than registry.retention.max-pending-pulls={} manifests were pulled "
                    + "within one flush interval", lost, properties.maxPendingPulls());
        }
        log.debug("recorded the pull times of {} manifests", written);
    }

    private java.util.Optional<Instant> readTime(StorageKey key) throws IOException {
        return store.readSmall(key, 64).flatMap(bytes -> {
            try {
                return java.util.Optional.of(Instant.parse(new String(bytes, StandardCharsets.US_ASCII).trim()));
            } catch (java.time.format.DateTimeParseException e) {
                return java.util.Optional.empty();
            }
        });
    }

    /** Deletes the marker of a manifest the repository no longer holds. */
    void forget(RepositoryName repository, Digest digest) throws IOException {
        store.delete(StorageLayout.pull(repository, digest));
    }

    /** The digest of a {@code <algorithm>/<hex>} path under a repository (revisions, pull records); null if none. */
    public static Digest digestOf(String path) {
        int slash = path.indexOf('/');
        if (slash < 0) {
            return null;
        }
        try {
            return Digest.parse(path.substring(0, slash) + ":" + path.substring(slash + 1));
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public void start() {
        flusher.start();
    }

    /** Writes what is pending before the process ends, so a rolling restart loses no pull. */
    @Override
    public void stop() {
        flusher.stop();
    }

    @Override
    public boolean isRunning() {
        return flusher.isRunning();
    }

    /** Stops after the web server (higher phases stop first), so the last requests' pulls are in the map. */
    @Override
    public int getPhase() {
        return Integer.MIN_VALUE + 1000;
    }
}
