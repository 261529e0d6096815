package io.cangku.registry;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.cangku.oci.Digest;
import io.cangku.oci.OciError;
import io.cangku.oci.RegistryException;
import io.cangku.oci.RepositoryName;
import io.cangku.storage.ObjectInfo;
import io.cangku.storage.ObjectNotFoundException;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.StorageKey;
import io.cangku.storage.StorageLayout;
import org.springframework.stereotype.Service;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one owner of content-addressed bytes ({@code blobs/}) and of what a repository links to them: layer
 * links, manifest revisions, and the per-digest use markers and deletion intents through which writers and
 * the garbage collector stay out of each other's way (the protocol is written down in the {@code io.cangku.gc}
 * package's Javadoc). Every other class reaches these keys through here.
 *
 * <p>Read paths (GET, HEAD) may answer from the stat cache; write paths (upload completion, mount, manifest
 * PUT) always ask storage, because a blob another replica collected must not look present there.
 */
@Service
public class BlobService {

    private static final int MAX_REVISION_BYTES = 1024;
    /** A batch intent names at most a collector's batch of digests (500 of at most 135 characters and a newline). */
    private static final int MAX_INTENT_BYTES = 1 << 20;

    private final ObjectStore store;
    private final RepositoryCatalog catalog;
    private final ReliancePolicy reliance;
    private final Clock clock;
    /**
     * Sizes of blobs by digest, for read paths only: content-addressed, so never wrong while the blob exists,
     * and a collected blob's entry is dropped on the first failed read. Write paths never trust it.
     */
    private final Cache<Digest, BlobInfo> blobs = Caffeine.newBuilder()
            .maximumSize(100_000).expireAfterWrite(Duration.ofMinutes(5)).recordStats().build();
    /**
     * Digests whose use marker this replica wrote recently, so a burst of HEADs writes it once. Only ever
     * spares a write on a read path; manifest PUTs check storage.
     */
    private final Cache<Digest, Boolean> recentlyMarked;
    /**
     * The digests of batch intents already read, by key. A batch intent is written once under a key never
     * used again and deleted after its batch, so its content can be remembered; whether it still exists is
     * always asked of storage (the listing in {@link #digestsBeingDeleted}).
     */
    private final Cache<StorageKey, Set<Digest>> intentDigests = Caffeine.newBuilder().maximumSize(64).recordStats().build();
    /** Tells this process's batch intents apart within one run. */
    private final AtomicLong intentBatches = new AtomicLong();
    /**
     * This process's batch deletions, counted when they start (before their deletes) and when they finish
     * (after dropping their digests from {@link #blobs}). A read that found a blob stored and caches it after a
     * deletion took it would make a collected blob look stored for the cache's lifetime, and a client that
     * HEADs before uploading would skip the upload again and again; see {@link #cacheUnlessDeletionOverlapped}.
     */
    private final AtomicLong deletionsStarted = new AtomicLong();
    private final AtomicLong deletionsFinished = new AtomicLong();

    public BlobService(ObjectStore store, RepositoryCatalog catalog, ReliancePolicy reliance, Clock clock) {
        this.store = store;
        this.catalog = catalog;
        this.reliance = reliance;
        this.clock = clock;
        this.recentlyMarked = Caffeine.newBuilder().maximumSize(100_000)
                .expireAfterWrite(reliance.refreshAfter().dividedBy(2)).recordStats().build();
    }

    public ReliancePolicy reliance() {
        return reliance;
    }

    // ------------------------------------------------------------------ read paths

    /** The blob if stored at all, whatever repository links it (may answer from the cache). */
    public Optional<BlobInfo> stat(Digest digest) throws IOException {
        BlobInfo cached = blobs.getIfPresent(digest);
        if (cached != null) {
            return Optional.of(cached);
        }
        return statStored(digest);
    }

    /**
     * The blob when {@code repository} may serve it: linked as a layer or config, or held as a manifest
     * (some clients fetch manifests through the blob endpoint). A client that HEADs a blob usually means to
     * rely on the answer (it skips the upload), so this refreshes an old link and the digest's use marker.
     */
    public Optional<BlobInfo> statInRepository(RepositoryName repository, Digest digest) throws IOException {
        Optional<ObjectInfo> link = store.stat(StorageLayout.layerLink(repository, digest));
        if (link.isEmpty() && store.stat(StorageLayout.manifestRevision(repository, digest)).isEmpty()) {
            return Optional.empty();
        }
        Optional<BlobInfo> blob = stat(digest);
        if (blob.isPresent()) {
            if (link.isPresent()) {
                refreshIfOld(StorageLayout.layerLink(repository, digest), link.get());
            }
            if (recentlyMarked.getIfPresent(digest) == null) {
                markUsedInStorage(digest);
            }
        }
        return blob;
    }

