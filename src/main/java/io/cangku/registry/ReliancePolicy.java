package io.cangku.registry;

import java.time.Duration;

/**
 * The times the write paths keep so that garbage collection never deletes what a client relies on (the
 * protocol is in the {@code io.cangku.gc} package's Javadoc). Built from {@code registry.gc.*}.
 *
 * @param refreshAfter    a link or use marker younger than this is not rewritten when relied on again, which
 *                        keeps a HEAD a read; it is well below the grace period, so a skipped write still
 *                        leaves a marker the collector counts as fresh
 * @param intentValidity  a deletion intent older than this is ignored by writers (left by a collector that
 *                        died); the collector itself gives up a deletion it could not finish within half of it
 * @param writeBudget     a manifest PUT that took longer than this between relying on its references and
 *                        committing relies on them again, so its marks stay within the grace period
 */
public record ReliancePolicy(Duration refreshAfter, Duration intentValidity, Duration writeBudget) {

    /** For a grace period {@code grace}: refresh at a quarter of it (at most 10 minutes), budget (grace - refresh) / 2. */
    public static ReliancePolicy forGracePeriod(Duration grace, Duration intentValidity) {
        Duration refresh = grace.dividedBy(4);
        if (refresh.compareTo(Duration.ofMinutes(10)) > 0) {
            refresh = Duration.ofMinutes(10);
        }
        return new ReliancePolicy(refresh, intentValidity, grace.minus(refresh).dividedBy(2));
    }
}
