package io.cangku.policy;

import java.time.Instant;
import java.util.List;

/**
 * What a retention run deleted (or, for a dry run, would delete), per repository: the tags and the manifests.
 * Repositories a policy covers but where nothing goes are counted, not listed.
 *
 * @param collectionRunId the garbage collection started after a real run to free the space (null: none started)
 * @param collectionNote  why none was started, when one would have been
 */
public record RetentionReport(String id, boolean dryRun, String requestedBy, Instant startedAt, Instant finishedAt,
                              int repositoriesEvaluated, int tagsDeleted, int manifestsDeleted,
                              List<RepositoryOutcome> repositories, List<String> errors,
                              String collectionRunId, String collectionNote) {

    /** @param policies the names of the policies that cover the repository */
    public record RepositoryOutcome(String repository, List<String> policies, int tagsKept, List<TagRemoval> tags,
                                    List<ManifestRemoval> manifests) {
    }

    public record TagRemoval(String tag, String digest, Instant pushedAt, Instant lastPulledAt) {
    }

    /** @param reason {@code tags deleted} (its last tags went in this run) or {@code untagged} (untagged for too long) */
    public record ManifestRemoval(String digest, String reason) {
    }
}