    /** Opens a byte range of the blob; the caller closes the stream. */
    public InputStream open(Digest digest, long offset, long length) throws IOException {
        try {
            return store.read(StorageLayout.blob(digest), offset, length);
        } catch (ObjectNotFoundException e) {
            blobs.invalidate(digest);
            throw new RegistryException(OciError.BLOB_UNKNOWN, "blob " + digest + " is no longer stored");
        }
    }

    /** A direct URL for the blob where the backend offers one (S3 presigned GET). */
    public Optional<URI> directUrl(Digest digest, Duration ttl) throws IOException {
        return store.presignedGet(StorageLayout.blob(digest), ttl);
    }

    /** The blob as a local file where the backend keeps one, for zero-copy serving. */
    public Optional<Path> localFile(Digest digest) {
        return store.localFile(StorageLayout.blob(digest));
    }

    /** Small blobs (manifests) read whole, bounded; empty when not stored. */
    public Optional<byte[]> readSmall(Digest digest, int maxBytes) throws IOException {
        return store.readSmall(StorageLayout.blob(digest), maxBytes);
    }

    // ------------------------------------------------------------------ write paths

    /**
     * Publishes a verified upload at its content address and links it into the repository. When the blob is
     * stored already (another push), the upload's bytes are dropped, unless the collector is deciding on the
     * digest right now: then this upload's bytes replace it, so that what the client just sent is kept.
     */
    BlobInfo publishUpload(RepositoryName repository, StorageKey sealedUpload, Digest digest, long sizeBytes)
            throws IOException {
        Deletions before = deletionsNow();
        markUsed(digest);
        if (storedAndNotBeingDeleted(digest)) {
            store.deleteAppendable(sealedUpload);
        } else {
            store.move(sealedUpload, StorageLayout.blob(digest));
        }
        BlobInfo blob = new BlobInfo(digest, sizeBytes);
        cacheUnlessDeletionOverlapped(blob, before);
        // Durable, as the move above: the link is what the acknowledged push leaves for the manifest PUT
        // to find, and what keeps the blob from the collector until a manifest references it.
        store.writeSmall(StorageLayout.layerLink(repository, digest), new byte[0]);
        catalog.register(repository);
        return blob;
    }

    /**
     * Links a blob that {@code source} holds into {@code target} (a cross-repository mount); false when
     * {@code source} does not hold it, so the client uploads instead.
     */
    public boolean mount(RepositoryName source, RepositoryName target, Digest digest) throws IOException {
        if (store.stat(StorageLayout.layerLink(source, digest)).isEmpty()) {
            return false;
        }
        markUsed(digest);
        if (!storedAndNotBeingDeleted(digest)) {
            return false;
        }
        store.writeSmall(StorageLayout.layerLink(target, digest), new byte[0]);
        catalog.register(target);
        return true;
    }

    /** Stores a manifest's bytes at their content address unless already there (checked in storage). */
    void storeManifestBytes(Digest digest, byte[] body) throws IOException {
        markUsed(digest);
        if (!storedAndNotBeingDeleted(digest)) {
            store.writeSmall(StorageLayout.blob(digest), body);
        }
    }

    /**
     * Whether the blob is stored and no collection is deleting it, asked after {@link #markUsed}: stat, the
     * deletion intents, then stat again. The second stat is what makes the order safe: a collection that
     * deleted the blob after the first stat and removed its intent before the listing shows as absent there
     * (without it, the caller would drop its own bytes and rely on a blob that is gone). A collection that
     * writes its intent after the listing finds the use marker fresh and keeps the blob. An absent blob needs
     * no listing at all: writing it is always safe.
     */
    private boolean storedAndNotBeingDeleted(Digest digest) throws IOException {
        return statStored(digest).isPresent() && !digestsBeingDeleted().contains(digest) && statStored(digest).isPresent();
    }

