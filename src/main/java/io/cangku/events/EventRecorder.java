package io.cangku.events;

import io.cangku.auth.RegistryAccess;
import io.cangku.gc.CollectionFinished;
import io.cangku.gc.CollectionRun;
import io.cangku.oci.Digest;
import io.cangku.oci.RepositoryName;
import io.cangku.oci.Tag;
import io.cangku.registry.RegistryEvents;
import io.cangku.storage.WriteBehind;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Service;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Turns what the registry reports into queued events, on the request's thread: a push, tag or delete is one small
 * write to the inbox (a push by tag writes its push and tag events together), made only when some endpoint wants
 * it; a pull only goes into a bounded list in memory, written as one inbox object per
 * {@code registry.notifications.pull-flush} (and at shutdown). Nothing here throws: the change is done, and a
 * failure to record it is counted and logged instead.
 */
@Service
class EventRecorder implements RegistryEvents, SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
    private static final int MAX_TEXT = 256;

    private final EventQueue queue;
    private final Clock clock;
    private final JsonMapper json;
    private final NotificationProperties properties;
    private final List<NotificationEndpoint> endpoints;
    private final ObjectProvider<RegistryAccess> access;
    private final NotificationMetrics metrics;
    private final ConcurrentLinkedQueue<EventQueue.Addressed> pendingPulls = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pendingPullCount = new AtomicInteger();
    private final AtomicLong droppedPulls = new AtomicLong();
    private final WriteBehind pullFlusher;
    private volatile boolean running;

    EventRecorder(EventQueue queue, Clock clock, JsonMapper json, NotificationProperties properties,
                  ObjectProvider<RegistryAccess> access, NotificationMetrics metrics) {
        this.queue = queue;
        this.clock = clock;
        this.json = json;
        this.properties = properties;
        this.endpoints = properties.compiled();
        this.access = access;
        this.metrics = metrics;
        this.pullFlusher = new WriteBehind("pull-events", properties.pullFlush(), this::flushPulls);
    }

    @Override
    public void manifestPushed(RepositoryName repository, Digest digest, String mediaType, long sizeBytes, Optional<Tag> tag) {
        RegistryEvent.Target target = target(repository, digest.toString(), mediaType, sizeBytes, tag.map(Tag::value).orElse(null));
        List<EventQueue.Addressed> events = new ArrayList<>(2);
        address(EventAction.push, repository, target, null, events);
        if (tag.isPresent()) {
            address(EventAction.tag, repository, target, null, events);
        }
        append(events);
    }

    @Override
    public void manifestPulled(RepositoryName repository, Digest digest, String mediaType, long sizeBytes, Optional<Tag> tag) {
        List<EventQueue.Addressed> events = new ArrayList<>(1);
        address(EventAction.pull, repository, target(repository, digest.toString(), mediaType, sizeBytes,
                tag.map(Tag::value).orElse(null)), null, events);
        if (events.isEmpty()) {
            return;
        }
        if (pendingPullCount.incrementAndGet() > properties.maxPendingPulls()) {
            pendingPullCount.decrementAndGet();
            droppedPulls.incrementAndGet(); // bounded memory; the next flush makes room
            return;
        }
        pendingPulls.add(events.getFirst());
    }

    @Override
    public void manifestDeleted(RepositoryName repository, Digest digest) {
        List<EventQueue.Addressed> events = new ArrayList<>(1);
        address(EventAction.delete, repository, target(repository, digest.toString(), null, null, null), null, events);
        append(events);
    }

    @Override
    public void tagDeleted(RepositoryName repository, Tag tag) {
        List<EventQueue.Addressed> events = new ArrayList<>(1);
        address(EventAction.delete, repository, target(repository, null, null, null, tag.value()), null, events);
        append(events);
    }

    /** One event for the whole repository: its target names the repository only (no digest, no tag). */
    @Override
    public void repositoryDeleted(RepositoryName repository) {
        List<EventQueue.Addressed> events = new ArrayList<>(1);
        address(EventAction.delete, repository, target(repository, null, null, null, null), null, events);
        append(events);
    }

    /** A collection run of this process ended (not on a request thread: written at once). */
    @EventListener
    void collectionFinished(CollectionFinished finished) {
        CollectionRun run = finished.run();
        var report = run.report();
        RegistryEvent.Collection collection = new RegistryEvent.Collection(run.id(), run.state().name(), run.dryRun(),
                report == null ? 0 : report.blobsDeleted(), report == null ? 0 : report.bytesFreed(),
                report == null ? 0 : report.manifestsDeleted(), report == null ? 0 : report.tagsDeleted(), cut(run.error()));
        List<EventQueue.Addressed> events = new ArrayList<>(1);
        address(EventAction.collection, null, null, collection, events);
        append(events);
    }

    private void address(EventAction action, RepositoryName repository, RegistryEvent.Target target,
                         RegistryEvent.Collection collection, List<EventQueue.Addressed> into) {
        List<String> names = endpoints.stream().filter(e -> e.wants(action, repository)).map(NotificationEndpoint::name).toList();
        if (names.isEmpty()) {
            return;
        }
        RegistryEvent event = new RegistryEvent(UUID.randomUUID().toString(), clock.instant(), action, target,
                currentRequest(), actor(), collection);
        if (json.writeValueAsBytes(event).length > properties.maxEventSize().toBytes()) {
            names.forEach(name -> metrics.dropped(name, "too-large", 1));
            log.warn("dropped a {} event of {}: larger than registry.notifications.max-event-size={}", action,
                    repository, properties.maxEventSize());
            return;
        }
        metrics.recorded(action);
        into.add(new EventQueue.Addressed(names, event));
    }

    private void append(List<EventQueue.Addressed> events) {
        if (events.isEmpty()) {
            return;
        }
        try {
            queue.append(events);
        } catch (IOException | RuntimeException e) {
            events.forEach(a -> a.endpoints().forEach(name -> metrics.dropped(name, "not-recorded", 1)));
            log.warn("could not queue {} event(s) ({}) for notification: {}", events.size(),
                    events.getFirst().event().action(), e.toString());
        }
    }

    /** Writes the pulls collected since the last flush, at most {@link EventQueue#MAX_BATCH_EVENTS} per object. */
    void flushPulls() {
        List<EventQueue.Addressed> batch = new ArrayList<>();
        EventQueue.Addressed next;
        while ((next = pendingPulls.poll()) != null) {
            pendingPullCount.decrementAndGet();
            batch.add(next);
            if (batch.size() == EventQueue.MAX_BATCH_EVENTS) {
                append(batch);
                batch = new ArrayList<>();
            }
        }
        append(batch);
        long lost = droppedPulls.getAndSet(0);
        if (lost > 0) {
            metrics.dropped("*", "pulls-overflow", lost);
            log.warn("{} pull events were dropped: more than registry.notifications.max-pending-pulls={} pulls within one "
                    + "flush interval", lost, properties.maxPendingPulls());
        }
    }

    private static RegistryEvent.Target target(RepositoryName repository, String digest, String mediaType, Long size, String tag) {
        return new RegistryEvent.Target(repository.value(), digest, cut(mediaType), size, tag);
    }

    /** The request being served on this thread, if any (a scheduled retention run or collection has none). */
    private static RegistryEvent.Request currentRequest() {
        if (!(RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes attributes)) {
            return null;
        }
        HttpServletRequest request = attributes.getRequest();
        return new RegistryEvent.Request(cut(MDC.get("requestId")), cut(request.getRemoteAddr()),
                cut(request.getHeader("Host")), request.getMethod(), cut(request.getHeader("User-Agent")));
    }

    private String actor() {
        RegistryAccess registryAccess = access.getIfAvailable();
        try {
            return registryAccess == null ? null : cut(registryAccess.actor());
        } catch (RuntimeException e) {
            return null; // no security context on this thread
        }
    }

    private static String cut(String text) {
        return text == null || text.length() <= MAX_TEXT ? text : text.substring(0, MAX_TEXT);
    }

    @Override
    public void start() {
        running = true;
        if (endpoints.stream().noneMatch(e -> e.config().actions().contains(EventAction.pull))) {
            return; // no pull is ever held
        }
        pullFlusher.start();
    }

    /** Writes the pulls still in memory before the process ends, so a rolling restart loses none. */
    @Override
    public void stop() {
        running = false;
        pullFlusher.stop();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Stops after the web server (higher phases stop first), so the last requests' pulls are in the list. */
    @Override
    public int getPhase() {
        return Integer.MIN_VALUE + 1000;
    }
}
