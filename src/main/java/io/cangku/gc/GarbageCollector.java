package io.cangku.gc;

import io.cangku.oci.Descriptor;
import io.cangku.oci.Digest;
import io.cangku.oci.RepositoryName;
import io.cangku.registry.BlobService;
import io.cangku.registry.BlobService.Removal;
import io.cangku.registry.ManifestService;
import io.cangku.registry.ManifestService.References;
import io.cangku.registry.RepositoryCatalog;
import io.cangku.registry.TagService;
import io.cangku.registry.UploadService;
import io.cangku.oci.Tag;
import io.cangku.storage.ObjectInfo;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.StorageKey;
import io.cangku.storage.StorageLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One mark-and-sweep collection while the registry keeps serving (the protocol and why it is safe are in
 * this package's Javadoc). Repositories are marked and swept one at a time, holding one repository's
 * revisions in memory; blobs are marked into a compact set and swept by one ordered listing of
 * {@code blobs/}.
 */
@Component
class GarbageCollector {

    private static final Logger log = LoggerFactory.getLogger(GarbageCollector.class);
    /** Deletions go in batches: one intent object each (naming its digests), one batch delete. */
    private static final int DELETE_BATCH = 500;
    private static final int MAX_REPORTED_ERRORS = 100;

    private final ObjectStore store;
    private final BlobService blobs;
    private final ManifestService manifests;
    private final TagService tags;
    private final RepositoryCatalog catalog;
    private final UploadService uploads;
    private final Clock clock;

    GarbageCollector(ObjectStore store, BlobService blobs, ManifestService manifests, TagService tags,
                     RepositoryCatalog catalog, UploadService uploads, Clock clock) {
        this.store = store;
        this.blobs = blobs;
        this.manifests = manifests;
        this.tags = tags;
        this.catalog = catalog;
        this.uploads = uploads;
        this.clock = clock;
    }

    /** What a run is asked to do. */
    record Options(boolean dryRun, boolean deleteUntagged) {
    }

    /** Live figures of a run in progress, read by other threads. */
    static final class Progress {
        volatile String phase = "starting";
        volatile long repositoriesMarked;
        volatile long manifestsMarked;
        volatile long blobsScanned;
        volatile long blobsDeleted;

        Map<String, Object> snapshot() {
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("phase", phase);
            figures.put("repositoriesMarked", repositoriesMarked);
            figures.put("manifestsMarked", manifestsMarked);
            figures.put("blobsScanned", blobsScanned);
            figures.put("blobsDeleted", blobsDeleted);
            return figures;
        }
    }

    /** The report of a run and the usage figures its mark phase found. */
    record Outcome(GcReport report, StorageUsage usage) {
    }

    /** Counters of one run. */
    private static final class Tally {
        long blobsDeleted, bytesFreed, manifestsDeleted, tagsDeleted, linksDeleted, referrersDeleted,
                repositoriesDeleted, uploadsPurged, blobsKept, bytesStored;
        boolean blobSweepSkipped;
        final List<String> errors = new ArrayList<>();
        /** Repositories this run removed from the catalog: the usage figures leave them out. */
        final java.util.Set<String> repositoriesRemoved = new java.util.HashSet<>();

        void error(String message) {
            log.warn("garbage collection: {}", message);
            if (errors.size() < MAX_REPORTED_ERRORS) {
                errors.add(message);
            } else if (errors.size() == MAX_REPORTED_ERRORS) {
                errors.add("… more errors in the log");
            }
        }
    }

    /** Who references a blob, for the usage figures: one repository, or several ({@code shared}). */
    private static final class BlobUse {
        final long sizeBytes;
        final String firstRepository;
        boolean shared;

        BlobUse(long sizeBytes, String firstRepository) {
            this.sizeBytes = sizeBytes;
            this.firstRepository = firstRepository;
        }
    }

    /**
     * Runs one collection. {@code lease} is checked before every deletion batch: a collector that lost it
     * (paused past its expiry, say) stops deleting at once.
     */
    Outcome collect(Options options, String runId, Instant startedAt, Instant cutoff, CollectionLease lease,
                    Progress progress) throws IOException {
        Tally tally = new Tally();
        LiveDigests live = new LiveDigests();
        Map<Digest, BlobUse> referenced = new HashMap<>();
        Map<String, long[]> repositoryFigures = new LinkedHashMap<>();

        if (!options.dryRun() && lease.isHeld()) {
            try {
                blobs.removeExpiredIntents();
            } catch (IOException e) {
                tally.error("could not remove expired deletion intents: " + e.getMessage());
            }
        }
        progress.phase = "marking";
        List<String> names = new ArrayList<>();
        store.forEach(StorageLayout.CATALOG, item -> names.add(StorageLayout.decodeCatalogName(item.key().relativeTo(StorageLayout.CATALOG))));
        for (String name : names) {
            if (!RepositoryName.isValid(name)) {
                tally.error("catalog entry " + name + " is not a valid repository name; left alone");
                continue;
            }
            RepositoryName repository = RepositoryName.parse(name);
            try {
                Map<Digest, Long> repositoryBlobs = markAndSweepRepository(repository, options, runId, cutoff, lease, live, tally, progress);
                long referencedBytes = 0;
                for (Map.Entry<Digest, Long> blob : repositoryBlobs.entrySet()) {
                    referencedBytes += blob.getValue();
                    BlobUse use = referenced.get(blob.getKey());
                    if (use == null) {
                        referenced.put(blob.getKey(), new BlobUse(blob.getValue(), name));
                    } else if (!use.firstRepository.equals(name)) {
                        use.shared = true;
                    }
                }
                repositoryFigures.put(name, new long[]{referencedBytes, repositoryBlobs.size()});
            } catch (IOException | RuntimeException e) {
                // Fail closed: what this repository references is unknown, so no blob may go in this run.
                tally.blobSweepSkipped = true;
                tally.error("could not mark " + name + " (" + e.getMessage() + "); no blob is deleted in this run");
            }
            progress.repositoriesMarked++;
        }
        // exclusive bytes: what only this repository references
        Map<String, Long> exclusive = new HashMap<>();
        for (BlobUse use : referenced.values()) {
            if (!use.shared) {
                exclusive.merge(use.firstRepository, use.sizeBytes, Long::sum);
            }
        }

        progress.phase = "sweeping blobs";
        sweepBlobs(options, runId, cutoff, lease, live, tally, progress);

        progress.phase = "purging uploads";
        try {
            tally.uploadsPurged = uploads.purgeUntouchedSince(clock.instant().minus(uploads.maxAge()), options.dryRun());
        } catch (IOException e) {
            tally.error("could not purge upload sessions: " + e.getMessage());
        }

        progress.phase = "finished";
        Instant finishedAt = clock.instant();
        GcReport report = new GcReport(options.dryRun(), options.deleteUntagged(), startedAt, finishedAt,
                tally.blobsDeleted, tally.bytesFreed, tally.manifestsDeleted, tally.tagsDeleted, tally.linksDeleted,
                tally.referrersDeleted, tally.repositoriesDeleted, tally.uploadsPurged, tally.blobsKept, tally.bytesStored,
                tally.blobSweepSkipped, List.copyOf(tally.errors));
        List<StorageUsage.RepositoryUsage> perRepository = new ArrayList<>(repositoryFigures.size());
        for (Map.Entry<String, long[]> entry : repositoryFigures.entrySet()) {
            if (tally.repositoriesRemoved.contains(entry.getKey())) {
                continue; // gone from the catalog: a row of zeros for it would only puzzle
            }
            perRepository.add(new StorageUsage.RepositoryUsage(entry.getKey(), entry.getValue()[0],
                    exclusive.getOrDefault(entry.getKey(), 0L), entry.getValue()[1]));
        }
        return new Outcome(report, new StorageUsage(finishedAt, runId, tally.bytesStored, tally.blobsKept, perRepository));
    }

    private record Revision(Digest digest, String mediaType, Instant lastModified) {
    }

    /**
     * Marks one repository (its live manifests and what they reference go into {@code live}) and sweeps what
     * it holds that nothing keeps. Returns the blobs its live manifests reference, with their sizes.
     */
    private Map<Digest, Long> markAndSweepRepository(RepositoryName repository, Options options, String runId, Instant cutoff,
                                               CollectionLease lease, LiveDigests live, Tally tally, Progress progress)
            throws IOException {
        // revisions and what each references
        Map<Digest, Revision> revisions = new LinkedHashMap<>();
        StorageKey revisionsPrefix = StorageLayout.manifestRevisions(repository);
        store.forEach(revisionsPrefix, item -> {
            Digest digest = digestOfPath(item.key().relativeTo(revisionsPrefix));
            if (digest != null) {
                revisions.put(digest, new Revision(digest, null, item.lastModified()));
            }
        });
        Map<Digest, References> references = new HashMap<>();
        Map<Digest, List<Digest>> referrersOf = new HashMap<>();
        Set<Digest> roots = new HashSet<>();
        for (Revision revision : revisions.values()) {
            String mediaType = blobs.revisionMediaType(repository, revision.digest()).orElse(null);
            Optional<References> refs = manifests.references(revision.digest(), mediaType);
            progress.manifestsMarked++;
            if (refs.isEmpty()) {
                // Its bytes are gone (or it was deleted just now): it can reference nothing we could keep.
                roots.add(revision.digest());
                if (blobs.hasRevision(repository, revision.digest())) {
                    tally.error(repository + "@" + revision.digest() + " is held but its bytes are not stored");
                }
                continue;
            }
            references.put(revision.digest(), refs.get());
            refs.get().subject().ifPresent(subject -> referrersOf.computeIfAbsent(subject, s -> new ArrayList<>()).add(revision.digest()));
            boolean young = !revision.lastModified().isBefore(cutoff);
            boolean unparsable = !refs.get().exact();
            boolean plainManifest = refs.get().subject().isEmpty();
            if (young || unparsable || (!options.deleteUntagged() && plainManifest)) {
                roots.add(revision.digest());
            }
        }
        // tags: roots, and tags that point at nothing held
        List<Removal> danglingTags = new ArrayList<>();
        StorageKey tagsPrefix = StorageLayout.tags(repository);
        int[] keptTags = {0};
        store.forEach(tagsPrefix, item -> {
            Tag tag;
            try {
                tag = Tag.parse(StorageLayout.decodeTagName(item.key().name()));
            } catch (RuntimeException e) {
                tally.error("tag object " + item.key() + " has no valid tag name; left alone");
                keptTags[0]++;
                return;
            }
            Optional<Digest> target = tags.resolve(repository, tag);
            if (target.isEmpty()) {
                return; // deleted while listing
            }
            if (revisions.containsKey(target.get())) {
                roots.add(target.get());
                keptTags[0]++;
            } else if (item.lastModified().isBefore(cutoff)) {
                danglingTags.add(new Removal(target.get(), List.of(item.key()), false));
            } else {
                keptTags[0]++;
            }
        });

        // closure: index children and referrers of live subjects
        Set<Digest> liveRevisions = new HashSet<>();
        Deque<Digest> pending = new ArrayDeque<>(roots);
        while (!pending.isEmpty()) {
            Digest digest = pending.pop();
            if (!revisions.containsKey(digest) || !liveRevisions.add(digest)) {
                continue;
            }
            References refs = references.get(digest);
            if (refs != null) {
                pending.addAll(refs.children());
            }
            pending.addAll(referrersOf.getOrDefault(digest, List.of()));
        }

        // what the live manifests reference
        Map<Digest, Long> repositoryBlobs = new HashMap<>();
        for (Digest digest : liveRevisions) {
            References refs = references.get(digest);
            live.add(digest);
            if (refs == null) {
                continue;
            }
            repositoryBlobs.putIfAbsent(digest, refs.sizeBytes());
            for (Descriptor blob : refs.blobs()) {
                Digest blobDigest = Digest.parse(blob.digest());
                live.add(blobDigest);
                repositoryBlobs.putIfAbsent(blobDigest, blob.size());
            }
            for (Digest child : refs.children()) {
                live.add(child); // a child's bytes, even if the repository lacks its revision
            }
        }

        // layer links: kept while a live manifest names the blob or the link is young
        List<Removal> deadLinks = new ArrayList<>();
        int[] keptLinks = {0};
        StorageKey linksPrefix = StorageLayout.layerLinks(repository);
        store.forEach(linksPrefix, item -> {
            Digest digest = digestOfPath(item.key().relativeTo(linksPrefix));
            if (digest == null) {
                keptLinks[0]++;
                return;
            }
            if (!item.lastModified().isBefore(cutoff)) {
                live.add(digest);
                keptLinks[0]++;
            } else if (repositoryBlobs.containsKey(digest)) {
                keptLinks[0]++;
            } else {
                deadLinks.add(new Removal(digest, List.of(item.key()), false));
            }
        });

        // dead revisions, with their referrer entries; then entries whose manifest is gone
        List<Removal> deadRevisions = new ArrayList<>();
        Set<StorageKey> entriesOfDeadRevisions = new HashSet<>();
        for (Revision revision : revisions.values()) {
            if (liveRevisions.contains(revision.digest())) {
                continue;
            }
            List<StorageKey> objects = new ArrayList<>(2);
            objects.add(StorageLayout.manifestRevision(repository, revision.digest()));
            References refs = references.get(revision.digest());
            if (refs != null && refs.subject().isPresent()) {
                StorageKey entry = StorageLayout.referrer(repository, refs.subject().get(), revision.digest());
                objects.add(entry);
                entriesOfDeadRevisions.add(entry);
            }
            deadRevisions.add(new Removal(revision.digest(), objects, false));
        }
        List<Removal> deadEntries = new ArrayList<>();
        int[] keptEntries = {0};
        StorageKey referrersPrefix = StorageLayout.repository(repository).resolve("_referrers");
        store.forEach(referrersPrefix, item -> {
            if (entriesOfDeadRevisions.contains(item.key())) {
                return;
            }
            Digest referrer = Digest.isValid(item.key().name()) ? Digest.parse(item.key().name()) : null;
            if (referrer != null && !liveRevisions.contains(referrer) && !revisions.containsKey(referrer)
                    && item.lastModified().isBefore(cutoff)) {
                deadEntries.add(new Removal(referrer, List.of(item.key()), false));
            } else {
                keptEntries[0]++;
            }
        });

        // sweep
        List<Removal> revisionsDeleted = remove(deadRevisions, options, runId, cutoff, lease, tally);
        tally.manifestsDeleted += revisionsDeleted.size();
        tally.referrersDeleted += revisionsDeleted.stream().filter(r -> r.objects().size() > 1).count();
        tally.tagsDeleted += remove(danglingTags, options, runId, cutoff, lease, tally).size();
        tally.linksDeleted += remove(deadLinks, options, runId, cutoff, lease, tally).size();
        tally.referrersDeleted += remove(deadEntries, options, runId, cutoff, lease, tally).size();
        if (liveRevisions.isEmpty() && keptLinks[0] == 0 && keptTags[0] == 0 && keptEntries[0] == 0) {
            if (options.dryRun()) {
                if (store.stat(StorageLayout.catalogEntry(repository)).map(i -> i.lastModified().isBefore(cutoff)).orElse(false)) {
                    tally.repositoriesDeleted++; // still there after a dry run: its usage row stays
                }
            } else if (lease.isHeld() && catalog.removeIfEmpty(repository, cutoff)) {
                tally.repositoriesDeleted++;
                tally.repositoriesRemoved.add(repository.value());
                log.info("garbage collection: removed empty repository {}", repository);
            }
        }
        return repositoryBlobs;
    }

    /** Deletes (or in a dry run only lists) the removals, in batches, through the deletion-intent protocol. */
    private List<Removal> remove(List<Removal> removals, Options options, String runId, Instant cutoff,
                                 CollectionLease lease, Tally tally) {
        if (options.dryRun()) {
            return removals;
        }
        List<Removal> done = new ArrayList<>();
        for (int from = 0; from < removals.size(); from += DELETE_BATCH) {
            if (!lease.isHeld()) {
                tally.error("the collection lease was lost; stopped deleting");
                return done;
            }
            List<Removal> batch = removals.subList(from, Math.min(removals.size(), from + DELETE_BATCH));
            try {
                done.addAll(blobs.deleteUnlessRelied(batch, cutoff, runId));
            } catch (IOException e) {
                tally.error("could not delete " + batch.size() + " objects: " + e.getMessage());
            }
        }
        return done;
    }

    private void sweepBlobs(Options options, String runId, Instant cutoff, CollectionLease lease, LiveDigests live,
                            Tally tally, Progress progress) throws IOException {
        List<Removal> candidates = new ArrayList<>();
        Map<Digest, Long> sizes = new HashMap<>();
        store.forEach(StorageLayout.BLOBS, item -> {
            progress.blobsScanned++;
            Digest digest = digestOfBlobPath(item.key().relativeTo(StorageLayout.BLOBS));
            if (digest == null || tally.blobSweepSkipped || live.contains(digest) || !item.lastModified().isBefore(cutoff)) {
                tally.blobsKept++;
                tally.bytesStored += item.sizeBytes();
                return;
            }
            candidates.add(new Removal(digest, List.of(item.key()), true));
            sizes.put(digest, item.sizeBytes());
            if (candidates.size() == DELETE_BATCH) {
                sweepBlobBatch(candidates, sizes, options, runId, cutoff, lease, tally, progress);
            }
        });
        sweepBlobBatch(candidates, sizes, options, runId, cutoff, lease, tally, progress);
    }

    private void sweepBlobBatch(List<Removal> candidates, Map<Digest, Long> sizes, Options options, String runId,
                                Instant cutoff, CollectionLease lease, Tally tally, Progress progress) {
        if (candidates.isEmpty()) {
            return;
        }
        Set<Digest> deleted = new HashSet<>();
        if (options.dryRun()) {
            candidates.forEach(c -> deleted.add(c.digest()));
        } else if (!lease.isHeld()) {
            tally.error("the collection lease was lost; stopped deleting blobs");
        } else {
            try {
                blobs.deleteUnlessRelied(List.copyOf(candidates), cutoff, runId).forEach(r -> deleted.add(r.digest()));
            } catch (IOException e) {
                tally.error("could not delete " + candidates.size() + " blobs: " + e.getMessage());
            }
        }
        for (Removal candidate : candidates) {
            long size = sizes.get(candidate.digest());
            if (deleted.contains(candidate.digest())) {
                tally.blobsDeleted++;
                tally.bytesFreed += size;
                progress.blobsDeleted++;
            } else {
                tally.blobsKept++;
                tally.bytesStored += size;
            }
        }
        candidates.clear();
        sizes.clear();
    }

    /** {@code <alg>/<hex>} → digest; null (and the object is kept) when it is not one. */
    private static Digest digestOfPath(String path) {
        int slash = path.indexOf('/');
        if (slash < 0 || path.indexOf('/', slash + 1) >= 0) {
            return null;
        }
        String text = path.substring(0, slash) + ":" + path.substring(slash + 1);
        return Digest.isValid(text) ? Digest.parse(text) : null;
    }

    /** {@code <alg>/<hex[0:2]>/<hex>} → digest. */
    private static Digest digestOfBlobPath(String path) {
        String[] parts = path.split("/");
        if (parts.length != 3 || !parts[2].startsWith(parts[1])) {
            return null;
        }
        String text = parts[0] + ":" + parts[2];
        return Digest.isValid(text) ? Digest.parse(text) : null;
    }
}