    /**
     * A manifest being pushed into {@code repository} names {@code digest} as a config or layer: it must be
     * linked there and stored. Refreshes the link and the use marker, so a collection that starts now keeps
     * it; {@link #verifyLayer} confirms afterwards that no collection took it meanwhile.
     */
    void relyOnLayer(RepositoryName repository, Digest digest, String role) throws IOException {
        StorageKey linkKey = StorageLayout.layerLink(repository, digest);
        Optional<ObjectInfo> link = store.stat(linkKey);
        if (link.isEmpty() || statStored(digest).isEmpty()) {
            throw missing(role + " blob " + digest + " is not in " + repository + "; push it before the manifest", digest);
        }
        refreshIfOld(linkKey, link.get());
        markUsedInStorage(digest);
    }

    /** As {@link #relyOnLayer}, for a manifest an index names as a child: a revision of the repository. */
    void relyOnChild(RepositoryName repository, Digest digest) throws IOException {
        StorageKey revision = StorageLayout.manifestRevision(repository, digest);
        Optional<ObjectInfo> info = store.stat(revision);
        if (info.isEmpty() || statStored(digest).isEmpty()) {
            // distribution-spec v1.1, push: a manifest refused for a missing reference, a manifest or a blob,
            // MUST result in MANIFEST_BLOB_UNKNOWN
            throw missing("the index references manifest " + digest + ", which is not in " + repository + "; push it first", digest);
        }
        markUsedInStorage(digest);
    }

    /**
     * After the manifest's revision is written: no collector is deciding on the layer ({@code beingDeleted},
     * from {@link #digestsBeingDeleted}, read before this), and it is still linked and stored. If any of that
     * fails, the manifest must not be acknowledged.
     */
    void verifyLayer(RepositoryName repository, Digest digest, String role, Set<Digest> beingDeleted) throws IOException {
        if (beingDeleted.contains(digest) || store.stat(StorageLayout.layerLink(repository, digest)).isEmpty()
                || statStored(digest).isEmpty()) {
            throw missing(role + " blob " + digest + " was removed from " + repository
                    + " by garbage collection while the manifest was pushed; push the blob again", digest);
        }
    }

    /** As {@link #verifyLayer}, for an index child. */
    void verifyChild(RepositoryName repository, Digest digest, Set<Digest> beingDeleted) throws IOException {
        if (beingDeleted.contains(digest) || store.stat(StorageLayout.manifestRevision(repository, digest)).isEmpty()
                || statStored(digest).isEmpty()) {
            throw missing("manifest " + digest + " was removed from " + repository
                    + " while the index was pushed; push it again", digest);
        }
    }

    /** After a manifest's own revision is written: its bytes are still stored and not being collected. */
    void verifyManifestBytes(Digest digest, Set<Digest> beingDeleted) throws IOException {
        if (beingDeleted.contains(digest) || statStored(digest).isEmpty()) {
            throw missing("manifest " + digest + " was collected while it was pushed; push it again", digest);
        }
    }

    /** Removes the repository's link; the bytes stay until garbage collection finds them unused. */
    public boolean unlink(RepositoryName repository, Digest digest) throws IOException {
        StorageKey link = StorageLayout.layerLink(repository, digest);
        if (store.stat(link).isEmpty()) {
            return false;
        }
        store.delete(link);
        return true;
    }

    // ------------------------------------------------------------------ manifest revisions

    /** Records that the repository holds the manifest (rewriting it refreshes its time). */
    void writeRevision(RepositoryName repository, Digest digest, String mediaType) throws IOException {
        store.writeSmall(StorageLayout.manifestRevision(repository, digest), mediaType.getBytes(StandardCharsets.UTF_8));
    }

    public boolean hasRevision(RepositoryName repository, Digest digest) throws IOException {
        return store.stat(StorageLayout.manifestRevision(repository, digest)).isPresent();
    }

    /** The media type the revision was pushed with; empty when the repository does not hold the manifest. */
    public Optional<String> revisionMediaType(RepositoryName repository, Digest digest) throws IOException {
        return store.readSmall(StorageLayout.manifestRevision(repository, digest), MAX_REVISION_BYTES)
                .map(b -> new String(b, StandardCharsets.UTF_8));
    }

    void deleteRevision(RepositoryName repository, Digest digest) throws IOException {
        store.delete(StorageLayout.manifestRevision(repository, digest));
    }

    // ------------------------------------------------------------------ the collector's side

    /** What the collector removes for one digest, and the times that would keep it. */
    public record Removal(Digest digest, List<StorageKey> objects, boolean withUseMarker) {
    }

