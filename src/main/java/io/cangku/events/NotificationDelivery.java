package io.cangku.events;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Service;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The background worker: on every poll it takes or extends the delivery lease; the holder moves the inbox into
 * the endpoints' queues and drains each queue in key order, one event at a time, on a thread per endpoint (a slow
 * endpoint holds up only itself). A failed attempt leaves the event at the head of its queue and waits
 * {@code retry-initial}, doubling per failure up to {@code retry-max}; an event that still fails
 * {@code retry-for} after it happened is dropped, as is an event for a queue already holding {@code max-queued}.
 * The package comment describes the guarantees.
 *
 * <p>Only the server delivers: the {@code gc} command, a process that lives for one collection, records its
 * collection event like any replica and leaves it to the servers, so it never takes the lease from one of them.
 */
@Service
@ConditionalOnWebApplication
class NotificationDelivery implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(NotificationDelivery.class);
    private static final int FAN_OUT_BATCH = 500;
    private static final int DRAIN_BATCH = 100;
    private static final int MAX_REASON = 200;

    /** What the holder knows about one endpoint; written to storage as its {@link DeliveryStatus}. */
    private static final class EndpointState {
        final NotificationEndpoint endpoint;
        final AtomicBoolean draining = new AtomicBoolean();
        final AtomicLong pending = new AtomicLong();
        /** Changed since last written to storage (a poll that finds nothing to do writes nothing). */
        final AtomicBoolean dirty = new AtomicBoolean();
        volatile DeliveryStatus status;

        EndpointState(NotificationEndpoint endpoint) {
            this.endpoint = endpoint;
            this.status = DeliveryStatus.empty(endpoint.name());
        }
    }

    private final EventQueue queue;
    private final EventPayloads payloads;
    private final NotificationProperties properties;
    private final NotificationMetrics metrics;
    private final Clock clock;
    private final DeliveryLease lease;
    private final Map<String, EndpointState> states = new LinkedHashMap<>();
    /** Null when no endpoint is configured: then nothing is ever sent, and no client (TLS context, selector thread) is made. */
    private final HttpClient http;
    private volatile boolean holder;
    private volatile ScheduledExecutorService poller;
    private volatile ExecutorService senders;

    NotificationDelivery(EventQueue queue, EventPayloads payloads, NotificationProperties properties,
                         NotificationMetrics metrics, Clock clock, DeliveryLease lease) {
        this.queue = queue;
        this.payloads = payloads;
        this.properties = properties;
        this.metrics = metrics;
        this.clock = clock;
        this.lease = lease;
        for (NotificationEndpoint endpoint : properties.compiled()) {
            EndpointState state = new EndpointState(endpoint);
            states.put(endpoint.name(), state);
            metrics.pending(endpoint.name(), () -> Math.max(0, state.pending.get()));
        }
        // redirects are not followed: a receiver that moved is a failure to see in the status, not a new target
        this.http = states.isEmpty() ? null
                : HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** Every endpoint's status: this replica's own while it delivers, otherwise what the holder last wrote. */
    List<DeliveryStatus> statuses() throws IOException {
        List<DeliveryStatus> result = new java.util.ArrayList<>();
        for (EndpointState state : states.values()) {
            if (holder) {
                result.add(state.status);
            } else {
                result.add(queue.status(state.endpoint.name()).orElse(DeliveryStatus.empty(state.endpoint.name())));
            }
        }
        return result;
    }

    List<NotificationEndpoint> endpoints() {
        return states.values().stream().map(s -> s.endpoint).toList();
    }

    /** One poll: lease, then inbox into queues, then a drain per endpoint that is not waiting out a backoff. */
    void poll() {
        try {
            if (!lease.acquireOrRenew()) {
                holder = false;
                return;
            }
            if (!holder) {
                takeOver();
                holder = true;
            }
            int moved;
            do {
                moved = queue.fanOut(states.keySet(), this::admit, FAN_OUT_BATCH);
            } while (moved == FAN_OUT_BATCH && lease.isHeld());
            Instant now = clock.instant();
            for (EndpointState state : states.values()) {
                Instant next = state.status.nextAttempt();
                // every poll lists each queue (one listing): a count kept in memory could miss an event that another
                // path queued between a drain's last listing and its end
                if ((next == null || !next.isAfter(now)) && state.draining.compareAndSet(false, true)) {
                    senders.execute(() -> drain(state));
                }
            }
        } catch (IOException | RuntimeException e) {
            log.warn("event notifications: could not read or update the queue in storage: {}", e.toString());
        }
    }

    /** Becoming the holder: the queues' lengths and the statuses the previous holder wrote. */
    private void takeOver() throws IOException {
        for (EndpointState state : states.values()) {
            state.pending.set(queue.count(state.endpoint.name()));
            DeliveryStatus stored = queue.status(state.endpoint.name()).orElse(DeliveryStatus.empty(state.endpoint.name()));
            // the backoff starts afresh: the previous holder's wait may have been for a problem of its own
            state.status = with(stored, state.pending.get(), stored.consecutiveFailures(), null);
            state.dirty.set(true);
        }
        log.info("event notifications: this replica delivers now ({} endpoints, {} events waiting)", states.size(),
                states.values().stream().mapToLong(s -> s.pending.get()).sum());
    }

    private boolean admit(String endpoint, RegistryEvent event) {
        EndpointState state = states.get(endpoint);
        if (state.pending.get() >= properties.maxQueued()) {
            drop(state, "queue-full", "its queue already holds registry.notifications.max-queued=" + properties.maxQueued() + " events", event);
            return false;
        }
        state.pending.incrementAndGet();
        return true;
    }

    private void drain(EndpointState state) {
        try {
            while (lease.isHeld()) {
                List<EventQueue.Queued> head = queue.head(state.endpoint.name(), DRAIN_BATCH);
                if (head.isEmpty()) {
                    // an empty queue resets the count: a fan-out whose queue write failed counted an event it will
                    // count again on its retry, and without this the count would only ever drift up, towards
                    // max-queued and dropping everything (a fan-out racing this reset undercounts by its events)
                    state.pending.set(0);
                    break;
                }
                for (EventQueue.Queued queued : head) {
                    if (!lease.isHeld()) {
                        return;
                    }
                    if (!deliverOrDrop(state, queued)) {
                        return; // waits out its backoff; the head is tried again then
                    }
                }
                writeStatus(state);
            }
        } catch (IOException | RuntimeException e) {
            log.warn("event notifications to {}: could not read or update its queue: {}", state.endpoint.name(), e.toString());
        } finally {
            writeStatus(state);
            state.draining.set(false);
        }
    }

    /** True when the queue may go on to the next event. */
    private boolean deliverOrDrop(EndpointState state, EventQueue.Queued queued) throws IOException {
        if (queued.event() == null) {
            queue.remove(queued);
            state.pending.decrementAndGet();
            drop(state, "unreadable", "its queued object " + queued.key() + " is not an event", null);
            return true;
        }
        Optional<String> failure = send(state.endpoint, queued.event());
        synchronized (state) { // the poller's fan-out updates the status too (drops)
            return recordAttempt(state, queued, failure);
        }
    }

    private boolean recordAttempt(EndpointState state, EventQueue.Queued queued, Optional<String> failure) throws IOException {
        state.dirty.set(true);
        Instant now = clock.instant();
        DeliveryStatus s = state.status;
        if (failure.isEmpty()) {
            queue.remove(queued);
            state.pending.decrementAndGet();
            metrics.delivered(state.endpoint.name());
            state.status = new DeliveryStatus(s.endpoint(), state.pending.get(), 0, s.delivered() + 1, s.failures(), s.dropped(),
                    now, s.lastFailure(), s.lastFailureReason(), null, now);
            return true;
        }
        metrics.failed(state.endpoint.name());
        long consecutive = s.consecutiveFailures() + 1;
        state.status = new DeliveryStatus(s.endpoint(), state.pending.get(), consecutive, s.delivered(), s.failures() + 1, s.dropped(),
                s.lastSuccess(), now, failure.get(), null, now);
        if (queued.event().timestamp().plus(properties.retryFor()).isBefore(now)) {
            queue.remove(queued);
            state.pending.decrementAndGet();
            drop(state, "expired", "still undelivered registry.notifications.retry-for=" + properties.retryFor()
                    + " after it happened (last failure: " + failure.get() + ")", queued.event());
            return true;
        }
        Instant next = now.plus(backoff(consecutive));
        state.status = with(state.status, state.pending.get(), consecutive, next);
        log.info("event notifications to {} failed ({}); trying again at {}", state.endpoint.name(), failure.get(), next);
        return false;
    }

    /** {@code retry-initial} doubled per failure after the first, at most {@code retry-max}. */
    Duration backoff(long consecutiveFailures) {
        long shift = Math.min(consecutiveFailures - 1, 30);
        Duration wait = properties.retryInitial().multipliedBy(1L << shift);
        return wait.compareTo(properties.retryMax()) > 0 ? properties.retryMax() : wait;
    }

    /** Empty when the endpoint answered 2xx; otherwise why not, without the secret or the headers. */
    private Optional<String> send(NotificationEndpoint endpoint, RegistryEvent event) {
        NotificationProperties.Endpoint config = endpoint.config();
        byte[] body = payloads.body(config.format(), event);
        HttpRequest.Builder request = HttpRequest.newBuilder(config.url())
                .timeout(config.timeout())
                .header("Content-Type", payloads.mediaType(config.format()))
                .header(EventPayloads.EVENT_ID_HEADER, event.id())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        config.headers().forEach(request::header);
        if (config.secret() != null) {
            request.header(EventPayloads.SIGNATURE_HEADER, EventPayloads.signature(config.secret(), body));
        }
        // The request's own timeout ends at the response headers; a receiver that then trickles its body would
        // hold this endpoint's delivery for as long as it likes. The whole exchange gets the endpoint's timeout.
        CompletableFuture<HttpResponse<Void>> exchange = http.sendAsync(request.build(), HttpResponse.BodyHandlers.discarding());
        try {
            HttpResponse<Void> response = exchange.get(config.timeout().toMillis(), TimeUnit.MILLISECONDS);
            int status = response.statusCode();
            return status >= 200 && status < 300 ? Optional.empty() : Optional.of("HTTP " + status);
        } catch (TimeoutException e) {
            exchange.cancel(true);
            return Optional.of("no answer within " + config.timeout());
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof HttpTimeoutException) {
                return Optional.of("no answer within " + config.timeout());
            }
            String message = cause.getMessage() == null ? "" : ": " + cause.getMessage();
            String reason = cause.getClass().getSimpleName() + message;
            return Optional.of(reason.length() > MAX_REASON ? reason.substring(0, MAX_REASON) : reason);
        } catch (InterruptedException e) {
            exchange.cancel(true);
            Thread.currentThread().interrupt();
            return Optional.of("interrupted (the registry is stopping)");
        }
    }

    private void drop(EndpointState state, String reason, String why, RegistryEvent event) {
        metrics.dropped(state.endpoint.name(), reason, 1);
        state.dirty.set(true);
        synchronized (state) {
            DeliveryStatus s = state.status;
            state.status = new DeliveryStatus(s.endpoint(), state.pending.get(), s.consecutiveFailures(), s.delivered(), s.failures(),
                    s.dropped() + 1, s.lastSuccess(), s.lastFailure(), s.lastFailureReason(), s.nextAttempt(), clock.instant());
        }
        log.warn("event notifications to {}: dropped {} event {}: {}", state.endpoint.name(),
                event == null ? "an" : event.action() + " event of " + (event.target() == null ? "the registry" : event.target().repository()),
                event == null ? "" : event.id(), why);
    }

    private DeliveryStatus with(DeliveryStatus s, long pending, long consecutiveFailures, Instant nextAttempt) {
        return new DeliveryStatus(s.endpoint(), pending, consecutiveFailures, s.delivered(), s.failures(), s.dropped(),
                s.lastSuccess(), s.lastFailure(), s.lastFailureReason(), nextAttempt, clock.instant());
    }

    private void writeStatus(EndpointState state) {
        if (!state.dirty.getAndSet(false)) {
            return;
        }
        try {
            DeliveryStatus current;
            synchronized (state) {
                current = with(state.status, state.pending.get(), state.status.consecutiveFailures(), state.status.nextAttempt());
                state.status = current;
            }
            queue.writeStatus(current);
        } catch (IOException | RuntimeException e) {
            log.debug("could not write the delivery status of {}: {}", state.endpoint.name(), e.toString());
        }
    }

    @Override
    public void start() {
        if (states.isEmpty()) {
            return; // no endpoint: no lease, no polling
        }
        senders = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("notify-", 0).factory());
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("notifications").daemon().factory());
        executor.scheduleWithFixedDelay(this::poll, 0, properties.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
        poller = executor;
        log.info("event notifications to {}", states.values().stream()
                .map(s -> s.endpoint.name() + " (" + s.endpoint.config().shownUrl() + ")").collect(Collectors.joining(", ")));
    }

    /** Stops polling, interrupts attempts in flight (their events stay queued: at least once) and gives up the lease. */
    @Override
    public void stop() {
        ScheduledExecutorService executor = poller;
        poller = null;
        if (executor == null) {
            return;
        }
        executor.shutdownNow();
        senders.shutdownNow();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
            senders.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        holder = false;
        lease.release();
    }

    @Override
    public boolean isRunning() {
        return poller != null;
    }
}
