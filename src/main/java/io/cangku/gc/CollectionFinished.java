package io.cangku.gc;

/**
 * Published (as a Spring application event) when a collection run of this process has ended, succeeded or
 * failed, after its record was written; {@code ops} turns it into the {@code cangku_gc_*} meters. A run
 * refused because another holds the lease never started, so it publishes nothing.
 *
 * @param run the run's final record: state, start and end, and for a success its report
 */
public record CollectionFinished(CollectionRun run) {
}
