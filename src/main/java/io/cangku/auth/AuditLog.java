package io.cangku.auth;

import io.cangku.storage.ObjectInfo;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.Page;
import io.cangku.storage.StorageKey;
import io.cangku.storage.StorageLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;

/**
 * The audit log: one small object per event under {@code _audit/<day>/}, so every replica writes its own
 * without coordination and reading is a chronological prefix listing, read newest first. Events are written off the request
 * path (a virtual thread each), so auditing never slows a push; an event that fails to store is logged.
 */
@Service
public class AuditLog {

    private static final Logger log = LoggerFactory.getLogger(AuditLog.class);
    private static final int MAX_EVENT_BYTES = 16 * 1024;

    private final ObjectStore store;
    private final JsonMapper json;
    private final ExecutorService writer = Executors.newVirtualThreadPerTaskExecutor();

    public AuditLog(ObjectStore store, JsonMapper json) {
        this.store = store;
        this.json = json;
    }

    public void record(String actor, String action, String target, String clientAddress, String result) {
        AuditEvent event = new AuditEvent(Instant.now(), actor, action, target, clientAddress, result);
        writer.execute(() -> {
            try {
                store.writeSmall(StorageLayout.auditEvent(event.at(), UUID.randomUUID().toString().substring(0, 8)),
                        json.writeValueAsBytes(event));
            } catch (IOException | RuntimeException e) {
                log.warn("could not store audit event {} {} by {}: {}", action, target, actor, e.toString());
            }
        });
    }

    /** A page of events, newest first, and the cursor of the next (older) page, null on the last. */
    public record AuditPage(List<AuditEvent> events, String next) {
    }

    /** What a cursor looks like: the name of an event's object (its time in milliseconds, a dash, an id). */
    private static final Pattern CURSOR = Pattern.compile("(\\d{15})-[0-9a-f]{8}");

    public static boolean isCursor(String cursor) {
        return cursor != null && CURSOR.matcher(cursor).matches();
    }

    /**
     * Up to {@code limit} events at or after {@code since}, newest first, older than the event whose cursor is
     * {@code before} (null: from now). Objects sort by time within a day, and listings go forward only, so a
     * day is listed through, keeping the names of its last {@code limit + 1} events older than the cursor
     * (memory bounded by the page, time by the day's events), and only those are read.
     */
    public AuditPage newest(Instant since, String before, int limit) throws IOException {
        if (before != null && !isCursor(before)) {
            throw new IllegalArgumentException("not an audit cursor: " + before);
        }
        Instant from = before == null ? Instant.now() : Instant.ofEpochMilli(Long.parseLong(before.substring(0, 15)));
        String sinceName = String.format("%015d", since.toEpochMilli());
        List<StorageKey> keys = new ArrayList<>();
        for (Instant day = from.truncatedTo(ChronoUnit.DAYS); !day.isBefore(since.truncatedTo(ChronoUnit.DAYS))
                && keys.size() <= limit; day = day.minus(1, ChronoUnit.DAYS)) {
            StorageKey prefix = StorageLayout.AUDIT.resolve(DateTimeFormatter.ISO_LOCAL_DATE.format(day.atZone(ZoneOffset.UTC)));
            int wanted = limit + 1 - keys.size();
            ArrayDeque<StorageKey> last = new ArrayDeque<>(wanted + 1);
            String after = null;
            Page page;
            do {
                page = store.list(prefix, after, 1000);
                for (ObjectInfo item : page.items()) {
                    String name = item.key().name();
                    after = name;
                    if ((before == null || name.compareTo(before) < 0) && name.compareTo(sinceName) >= 0) {
                        last.addLast(item.key());
                        if (last.size() > wanted) {
                            last.removeFirst();
                        }
                    }
                }
            } while (page.truncated());
            last.descendingIterator().forEachRemaining(keys::add);
        }
        List<AuditEvent> events = new ArrayList<>();
        for (StorageKey key : keys.subList(0, Math.min(limit, keys.size()))) {
            store.readSmall(key, MAX_EVENT_BYTES).ifPresent(bytes -> events.add(json.readValue(bytes, AuditEvent.class)));
        }
        // one more than the page was found: the next page starts below the page's last event
        String next = keys.size() > limit ? keys.get(limit - 1).name() : null;
        return new AuditPage(events, next);
    }
}
