package io.cangku.gc;

import java.time.Instant;
import java.util.List;

/**
 * What one collection did, or for a dry run ({@code dryRun} true) what it would have done: the counts are
 * the same a real run over the same state would report.
 *
 * @param blobsDeleted        blobs (layers, configs, manifest bytes) removed from {@code blobs/}
 * @param bytesFreed          their total size
 * @param manifestsDeleted    manifest revisions removed from repositories (untagged, or referrers of deleted subjects)
 * @param tagsDeleted         tags that pointed at no manifest the repository still holds
 * @param linksDeleted        repository links to blobs the repository no longer uses
 * @param referrersDeleted    referrer index entries of manifests no longer held
 * @param repositoriesDeleted repositories left empty, removed from the catalog
 * @param uploadsPurged       upload sessions untouched for longer than {@code registry.uploads.max-age}
 * @param blobsKept           blobs still stored after the run
 * @param bytesStored         their total size
 * @param blobSweepSkipped    true when a storage error or unreadable manifest made the run keep every blob
 * @param errors              what it could not read or delete (the run kept those things)
 */
public record GcReport(boolean dryRun, boolean deleteUntagged, Instant startedAt, Instant finishedAt,
                       long blobsDeleted, long bytesFreed, long manifestsDeleted, long tagsDeleted, long linksDeleted,
                       long referrersDeleted, long repositoriesDeleted, long uploadsPurged, long blobsKept,
                       long bytesStored, boolean blobSweepSkipped, List<String> errors) {
}
