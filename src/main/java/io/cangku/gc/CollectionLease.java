package io.cangku.gc;

import io.cangku.storage.ObjectStore;
import io.cangku.storage.StorageLayout;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * One collection at a time across every replica: a lease object in storage ({@code _gc/lease}) naming its
 * holder and an expiry, taken and renewed by conditional writes only (S3 {@code If-None-Match} /
 * {@code If-Match}, a file lock on the filesystem). A holder that dies stops renewing, its lease lapses after
 * {@code registry.gc.lease-ttl}, and another process may take over. Nothing else waits on it: pushes and
 * pulls never read it.
 */
final class CollectionLease {

    private static final int MAX_LEASE_BYTES = 4096;

    /** The lease's content; {@code token} makes every write distinct, so versions never repeat. */
    record Holder(String runId, String owner, long expiresAtEpochMilli, String token) {
        Instant expiresAt() {
            return Instant.ofEpochMilli(expiresAtEpochMilli);
        }
    }

    private final ObjectStore store;
    private final JsonMapper json;
    private final Clock clock;
    private final Duration ttl;
    private final String runId;
    private final String owner;
    private String version;
    private volatile boolean held;

    private CollectionLease(ObjectStore store, JsonMapper json, Clock clock, Duration ttl, String runId, String owner) {
        this.store = store;
        this.json = json;
        this.clock = clock;
        this.ttl = ttl;
        this.runId = runId;
        this.owner = owner;
    }

    /** Takes the lease for {@code runId}, or says who holds it. */
    static Acquisition tryAcquire(ObjectStore store, JsonMapper json, Clock clock, Duration ttl, String runId, String owner)
            throws IOException {
        CollectionLease lease = new CollectionLease(store, json, clock, ttl, runId, owner);
        Optional<ObjectStore.VersionedBytes> current = store.readVersioned(StorageLayout.GC_LEASE, MAX_LEASE_BYTES);
        String expected = null;
        if (current.isPresent()) {
            Holder holder = parse(json, current.get().content());
            if (holder != null && holder.expiresAt().isAfter(clock.instant())) {
                return new Acquisition(null, holder);
            }
            expected = current.get().version();
        }
        if (!lease.write(expected)) {
            return new Acquisition(null, currentHolder(store, json).orElse(null));
        }
        return new Acquisition(lease, null);
    }

    /** The lease, or (when someone else holds it) who does. */
    record Acquisition(CollectionLease lease, Holder heldBy) {
    }

    /** Who holds an unexpired lease, if anyone. */
    static Optional<Holder> activeHolder(ObjectStore store, JsonMapper json, Clock clock) throws IOException {
        return currentHolder(store, json).filter(h -> h.expiresAt().isAfter(clock.instant()));
    }

    /** Extends the lease; false (and the lease counts as lost) when someone else took it meanwhile. */
    synchronized boolean renew() {
        if (!held) {
            return false;
        }
        try {
            if (!write(version)) {
                held = false;
            }
        } catch (IOException e) {
            // keep it until the expiry we last wrote: isHeld() stops the run after that
        }
        return held;
    }

    /** Held and unexpired by our own last write; the collector checks it before every deletion batch. */
    boolean isHeld() {
        return held && expiresAt.isAfter(clock.instant());
    }

    /** Gives the lease up (an expired record), so the next run need not wait for it to lapse. */
    synchronized void release() {
        if (!held) {
            return;
        }
        held = false;
        try {
            byte[] released = json.writeValueAsBytes(new Holder(runId, owner, 0, UUID.randomUUID().toString()));
            store.writeSmallIfVersion(StorageLayout.GC_LEASE, released, version);
        } catch (IOException e) {
            // it lapses on its own
        }
    }

    Duration ttl() {
        return ttl;
    }

    private volatile Instant expiresAt = Instant.MIN;

    /**
     * A conditional write, then a read-back: with a store that enforces conditions the read-back only confirms;
     * with one that ignores them (see README) it still catches most lost races.
     */
    private boolean write(String expectedVersion) throws IOException {
        Instant until = clock.instant().plus(ttl);
        Holder mine = new Holder(runId, owner, until.toEpochMilli(), UUID.randomUUID().toString());
        if (!store.writeSmallIfVersion(StorageLayout.GC_LEASE, json.writeValueAsBytes(mine), expectedVersion)) {
            return false;
        }
        Optional<ObjectStore.VersionedBytes> back = store.readVersioned(StorageLayout.GC_LEASE, MAX_LEASE_BYTES);
        if (back.isEmpty() || !mine.equals(parse(json, back.get().content()))) {
            return false;
        }
        version = back.get().version();
        expiresAt = until;
        held = true;
        return true;
    }

    private static Optional<Holder> currentHolder(ObjectStore store, JsonMapper json) throws IOException {
        return store.readSmall(StorageLayout.GC_LEASE, MAX_LEASE_BYTES).map(b -> parse(json, b));
    }

    /** An unreadable lease counts as expired: it cannot name a live holder. */
    private static Holder parse(JsonMapper json, byte[] bytes) {
        try {
            return json.readValue(bytes, Holder.class);
        } catch (JacksonException e) {
            return null;
        }
    }
}
