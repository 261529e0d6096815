package io.cangku.gc;

import java.time.Instant;
import java.util.Map;

/**
 * One collection run as every replica sees it (kept in storage under {@code _gc/runs/<id>}).
 *
 * @param id         sorts by start time
 * @param state      {@code running}, {@code succeeded} or {@code failed}
 * @param owner      the process that runs it
 * @param progress   live figures while it runs (phase, repositories and manifests marked, blobs scanned, deleted)
 * @param report     the report once it finished; null before
 * @param error      why it failed; null otherwise
 * @param updatedAt  when the owner last wrote this record; a running record not updated for longer than the
 *                   lease lasts belongs to a collector that died
 */
public record CollectionRun(String id, State state, boolean dryRun, boolean deleteUntagged, String owner,
                            String requestedBy, Instant startedAt, Instant finishedAt, Map<String, Object> progress,
                            GcReport report, String error, Instant updatedAt) {

    public enum State {
        running, succeeded, failed
    }
}
