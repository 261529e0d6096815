package io.cangku.gc;

import io.cangku.storage.ObjectInfo;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.StorageLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Service;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Starts collections and keeps their records: the one entry point for the admin API, the schedule and the
 * {@code gc} command. A run takes the lease first, so a second start anywhere is refused at once; its record
 * in storage is rewritten every couple of seconds with its progress, so any replica can show it.
 */
@Service
public class CollectionRuns {

    private static final Logger log = LoggerFactory.getLogger(CollectionRuns.class);
    private static final int MAX_RUN_BYTES = 1024 * 1024;
    private static final int MAX_USAGE_BYTES = 64 * 1024 * 1024;
    private static final int PROGRESS_SECONDS = 2;
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(PROGRESS_SECONDS);
    private static final Duration TIMESTAMP_GRANULARITY = Duration.ofSeconds(1);

    private final GarbageCollector collector;
    private final ObjectStore store;
    private final JsonMapper json;
    private final GcProperties properties;
    private final Clock clock;
    private final ApplicationEventPublisher events;
    private final String owner = ownerName();
    /**
     * The run this process is executing, if any: asked for by id here, it answers with its progress as of now
     * rather than as last written (every {@value #PROGRESS_SECONDS} s), so the console that started it on this
     * replica watches it move; other replicas read the record in storage.
     */
    private volatile Started active;

    public CollectionRuns(GarbageCollector collector, ObjectStore store, JsonMapper json, GcProperties properties, Clock clock,
                          ApplicationEventPublisher events) {
        this.collector = collector;
        this.store = store;
        this.json = json;
        this.properties = properties;
        this.clock = clock;
        this.events = events;
    }

    /** Refused: a collection is running (here or on another replica). */
    public static final class AlreadyRunningException extends Exception {
        private final String runId;
        private final Instant leaseExpiresAt;

        AlreadyRunningException(String runId, String owner, Instant leaseExpiresAt) {
            super("collection " + runId + " is running on " + owner + " (its lease runs until " + leaseExpiresAt + ")");
            this.runId = runId;
            this.leaseExpiresAt = leaseExpiresAt;
        }

        public String runId() {
            return runId;
        }

        public Instant leaseExpiresAt() {
            return leaseExpiresAt;
        }
    }

    /** Starts a run in the background and returns its record (state {@code running}). */
    public CollectionRun start(boolean dryRun, boolean deleteUntagged, String requestedBy)
            throws AlreadyRunningException, IOException {
        Started started = begin(dryRun, deleteUntagged, requestedBy);
        Thread.ofVirtual().name("gc-" + started.record.id()).start(() -> finish(started));
        return started.record;
    }

    /** Runs a collection to its end on this thread (the {@code gc} command, the schedule). */
    public CollectionRun runToEnd(boolean dryRun, boolean deleteUntagged, String requestedBy)
            throws AlreadyRunningException, IOException {
        return finish(begin(dryRun, deleteUntagged, requestedBy));
    }

    /** A run by id, as last recorded; a run whose process died shows as failed once its lease would have lapsed. */
    public Optional<CollectionRun> find(String id) throws IOException {
        if (!id.matches("[0-9]{15}-[0-9a-f]{8}")) {
            return Optional.empty();
        }
        Optional<CollectionRun> recorded = store.readSmall(StorageLayout.gcRun(id), MAX_RUN_BYTES).map(this::parseRun)
                .map(this::withDeadOwner);
        Started running = active;
        if (running != null && running.record.id().equals(id) && recorded.isPresent()
                && recorded.get().state() == CollectionRun.State.running) {
            CollectionRun run = recorded.get();
            return Optional.of(new CollectionRun(run.id(), run.state(), run.dryRun(), run.deleteUntagged(), run.owner(),
                    run.requestedBy(), run.startedAt(), null, running.progress.snapshot(), null, null, clock.instant()));
        }
        return recorded;
    }

    /** The newest runs first, at most {@code limit}. */
    public List<CollectionRun> recent(int limit) throws IOException {
        List<ObjectInfo> all = new ArrayList<>();
        store.forEach(StorageLayout.GC_RUNS, all::add);
        Collections.reverse(all);
        List<CollectionRun> runs = new ArrayList<>();
        for (ObjectInfo item : all.subList(0, Math.min(limit, all.size()))) {
            find(item.key().name()).ifPresent(runs::add);
        }
        return runs;
    }

    /** The usage figures of the last run, if any ran. */
    public Optional<StorageUsage> usage() throws IOException {
        Optional<byte[]> bytes = store.readSmall(StorageLayout.GC_USAGE, MAX_USAGE_BYTES);
        return bytes.map(b -> json.readValue(b, StorageUsage.class));
    }

    public GcProperties properties() {
        return properties;
    }

    private record Started(CollectionRun record, CollectionLease lease, GarbageCollector.Progress progress) {
    }

    private Started begin(boolean dryRun, boolean deleteUntagged, String requestedBy) throws AlreadyRunningException, IOException {
        Instant now = clock.instant();
        String id = String.format("%015d-%s", now.toEpochMilli(), UUID.randomUUID().toString().substring(0, 8));
        CollectionLease.Acquisition acquisition = CollectionLease.tryAcquire(store, json, clock, properties.leaseTtl(), id, owner);
        if (acquisition.lease() == null) {
            CollectionLease.Holder holder = acquisition.heldBy();
            throw new AlreadyRunningException(holder == null ? "?" : holder.runId(), holder == null ? "another process" : holder.owner(),
                    holder == null ? now.plus(properties.leaseTtl()) : holder.expiresAt());
        }
        CollectionRun record = new CollectionRun(id, CollectionRun.State.running, dryRun, deleteUntagged, owner, requestedBy,
                now, null, Map.of("phase", "starting"), null, null, now);
        GarbageCollector.Progress progress = new GarbageCollector.Progress();
        try {
            write(record);
        } catch (IOException | RuntimeException e) {
            acquisition.lease().release();
            throw e;
        }
        log.info("garbage collection {} started ({}{}), requested by {}", id, dryRun ? "dry run" : "real run",
                deleteUntagged ? ", deleting untagged manifests" : "", requestedBy);
        return new Started(record, acquisition.lease(), progress);
    }

