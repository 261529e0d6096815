package io.cangku.auth;

import io.cangku.storage.ObjectInfo;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.Page;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The audit log: one small object per event under {@code _audit/<day>/}, so every replica writes its own
 * without coordination and reading is a chronological prefix listing. Events are written off the request
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

    /** Events from {@code since} on, oldest first, at most {@code limit}. */
    public List<AuditEvent> list(Instant since, int limit) throws IOException {
        List<AuditEvent> events = new ArrayList<>();
        Instant day = since.truncatedTo(ChronoUnit.DAYS);
        Instant end = Instant.now().plus(1, ChronoUnit.DAYS);
        String startAfter = String.format("%015d", since.toEpochMilli() - 1);
        for (; day.isBefore(end) && events.size() < limit; day = day.plus(1, ChronoUnit.DAYS)) {
            var prefix = StorageLayout.AUDIT.resolve(DateTimeFormatter.ISO_LOCAL_DATE.format(day.atZone(ZoneOffset.UTC)));
            String after = startAfter;
            Page page;
            do {
                page = store.list(prefix, after, Math.min(1000, limit - events.size()));
                for (ObjectInfo item : page.items()) {
                    after = item.key().name();
                    Optional<byte[]> bytes = store.readSmall(item.key(), MAX_EVENT_BYTES);
                    if (bytes.isPresent()) {
                        events.add(json.readValue(bytes.get(), AuditEvent.class));
                    }
                }
            } while (page.truncated() && events.size() < limit);
            startAfter = null;
        }
        return events;
    }
}
