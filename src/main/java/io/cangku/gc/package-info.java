/**
 * Garbage collection: online mark and sweep while every replica keeps serving, with no lock that a request
 * waits on, no read-only window and no database. Also the purge of abandoned upload sessions.
 *
 * <h2>What is live</h2>
 * A run starts at {@code T} and computes {@code cutoff = T - grace period}. Per repository:
 * <ul>
 *   <li>roots: every revision written at or after the cutoff, every tagged revision, and (unless
 *       {@code deleteUntagged}) every revision without a {@code subject};</li>
 *   <li>from a live manifest: its index children (revisions of the same repository) and the referrers whose
 *       subject it is are live; its own bytes, config and layers are live blobs;</li>
 *   <li>a layer link is kept while a live manifest names the blob or the link is younger than the cutoff
 *       (then its blob is live too); a referrer entry while its manifest is held; a tag while its manifest is
 *       held (or it is young);</li>
 *   <li>a blob is deleted only when no live manifest of any repository names it, no young link points at it,
 *       and it and its digest's use marker are older than the cutoff.</li>
 * </ul>
 * A repository left with nothing is removed from the catalog. Mark reads storage only: an unreadable
 * manifest or any storage error while marking keeps every blob of the run (fail closed) and is reported; a
 * manifest that no longer parses counts every digest in it as a reference.
 *
 * <h2>The protocol with writers</h2>
 * Two kinds of objects in {@code _gc/} (see {@code StorageLayout}) carry it: the <b>use marker</b> of a digest,
 * rewritten (when older than {@code refreshAfter}, a quarter of the grace period) by every operation that
 * makes a client rely on the digest: upload completion, mount, HEAD in a repository, a manifest PUT naming it;
 * and the <b>deletion intent</b> of a batch, one object ({@code _gc/intents/<run>-<n>}) naming the digests of
 * up to 500 objects the collector is about to delete (blobs, links, revisions, tags pointing at them), written
 * once just before it deletes any of them and removed after. intent(D) below means "an intent naming D".
 * <ul>
 *   <li>Collector, for a batch of objects X of digests D it found dead: (c1) write the batch's intent; (c2)
 *       for each X, re-read use(D) and X; if either is at or after the cutoff, keep X; else (c3) delete X (and
 *       use(D) with a blob), all of the batch in one batch delete; (c4) delete the intent.</li>
 *   <li>Manifest PUT (the commit point of a push): (w1) for every reference, check it exists in storage
 *       (never a cache) and refresh its link and use(D); write the bytes and the revision; (w2) list the
 *       intents younger than their validity in storage and read the digests they name (an intent's content
 *       never changes under its key, so that content may come from memory; whether it exists never does), and
 *       only after that check again, in storage, that every reference still exists; only if no intent names
 *       any of them and all exist, write the tag and answer 201. Otherwise answer MANIFEST_BLOB_UNKNOWN, and
 *       the client pushes the blob again.</li>
 * </ul>
 * A batch costs two storage writes of the protocol (c1, c4) whatever its size, not two per digest: the
 * intents were once one object per digest, and writing them (an fsync and a rename each on a filesystem, a
 * PUT each on S3) was two thirds of a collection's time. A writer pays one listing of a prefix that holds one
 * object per running collector (one at a time, by the lease) instead of one stat per digest.
 * Why it holds, storage operations being linearizable (S3 has been strongly consistent since 2020, its
 * listings included; rename on one filesystem): suppose the writer proceeds at w2 and the collector deletes
 * X at c3. Proceeding means that at w2 the listing did not show the intent, or showed it but its content was
 * gone when read, and that X was present when checked after that. An intent missing from a listing was not
 * yet written (listed before c1) or already removed (after c4, so after c3, and the later check of X would
 * have failed); one listed but gone when read was removed before the read (after c3 again). So w2's listing
 * came before c1 (the intent exists from c1 to c4, X is gone after c3). Then w1 came before c2, and use(D) read at c2 is at least {@code w1 - refreshAfter}. The
 * collector deleting means that is older than the cutoff {@code T - grace}. So the writer relied on D more
 * than {@code grace - refreshAfter} before the run started; a PUT re-does w1 when it took longer than
 * {@code (grace - refreshAfter) / 2} (the write budget), so its revision was written before {@code T} and the
 * mark, which lists revisions after {@code T}, saw it. A revision that the mark saw is live when it is
 * young, tagged, or (without {@code deleteUntagged}) not a referrer; the tag the PUT writes comes at most a
 * write budget after the revision, so an untagged-looking revision whose tag the mark missed is young. Either
 * way its references were live, and the collector never chose X. Contradiction: every interleaving ends in
 * an intact image or a refused PUT.
 *
 * <h2>The interleavings considered</h2>
 * <ol>
 *   <li><b>HEAD, collect, PUT:</b> a client HEADs a blob (200, so it skips the upload), the collector deletes it,
 *       the client PUTs a manifest naming it. The HEAD refreshed use(D), so a run that started within the
 *       grace period keeps it; otherwise the PUT's w1 finds it missing and answers MANIFEST_BLOB_UNKNOWN.</li>
 *   <li><b>Upload completes while D is deleted:</b> the completion writes use(D) first, and republishes its own
 *       bytes instead of deduplicating when an intent(D) exists; the later manifest PUT checks again (above).</li>
 *   <li><b>A stale cache on another replica:</b> only read paths use the blob-stat cache (a deleted blob is
 *       dropped from it on the first failed read: 404); upload completion, mount and manifest PUT read
 *       storage, so no replica acknowledges an image on the word of its cache.</li>
 *   <li><b>A HEAD's stat racing the deletion on the collector's own replica:</b> the HEAD stats D (stored),
 *       the collector deletes D and drops it from the cache, then the HEAD caches D's size. Left so, every
 *       HEAD on that replica would answer 200 for the cache's lifetime and a client that HEADs before
 *       uploading would never upload again (BatchIntentRaceTest caught it on S3: the refusal drops only the
 *       first missing digest of a manifest). The same holds for an upload completion that republishes D
 *       while a batch that already chose D deletes it. Each batch counts itself when it starts deleting and
 *       again when it has dropped its digests from the cache; a read caches what it found only if no batch
 *       was between the two counts when it began and none started before its cache write (checked after the
 *       write). A batch that deletes D after the read saw it either fails one of those checks or drops the
 *       entry after it was written. (Counting starts alone missed a batch that started just before the
 *       read and dropped its digests before the read's write: the full verify caught that one, again on S3.)</li>
 *   <li><b>Layers, then index children by digest, then the index or tag:</b> each step writes links,
 *       revisions and use markers that are younger than the cutoff of any run that starts meanwhile: a
 *       young revision is a root, a young link keeps its blob.</li>
 *   <li><b>A link or revision deleted under a PUT:</b> the same intent protocol covers them (keyed by the
 *       digest), and w2 checks the link or child revision too.</li>
 *   <li><b>An empty repository removed while a push begins:</b> the collector deletes the catalog entry, then
 *       lists the repository again and puts the entry back if anything appeared; writers check the entry in
 *       storage after every write ({@code RepositoryCatalog.register}).</li>
 *   <li><b>A PUT while its digest's batch intent is written, checked or removed:</b> the PUT's listing comes
 *       before the intent's write (then the collector's re-read at c2 sees the PUT's use marker, written at w1
 *       before that listing, and keeps X), or while it exists (refused), or after its removal (the deletions
 *       came before the removal, so the PUT's later check finds X gone and refuses, or X was kept). Upload
 *       completion and mount read the intents the same way before deciding to deduplicate or link.
 *       {@code BatchIntentRaceTest} races PUTs with the deletion of the very batch they name.</li>
 *   <li><b>Two collectors:</b> a lease in storage ({@code _gc/lease}), taken and renewed by conditional writes,
 *       lets one run at a time; a collector that lost its lease (it paused past the expiry) stops deleting.
 *       Intents expire after {@code lease-ttl}, so a collector that died leaves nothing that blocks
 *       writers for longer (the next run removes expired ones, keeping the writers' listing short), and a
 *       collector that took longer than half of that between writing an intent and deleting gives the batch
 *       up.</li>
 *   <li><b>A crash mid-sweep:</b> every deletion is of something already dead, and in the order revision and
 *       referrer entry before blob, so what remains is consistent; the next run finds the rest dead again.</li>
 * </ol>
 * The intent is written with the same durability as any other object (fsync and rename on a filesystem):
 * an intent lost to a power cut after c1 would let a writer proceed while c3 deletes, so it is not skipped.
 * Upgrading from a version with per-digest intents ({@code _gc/deleting/}): writers of this version do not
 * read those, so let no collection of an older version run while the new one serves pushes.
 *
 * The limits of the argument: clocks (S3's modification times come from the S3 server, the cutoff from the
 * collector's clock; keep them within a small fraction of the grace period), a store that ignores
 * conditional writes (then two collectors may run at once; README says which stores enforce them), and a
 * grace period shorter than the longest gap a client leaves between uploading a layer and pushing the
 * manifest naming it (the client then gets MANIFEST_BLOB_UNKNOWN and re-uploads).
 */
package io.cangku.gc;
