/**
 * Storage quotas: the repositories matching a glob may together reference at most a given number of bytes,
 * counted dedup-aware (a blob shared inside the quota's scope counts once), checked when a manifest is pushed
 * (the registry's {@link io.cangku.registry.PushAdmission}), and right again after deletes and collections.
 *
 * <h2>How usage is known at push time</h2>
 * Replicas are stateless and there is no database, so the figure lives in storage: one <b>usage ledger</b> per
 * quota ({@code _quota/usage/<name>}, see {@code StorageLayout}), listing every distinct blob the scope references
 * (a 64-bit digest fingerprint, its size as stored, when it was counted; 24 bytes a blob, sorted). The options
 * weighed:
 * <ul>
 *   <li>Counting the scope's distinct blobs at every push (list the catalog, every repository's revisions, read
 *       the manifests): exact, but a 1,000-repository scope is at least 1,000 listings per push, seconds on S3.</li>
 *   <li>The last collection's per-repository figures ({@code gc/StorageUsage}) plus pushed-since deltas: cheap,
 *       but those figures cannot say whether a new layer is already in the scope (shared layers would count once
 *       per push), and are only as fresh as the last collection.</li>
 *   <li>The ledger (chosen): a push reads one object, looks its few digests up, and only when it adds blobs the
 *       scope does not hold yet, decides and writes the object back with a conditional write. A retag, a retry or a
 *       layer shared with another repository of the scope adds nothing and writes nothing.</li>
 * </ul>
 * The ledger is <b>counted again</b> from what the scope holds (list the catalog, each covered repository's
 * revisions, each revision's references; sizes from the blob store) when the quota is created or changed (PUT
 * {@code /api/quotas/<name>}, and at the first push when the stored ledger counted another glob), and after
 * every real collection, on the replica that ran it. Every revision counts, tagged or not, because it holds its
 * blobs until a collection removes it; blobs that were uploaded but that no manifest names do not count (the
 * collector removes them after its grace period). A manifest delete therefore lowers the figure at the next
 * count, which the collection that frees the space triggers.
 *
 * <h2>Races</h2>
 * <ul>
 *   <li><b>Two replicas accept pushes at the same moment near the limit:</b> both read the ledger at version v and
 *       both find room; both write conditionally on v (S3 {@code If-Match}, a file lock on the filesystem); one
 *       wins, the other's write is refused, it reads again, sees the winner's blobs, and refuses its push (403).
 *       The limit is exact, not soft. {@code QuotaContract.racingPushesAtTheLimitCannotBothPass} runs four.</li>
 *   <li><b>A push counted, then failing</b> (a layer collected under it, a crash before the revision): its blobs
 *       stay in the ledger until the next count. Counting too much is the only error allowed, and it is undone by
 *       the next count.</li>
 *   <li><b>A count racing pushes:</b> a push is counted before its revision is written, so a count's walk may miss
 *       a push admitted meanwhile. The count keeps every ledger entry counted within {@code PUSH_WINDOW} (10
 *       minutes) before it started that its walk did not find, and merges by conditional write, retrying when a
 *       push wrote in between; so no admitted push is forgotten (it may be counted until the next count after it
 *       was deleted).</li>
 *   <li><b>Many pushes find no ledger at once</b> (a quota from configuration at its first pushes, a ledger found
 *       damaged or counting another glob): each would walk the whole scope, a full recount per push (916 ms for
 *       1,000 repositories, below). On one replica the first starts the count and the others wait for it, then
 *       decide on the ledger it stored; one that read "no ledger" just before that count ended finds the ledger
 *       and does not count again. Replicas do not coordinate: at most one count per replica, each merged by
 *       conditional write as above. The counts that must start after what they are to see (after a collection,
 *       after a PUT of the quota) never join one already running.
 *       {@code QuotaContract.racingPushesWithoutALedgerShareOneCount} runs eight.</li>
 *   <li><b>Stores without conditional writes</b> ({@code registry.storage.s3.conditional-writes=false}): the last
 *       of two writes at the same moment wins, so two pushes near the limit may both pass and one's blobs go
 *       uncounted until the next count. README says so.</li>
 *   <li><b>Contention:</b> every push adding bytes to a scope writes the same object; a push that loses 20
 *       conditional writes in a row answers 503 and the client retries.</li>
 * </ul>
 *
 * <h2>Cost, measured</h2>
 * See {@code QuotaCheckCostBench} (filesystem, 1,000 repositories sharing a base layer, 3,004 blobs, a 72 KB
 * ledger), in one run on a shared 2-core machine: a manifest PUT that adds nothing new took 24.7 ms (median) inside the quota against 23.6 ms in a repository no quota covers; a check that adds a blob (read and conditional write of the ledger) 6.5 ms; a full recount 916 ms. A ledger grows by 24 bytes per distinct blob, so a
 * scope of 100,000 blobs reads 2.4 MB per push; the ledger is capped at 64 MB (about 2.8 million blobs), above
 * which pushes are refused with a message asking for narrower quotas.
 */
package io.cangku.quota;
