package io.cangku.ops;

import io.cangku.gc.CollectionFinished;
import io.cangku.gc.CollectionRun;
import io.cangku.gc.GcReport;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.springframework.context.event.EventListener;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The collector's runs as meters, from the {@link CollectionFinished} event of each run this process ran
 * (a replica shows its own runs; sum over replicas for the registry's):
 * <ul>
 *   <li>{@code cangku_gc_runs_seconds} (count, sum, max) by {@code outcome} ({@code succeeded}, {@code failed})
 *       and {@code dry_run};</li>
 *   <li>{@code cangku_gc_blobs_deleted_total}, {@code cangku_gc_deleted_bytes_total},
 *       {@code cangku_gc_manifests_deleted_total}, {@code cangku_gc_repositories_deleted_total},
 *       {@code cangku_gc_uploads_purged_total}: what real runs deleted (a dry run deletes nothing);</li>
 *   <li>{@code cangku_gc_last_success_timestamp_seconds} (end of the last successful real run, Unix time) and
 *       {@code cangku_gc_stored_bytes} (what it left stored): present from the first such run on, so an
 *       alert on "no collection for two days" reads {@code time() - cangku_gc_last_success_timestamp_seconds}.</li>
 * </ul>
 */
final class CollectionMetrics {

    private final Supplier<MeterRegistry> registry;
    private final AtomicLong lastSuccessEpochMillis = new AtomicLong();
    private final AtomicLong storedBytes = new AtomicLong();
    private volatile boolean gaugesRegistered;

    CollectionMetrics(Supplier<MeterRegistry> registry) {
        this.registry = registry;
    }

    @EventListener
    void record(CollectionFinished event) {
        CollectionRun run = event.run();
        MeterRegistry meters = registry.get();
        Duration took = Duration.between(run.startedAt(), run.finishedAt() == null ? run.updatedAt() : run.finishedAt());
        Timer.builder("cangku.gc.runs").description("Garbage collection runs of this process, by outcome")
                .tags("outcome", run.state().name(), "dry_run", Boolean.toString(run.dryRun()))
                .register(meters).record(took.isNegative() ? Duration.ZERO : took);
        GcReport report = run.report();
        if (run.state() != CollectionRun.State.succeeded || report == null || run.dryRun()) {
            return;
        }
        count(meters, "cangku.gc.blobs.deleted", null, "Blobs (layers, configs, manifest bytes) deleted", report.blobsDeleted());
        count(meters, "cangku.gc.deleted", "bytes", "Bytes of the blobs deleted", report.bytesFreed());
        count(meters, "cangku.gc.manifests.deleted", null, "Manifest revisions deleted", report.manifestsDeleted());
        count(meters, "cangku.gc.repositories.deleted", null, "Empty repositories removed from the catalog", report.repositoriesDeleted());
        count(meters, "cangku.gc.uploads.purged", null, "Abandoned upload sessions purged", report.uploadsPurged());
        lastSuccessEpochMillis.set(report.finishedAt().toEpochMilli());
        storedBytes.set(report.bytesStored());
        registerGauges(meters);
    }

    private static void count(MeterRegistry meters, String name, String unit, String description, long amount) {
        Counter.builder(name).baseUnit(unit).description(description).register(meters).increment(amount);
    }

    private synchronized void registerGauges(MeterRegistry meters) {
        if (gaugesRegistered) {
            return;
        }
        Gauge.builder("cangku.gc.last.success.timestamp", lastSuccessEpochMillis, millis -> millis.get() / 1000.0)
                .baseUnit("seconds").description("When the last successful real collection of this process ended (Unix time)")
                .register(meters);
        Gauge.builder("cangku.gc.stored", storedBytes, AtomicLong::get)
                .baseUnit("bytes").description("Bytes of blobs stored after the last successful real collection")
                .register(meters);
        gaugesRegistered = true;
    }
}
