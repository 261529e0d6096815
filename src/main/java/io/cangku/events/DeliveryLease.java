package io.cangku.events;

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
 * Which replica delivers events: a claim in storage ({@code _events/lease}) naming its holder and an expiry,
 * taken and extended by conditional writes only ({@code If-None-Match} / {@code If-Match} on S3, a file lock on
 * the filesystem), so of two replicas racing for it one wins. The holder extends it on every poll; a holder that
 * dies stops, and after {@code registry.notifications.lease-ttl} another replica takes over. A clean shutdown
 * gives it up at once.
 */
final class DeliveryLease {

    private record Holder(String owner, long expiresAtEpochMilli, String token) {
    }

    private final ObjectStore store;
    private final JsonMapper json;
    private final Clock clock;
    private final Duration ttl;
    private final String owner;
    private String version;
    private volatile Instant heldUntil = Instant.MIN;

    DeliveryLease(ObjectStore store, JsonMapper json, Clock clock, Duration ttl, String owner) {
        this.store = store;
        this.json = json;
        this.clock = clock;
        this.ttl = ttl;
        this.owner = owner;
    }

    /**
     * Takes the lease when it is free or lapsed, or extends our own; false when another replica holds it (or
     * took it from us meanwhile). A storage error keeps what we had until its expiry.
     */
    synchronized boolean acquireOrRenew() throws IOException {
        Optional<ObjectStore.VersionedBytes> current = store.readVersioned(StorageLayout.EVENT_LEASE, 4096);
        String expected = null;
        if (current.isPresent()) {
            Holder holder = parse(current.get().content());
            boolean ours = holder != null && owner.equals(holder.owner()) && current.get().version().equals(version);
            if (!ours && holder != null && Instant.ofEpochMilli(holder.expiresAtEpochMilli()).isAfter(clock.instant())) {
                heldUntil = Instant.MIN;
                return false;
            }
            expected = current.get().version();
        }
        Instant until = clock.instant().plus(ttl);
        Holder mine = new Holder(owner, until.toEpochMilli(), UUID.randomUUID().toString());
        if (!store.writeSmallIfVersion(StorageLayout.EVENT_LEASE, json.writeValueAsBytes(mine), expected)) {
            heldUntil = Instant.MIN;
            return false;
        }
        // read back: with a store that ignores conditions (see README) this still catches most lost races
        Optional<ObjectStore.VersionedBytes> back = store.readVersioned(StorageLayout.EVENT_LEASE, 4096);
        if (back.isEmpty() || !mine.equals(parse(back.get().content()))) {
            heldUntil = Instant.MIN;
            return false;
        }
        version = back.get().version();
        heldUntil = until;
        return true;
    }

    /** Held and unexpired by our own last write; checked before every delivery. */
    boolean isHeld() {
        return heldUntil.isAfter(clock.instant());
    }

    /** Gives the lease up (an expired claim), so another replica need not wait for it to lapse. */
    synchronized void release() {
        if (!isHeld()) {
            return;
        }
        heldUntil = Instant.MIN;
        try {
            store.writeSmallIfVersion(StorageLayout.EVENT_LEASE,
                    json.writeValueAsBytes(new Holder(owner, 0, UUID.randomUUID().toString())), version);
        } catch (IOException e) {
            // it lapses on its own
        }
    }

    /** An unreadable claim counts as lapsed: it cannot name a live holder. */
    private Holder parse(byte[] bytes) {
        try {
            return json.readValue(bytes, Holder.class);
        } catch (JacksonException e) {
            return null;
        }
    }
}