    /**
     * The collector's deletion step (see the gc package's protocol): writes one deletion intent naming every
     * digest of the batch, then re-reads each digest's use marker and the objects themselves, and deletes only
     * what is still older than {@code cutoff}. A writer that relied on a digest before the intent appeared
     * left a fresh use marker, which this re-read sees; one that comes after finds the digest in the intent
     * and refuses. Returns the removals carried out. One intent write and one intent delete per batch, however
     * many digests it holds: the cost of the protocol is per batch, not per digest.
     */
    public List<Removal> deleteUnlessRelied(List<Removal> removals, Instant cutoff, String runId) throws IOException {
        if (removals.isEmpty()) {
            return List.of();
        }
        Instant started = clock.instant();
        StringBuilder digests = new StringBuilder(removals.size() * 72);
        for (Removal removal : removals) {
            digests.append(removal.digest()).append('\n');
        }
        StorageKey intent = StorageLayout.deletionIntent(runId + "-" + intentBatches.incrementAndGet());
        List<Removal> done = new ArrayList<>();
        try {
            store.writeSmall(intent, digests.toString().getBytes(StandardCharsets.UTF_8));
            List<StorageKey> doomed = new ArrayList<>();
            for (Removal removal : removals) {
                if (!isOlderThan(StorageLayout.useMarker(removal.digest()), cutoff)) {
                    continue;
                }
                boolean stale = true;
                for (StorageKey object : removal.objects()) {
                    stale &= isOlderThan(object, cutoff);
                }
                if (stale) {
                    doomed.addAll(removal.objects());
                    if (removal.withUseMarker()) {
                        doomed.add(StorageLayout.useMarker(removal.digest()));
                    }
                    done.add(removal);
                }
            }
            // Writers ignore an intent older than its validity; a collector slower than half of it (a long
            // pause) must not act on intents writers may already disregard.
            if (Duration.between(started, clock.instant()).compareTo(reliance.intentValidity().dividedBy(2)) > 0) {
                throw new IOException("deleting " + removals.size() + " objects took longer than half the deletion-intent "
                        + "validity; nothing deleted in this batch");
            }
            deletionsStarted.incrementAndGet(); // before the deletes: see cacheUnlessDeletionOverlapped
            try {
                store.deleteBatch(doomed);
            } finally {
                for (Removal removal : done) {
                    if (removal.withUseMarker()) {
                        blobs.invalidate(removal.digest());
                        recentlyMarked.invalidate(removal.digest());
                    }
                }
                deletionsFinished.incrementAndGet();
            }
            return done;
        } finally {
            store.delete(intent);
        }
    }

    /**
     * Removes deletion intents older than their validity, which writers already ignore: left by a collector
     * that died between writing one and deleting it (and the per-digest intents of older versions), so the
     * listing writers make stays one object per running collector.
     */
    public int removeExpiredIntents() throws IOException {
        Instant validSince = clock.instant().minus(reliance.intentValidity());
        List<StorageKey> expired = new ArrayList<>();
        for (StorageKey prefix : List.of(StorageLayout.DELETION_INTENTS, StorageLayout.LEGACY_DELETION_INTENTS)) {
            store.forEach(prefix, item -> {
                if (!item.lastModified().isAfter(validSince)) {
                    expired.add(item.key());
                }
            });
        }
        store.deleteBatch(expired);
        return expired.size();
    }

    /** Fails closed: an object that cannot be stat'ed counts as fresh (kept). Absent counts as old. */
    private boolean isOlderThan(StorageKey key, Instant cutoff) throws IOException {
        Optional<ObjectInfo> info = store.stat(key);
        return info.isEmpty() || info.get().lastModified().isBefore(cutoff);
    }

    // ------------------------------------------------------------------ internals

    private Optional<BlobInfo> statStored(Digest digest) throws IOException {
        Deletions before = deletionsNow();
        Optional<ObjectInfo> info = store.stat(StorageLayout.blob(digest));
        if (info.isEmpty()) {
            blobs.invalidate(digest);
            return Optional.empty();
        }
        BlobInfo blob = new BlobInfo(digest, info.get().sizeBytes());
        cacheUnlessDeletionOverlapped(blob, before);
        return Optional.of(blob);
    }

    /** The deletion counters, read (started first) before a storage read whose answer may be cached. */
    private record Deletions(long started, long finished) {
    }

