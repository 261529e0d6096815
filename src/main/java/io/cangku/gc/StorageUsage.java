package io.cangku.gc;

import java.time.Instant;
import java.util.List;

/**
 * Storage usage as the last collection's mark phase found it, dedup-aware: a blob is stored once however
 * many repositories reference it.
 *
 * @param computedAt   when the run that computed it finished
 * @param runId        that run
 * @param bytesStored  the total size of every blob kept in storage (what the registry occupies)
 * @param blobsStored  how many blobs that is
 * @param repositories per repository, in name order
 */
public record StorageUsage(Instant computedAt, String runId, long bytesStored, long blobsStored,
                           List<RepositoryUsage> repositories) {

    /**
     * @param name            the repository
     * @param referencedBytes the total size of the distinct blobs its manifests reference (manifests included)
     * @param exclusiveBytes  the part of that no other repository references: what deleting it would free
     * @param blobs           how many distinct blobs it references
     */
    public record RepositoryUsage(String name, long referencedBytes, long exclusiveBytes, long blobs) {
    }
}