    private CollectionRun finish(Started started) {
        CollectionRun run = started.record;
        CollectionLease lease = started.lease;
        active = started;
        Thread heartbeat = Thread.ofVirtual().name("gc-heartbeat-" + run.id()).start(() -> heartbeat(run, lease, started.progress));
        CollectionRun finished;
        try {
            // S3 reports modification times in whole seconds (truncated): one more second keeps the grace whole.
            Instant cutoff = run.startedAt().minus(properties.gracePeriod()).minus(TIMESTAMP_GRANULARITY);
            GarbageCollector.Outcome outcome = collector.collect(new GarbageCollector.Options(run.dryRun(), run.deleteUntagged()),
                    run.id(), run.startedAt(), cutoff, lease, started.progress);
            GcReport report = outcome.report();
            StorageUsage usage = outcome.usage();
            if (run.dryRun()) {
                usage = new StorageUsage(usage.computedAt(), usage.runId(), report.bytesStored() + report.bytesFreed(),
                        report.blobsKept() + report.blobsDeleted(), usage.repositories());
            }
            store.writeSmall(StorageLayout.GC_USAGE, json.writeValueAsBytes(usage));
            finished = new CollectionRun(run.id(), CollectionRun.State.succeeded, run.dryRun(), run.deleteUntagged(), owner,
                    run.requestedBy(), run.startedAt(), report.finishedAt(), started.progress.snapshot(), report, null, clock.instant());
            log.info("garbage collection {} finished: {} blobs ({} bytes) {}, {} manifests, {} repositories, {} uploads, {} errors",
                    run.id(), report.blobsDeleted(), report.bytesFreed(), run.dryRun() ? "would be deleted" : "deleted",
                    report.manifestsDeleted(), report.repositoriesDeleted(), report.uploadsPurged(), report.errors().size());
        } catch (IOException | RuntimeException e) {
            log.warn("garbage collection {} failed: {}", run.id(), e.toString());
            finished = new CollectionRun(run.id(), CollectionRun.State.failed, run.dryRun(), run.deleteUntagged(), owner,
                    run.requestedBy(), run.startedAt(), clock.instant(), started.progress.snapshot(), null,
                    e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(), clock.instant());
        } finally {
            heartbeat.interrupt();
        }
        try {
            heartbeat.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // The lease goes before the record says the run ended: whoever reads "succeeded" and starts the next
        // run at once must not get 409 from a lease this run no longer needs.
        lease.release();
        try {
            write(finished);
            pruneOldRuns();
        } catch (IOException | RuntimeException e) {
            log.warn("could not record the end of garbage collection {}: {}", run.id(), e.toString());
        }
        active = null; // from here the record in storage says all there is
        try {
            events.publishEvent(new CollectionFinished(finished));
        } catch (RuntimeException e) {
            log.warn("could not report the end of garbage collection {} to its listeners: {}", run.id(), e.toString());
        }
        return finished;
    }

    /** Renews the lease and records progress until interrupted. */
    private void heartbeat(CollectionRun run, CollectionLease lease, GarbageCollector.Progress progress) {
        Duration every = lease.ttl().dividedBy(3);
        if (every.compareTo(PROGRESS_EVERY) > 0) {
            every = PROGRESS_EVERY;
        }
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(every);
            } catch (InterruptedException e) {
                return;
            }
            if (!lease.renew()) {
                log.warn("garbage collection {} lost its lease; it stops deleting", run.id());
            }
            try {
                write(new CollectionRun(run.id(), CollectionRun.State.running, run.dryRun(), run.deleteUntagged(), owner,
                        run.requestedBy(), run.startedAt(), null, progress.snapshot(), null, null, clock.instant()));
            } catch (IOException | RuntimeException e) {
                log.debug("could not record progress of {}: {}", run.id(), e.toString());
            }
        }
    }

    private void pruneOldRuns() throws IOException {
        List<ObjectInfo> all = new ArrayList<>();
        store.forEach(StorageLayout.GC_RUNS, all::add);
        int excess = all.size() - properties.keepRuns();
        if (excess > 0) {
            store.deleteBatch(all.subList(0, excess).stream().map(ObjectInfo::key).toList());
        }
    }

    private void write(CollectionRun run) throws IOException {
        store.writeSmall(StorageLayout.gcRun(run.id()), json.writeValueAsBytes(run));
    }

    private CollectionRun parseRun(byte[] bytes) {
        try {
            return json.readValue(bytes, CollectionRun.class);
        } catch (JacksonException e) {
            return null;
        }
    }

    private CollectionRun withDeadOwner(CollectionRun run) {
        if (run.state() == CollectionRun.State.running
                && run.updatedAt().plus(properties.leaseTtl().multipliedBy(2)).isBefore(clock.instant())) {
            return new CollectionRun(run.id(), CollectionRun.State.failed, run.dryRun(), run.deleteUntagged(), run.owner(),
                    run.requestedBy(), run.startedAt(), run.updatedAt(), run.progress(), null,
                    "the collector stopped without finishing (its process ended); the next run completes its work",
                    run.updatedAt());
        }
        return run;
    }

    private static String ownerName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "unknown-host";
        }
        return host + "/" + ManagementFactory.getRuntimeMXBean().getPid();
    }
}
