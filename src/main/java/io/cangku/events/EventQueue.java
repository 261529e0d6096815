package io.cangku.events;

import io.cangku.storage.ObjectInfo;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.Page;
import io.cangku.storage.StorageKey;
import io.cangku.storage.StorageLayout;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one owner of {@code _events/}: the inbox request threads append to, the per-endpoint queues the delivering
 * replica moves events into and takes them out of, and each endpoint's delivery status (see the package comment
 * for how they interleave).
 */
final class EventQueue {

    /** Events of one inbox object, each with the endpoints it is for. */
    record Batch(List<Addressed> events) {
    }

    record Addressed(List<String> endpoints, RegistryEvent event) {
    }

    /** An event waiting in an endpoint's queue; {@code event} is null when its object could not be parsed. */
    record Queued(StorageKey key, RegistryEvent event) {
    }

    /** The largest inbox object: a flush of pulls is cut into objects of at most this many events. */
    static final int MAX_BATCH_EVENTS = 1000;
    private static final int MAX_OBJECT_BYTES = 64 * 1024 * 1024;

    private final ObjectStore store;
    private final JsonMapper json;
    private final Clock clock;
    private final String instance;
    private final AtomicLong sequence = new AtomicLong();

    EventQueue(ObjectStore store, JsonMapper json, Clock clock, String instance) {
        this.store = store;
        this.json = json;
        this.clock = clock;
        this.instance = instance;
    }

    /**
     * Appends events to the inbox in one small write. The name sorts by time, then by replica, then by this
     * replica's sequence, which is the order they are delivered in.
     */
    void append(List<Addressed> events) throws IOException {
        String name = String.format("%015d-%s-%09d", clock.millis(), instance, sequence.incrementAndGet());
        store.writeSmall(StorageLayout.EVENT_INBOX.resolve(name), json.writeValueAsBytes(new Batch(events)));
    }

    /** Decides, at fan-out, whether an endpoint's queue takes one more event (it is dropped otherwise). */
    interface Admission {
        boolean admit(String endpoint, RegistryEvent event);
    }

    /**
     * Moves inbox objects (oldest first, at most {@code limit}) into the queues of the endpoints they name that
     * still exist, then deletes them. Rerun after a crash, it writes the same keys with the same content again, so
     * an event is never queued twice under two keys (it may be delivered twice: at least once).
     */
    int fanOut(java.util.Set<String> endpoints, Admission admission, int limit) throws IOException {
        Page page = store.list(StorageLayout.EVENT_INBOX, null, limit);
        int moved = 0;
        for (ObjectInfo item : page.items()) {
            Optional<byte[]> bytes = store.readSmall(item.key(), MAX_OBJECT_BYTES);
            if (bytes.isPresent()) {
                Batch batch = parse(bytes.get(), Batch.class);
                List<Addressed> events = batch == null || batch.events() == null ? List.of() : batch.events();
                for (int i = 0; i < events.size(); i++) {
                    Addressed addressed = events.get(i);
                    for (String endpoint : addressed.endpoints()) {
                        if (endpoints.contains(endpoint) && admission.admit(endpoint, addressed.event())) {
                            store.writeSmall(queued(endpoint, item.key().name(), i), json.writeValueAsBytes(addressed.event()));
                        }
                    }
                }
            }
            store.delete(item.key());
            moved++;
        }
        return moved;
    }

    private static StorageKey queued(String endpoint, String inboxName, int index) {
        return StorageLayout.eventQueue(endpoint).resolve(inboxName + "-" + String.format("%04d", index));
    }

    /** The oldest events waiting for {@code endpoint}, in delivery order. */
    List<Queued> head(String endpoint, int limit) throws IOException {
        List<Queued> head = new ArrayList<>();
        for (ObjectInfo item : store.list(StorageLayout.eventQueue(endpoint), null, limit).items()) {
            Optional<byte[]> bytes = store.readSmall(item.key(), MAX_OBJECT_BYTES);
            if (bytes.isPresent()) { // absent: delivered and removed meanwhile by a replica that held the lease before us
                head.add(new Queued(item.key(), parse(bytes.get(), RegistryEvent.class)));
            }
        }
        return head;
    }

    /** How many events wait for {@code endpoint}: one listing of its queue (bounded by max-queued). */
    int count(String endpoint) throws IOException {
        int[] count = {0};
        store.forEach(StorageLayout.eventQueue(endpoint), item -> count[0]++);
        return count[0];
    }

    /** Takes a delivered (or dropped) event out of its queue. */
    void remove(Queued queued) throws IOException {
        store.delete(queued.key());
    }

    Optional<DeliveryStatus> status(String endpoint) throws IOException {
        return store.readSmall(StorageLayout.eventStatus(endpoint), 64 * 1024).map(b -> parse(b, DeliveryStatus.class));
    }

    void writeStatus(DeliveryStatus status) throws IOException {
        store.writeSmall(StorageLayout.eventStatus(status.endpoint()), json.writeValueAsBytes(status));
    }

    /** Unreadable objects (written by a newer version, or damaged) come back as null rather than stopping a queue. */
    private <T> T parse(byte[] bytes, Class<T> type) {
        try {
            return json.readValue(bytes, type);
        } catch (JacksonException e) {
            return null;
        }
    }
}