    private Deletions deletionsNow() {
        long started = deletionsStarted.get();
        return new Deletions(started, deletionsFinished.get());
    }

    /**
     * Caches what a storage read found stored, then drops it again unless no batch deletion of this process
     * overlapped the read: none in progress when the read began ({@code before} shows every started one
     * finished) and none started since. A deletion that took the blob after the read saw it either finished
     * its cache invalidation before this write (it was then in progress at the start, or started after it:
     * one of the two checks sees it) or invalidates after this write itself. Dropping an entry is always safe;
     * the cost is a storage stat for reads made while the collector deletes.
     */
    private void cacheUnlessDeletionOverlapped(BlobInfo blob, Deletions before) {
        blobs.put(blob.digest(), blob);
        if (before.finished() != before.started() || deletionsStarted.get() != before.started()) {
            blobs.invalidate(blob.digest());
        }
    }

    /**
     * The digests a collector is deciding on right now: those named by a deletion intent younger than its
     * validity. Which intents exist is always listed in storage (one listing of a flat prefix that holds one
     * intent per running collector, so as cheap as the one stat a per-digest intent took); only the content
     * of an intent already read comes from memory. A caller that also checks objects of these digests reads
     * this first: an intent listed absent, or gone before its content was read, was written after this
     * listing or deleted after its batch's deletions, and the object checks that follow see either case.
     */
    Set<Digest> digestsBeingDeleted() throws IOException {
        Instant validSince = clock.instant().minus(reliance.intentValidity());
        Set<Digest> digests = new HashSet<>();
        store.forEach(StorageLayout.DELETION_INTENTS, item -> {
            if (item.lastModified().isAfter(validSince)) {
                digests.addAll(digestsOfIntent(item.key()));
            }
        });
        return digests;
    }

    private Set<Digest> digestsOfIntent(StorageKey intent) throws IOException {
        Set<Digest> known = intentDigests.getIfPresent(intent);
        if (known != null) {
            return known;
        }
        Optional<byte[]> content = store.readSmall(intent, MAX_INTENT_BYTES);
        if (content.isEmpty()) {
            return Set.of(); // its batch is over
        }
        Set<Digest> digests = new HashSet<>();
        for (String line : new String(content.get(), StandardCharsets.UTF_8).split("\n")) {
            if (Digest.isValid(line)) {
                digests.add(Digest.parse(line));
            }
        }
        intentDigests.put(intent, digests);
        return digests;
    }

    /**
     * Writes the use marker (paths that write anyway). Use markers are written
     * {@link ObjectStore.Durability#EPHEMERAL ephemeral}: they only keep a collector that runs <em>while</em>
     * a writer relies on a digest from deleting it, and both are alive then, so both see the marker (one
     * page cache on one machine; on S3 every write is durable anyway). Once a push is acknowledged, what
     * keeps its blobs is durable state written after the marker: the layer link (fresh links are live for
     * the whole grace period) or the manifest revision that references them. A crash that loses a marker
     * ends the collector run on that machine too, and an absent marker counts as old, so the next run
     * judges by that durable state alone.
     */
    private void markUsed(Digest digest) throws IOException {
        store.writeSmall(StorageLayout.useMarker(digest), new byte[0], ObjectStore.Durability.EPHEMERAL);
        recentlyMarked.put(digest, Boolean.TRUE);
    }

    /** Writes the use marker unless storage shows a fresh one (write paths: never trusts the cache). */
    private void markUsedInStorage(Digest digest) throws IOException {
        StorageKey marker = StorageLayout.useMarker(digest);
        Optional<ObjectInfo> info = store.stat(marker);
        if (info.isEmpty() || info.get().lastModified().isBefore(clock.instant().minus(reliance.refreshAfter()))) {
            store.writeSmall(marker, new byte[0], ObjectStore.Durability.EPHEMERAL); // see markUsed
        }
        recentlyMarked.put(digest, Boolean.TRUE);
    }

    private void refreshIfOld(StorageKey key, ObjectInfo info) throws IOException {
        if (info.lastModified().isBefore(clock.instant().minus(reliance.refreshAfter()))) {
            store.writeSmall(key, new byte[0]);
        }
    }

    private static RegistryException missing(String message, Digest digest) {
        return new RegistryException(OciError.MANIFEST_BLOB_UNKNOWN, message, Map.of("digest", digest.toString()));
    }
}
