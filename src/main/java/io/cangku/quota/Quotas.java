package io.cangku.quota;

import io.cangku.gc.CollectionFinished;
import io.cangku.gc.CollectionRun;
import io.cangku.oci.Descriptor;
import io.cangku.oci.Digest;
import io.cangku.oci.OciError;
import io.cangku.oci.RegistryException;
import io.cangku.oci.RepositoryName;
import io.cangku.oci.RetryLaterException;
import io.cangku.policy.InvalidRuleException;
import io.cangku.policy.PullTimes;
import io.cangku.policy.StoredRules;
import io.cangku.registry.BlobInfo;
import io.cangku.registry.BlobService;
import io.cangku.registry.Listing;
import io.cangku.registry.ManifestService;
import io.cangku.registry.PushAdmission;
import io.cangku.registry.QuotaExceededException;
import io.cangku.registry.RepositoryCatalog;
import io.cangku.storage.ConditionalWritesUnsupportedException;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.StorageKey;
import io.cangku.storage.StorageLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Service;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * Storage quotas, from configuration and the admin API, and the registry's {@link PushAdmission}: every manifest
 * PUT into a repository a quota covers reads that quota's usage ledger (one GET), and when the push adds blobs the
 * scope does not reference yet, either refuses it or counts them with one conditional write. How the figures stay
 * right across replicas, deletes and collections is in the package Javadoc.
 */
@Service
public class Quotas implements PushAdmission {

    private static final Logger log = LoggerFactory.getLogger(Quotas.class);
    /** Conditional writes lost to other pushes of the same scope before one gives up (503, the client retries). */
    private static final int MAX_ATTEMPTS = 20;
    private static final int CATALOG_PAGE = 1000;
    /**
     * How far back a count keeps what pushes counted that its walk did not find: a push is counted before its
     * revision is written, and the manifest PUT that follows takes at most a few write budgets.
     */
    static final Duration PUSH_WINDOW = Duration.ofMinutes(10);

    private final List<Quota> declared;
    private final StoredRules<Quota> stored;
    private final ObjectStore store;
    private final RepositoryCatalog catalog;
    private final BlobService blobs;
    private final ManifestService manifests;
    private final Clock clock;
    /**
     * The counts this replica is making for a quota that has no ledger, by quota name and repositories: the pushes
     * and usage reads that find none meanwhile wait for that count instead of each walking the whole scope again.
     */
    private final Map<String, CompletableFuture<UsageLedger>> firstCounts = new ConcurrentHashMap<>();

    Quotas(QuotaProperties properties, ObjectStore store, JsonMapper json, RepositoryCatalog catalog, BlobService blobs,
           ManifestService manifests, Clock clock) {
        this.declared = properties.declared();
        this.stored = new StoredRules<>(store, json, StorageLayout.QUOTA_RULES, Quota.class);
        this.store = store;
        this.catalog = catalog;
        this.blobs = blobs;
        this.manifests = manifests;
        this.clock = clock;
    }

    /** A quota with its usage as its ledger counts it. */
    public record QuotaUsage(Quota quota, long usedBytes, long blobs, Instant countedAt) {
    }

    /** Declared quotas first, then those of the admin API, each in the order it was added. */
    public List<Quota> list() throws IOException {
        List<Quota> all = new ArrayList<>(declared);
        all.addAll(stored.load());
        return all;
    }

    public Optional<Quota> find(String name) throws IOException {
        return list().stream().filter(quota -> quota.name().equals(name)).findFirst();
    }

    /** Every quota with its usage (counting, once, those not counted yet). */
    public List<QuotaUsage> usage() throws IOException {
        List<QuotaUsage> usage = new ArrayList<>();
        for (Quota quota : list()) {
            usage.add(usage(quota));
        }
        return usage;
    }

    public QuotaUsage usage(Quota quota) throws IOException {
        UsageLedger ledger = current(quota).orElse(null);
        if (ledger == null) {
            ledger = countOnce(quota);
        }
        return new QuotaUsage(quota, ledger.totalBytes(), ledger.blobs(), ledger.recountedAt());
    }

    /**
     * Creates or replaces the quota {@code name} and counts its usage at once (so a PUT of an unchanged quota is
     * also the way to have it counted again); true when it was created.
     */
    public boolean save(String name, String repositories, long limitBytes) throws IOException {
        Quota.Problem problem = Quota.check(name, repositories, limitBytes);
        if (problem != null) {
            throw new InvalidRuleException(problem.field(), problem.message());
        }
        refuseDeclared(name);
        Quota quota = new Quota(name, repositories, limitBytes, false);
        boolean[] created = {true};
        stored.update(quotas -> {
            created[0] = !quotas.removeIf(q -> q.name().equals(name));
            quotas.add(quota);
            return quotas;
        });
        recount(quota);
        return created[0];
    }

    /**
     * A limit as the admin API and the console take it: a size as configuration writes it ({@code 500MB},
     * {@code 10GB}: powers of 1024) or a number of bytes.
     *
     * @throws InvalidRuleException (field {@code limit}) when it is neither
     */
    public static long parseLimit(String limit) {
        try {
            if (limit != null && !limit.isBlank()) {
                return DataSize.parse(limit.trim()).toBytes();
            }
        } catch (IllegalArgumentException e) {
            // answered below
        }
        throw new InvalidRuleException("limit", "limit is a size such as 500MB or 10GB (powers of 1024), or a number of bytes");
    }

    /** False when there was no such quota. */
    public boolean delete(String name) throws IOException {
        refuseDeclared(name);
        boolean[] removed = {false};
        stored.update(quotas -> {
            removed[0] = quotas.removeIf(q -> q.name().equals(name));
            return removed[0] ? quotas : null;
        });
        if (removed[0]) {
            store.delete(StorageLayout.quotaUsage(name));
        }
        return removed[0];
    }

    @Override
    public void admit(RepositoryName repository, Map<Digest, Long> contents) throws IOException {
        for (Quota quota : list()) {
            if (Quota.Compiled.of(quota).covers(repository)) {
                admit(quota, repository, contents);
            }
        }
    }

    /**
     * Read, decide, write conditionally; a write lost to another push (of any replica) reads again and decides on
     * the figures that push left, so two pushes near the limit cannot both pass on the same reading.
     */
    private void admit(Quota quota, RepositoryName repository, Map<Digest, Long> contents) throws IOException {
        StorageKey key = StorageLayout.quotaUsage(quota.name());
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            Optional<ObjectStore.VersionedBytes> current = store.readVersioned(key, UsageLedger.MAX_BYTES);
            UsageLedger ledger = current.isEmpty() ? null : parseOrNull(current.get().content(), quota, true);
            if (ledger == null || !ledger.repositories().equals(quota.repositories())) {
                // the first push after the quota appeared or changed pays for its count, as does the first after
                // its ledger was found damaged (refusing every push until an administrator stepped in would not do);
                // pushes arriving during that count wait for it, then decide on the ledger it stored
                countOnce(quota);
                continue;
            }
            Map<Long, Long> added = new HashMap<>();
            for (Map.Entry<Digest, Long> blob : contents.entrySet()) {
                long fingerprint = UsageLedger.fingerprint(blob.getKey());
                if (!ledger.counts(fingerprint)) {
                    added.put(fingerprint, blob.getValue());
                }
            }
            if (added.isEmpty()) {
                return; // nothing new for this scope: a retag, a retry, a layer shared with another repository
            }
            long addedBytes = added.values().stream().mapToLong(Long::longValue).sum();
            if (ledger.totalBytes() + addedBytes > quota.limitBytes()) {
                throw exceeded(quota, repository, ledger.totalBytes(), addedBytes);
            }
            if (writeIfUnchanged(key, ledger.with(added, clock.instant()), current.get().version())) {
                return;
            }
        }
        throw new RetryLaterException(OciError.UNAVAILABLE, "too many pushes under quota '" + quota.name()
                + "' at the same moment; push again", Duration.ofSeconds(1));
    }

    /**
     * A count for a quota found without a ledger: the one this replica is already making for the same quota and
     * repositories, or a new one. Only where any fresh count will do: the counts after a collection and after a
     * PUT must start after what they are to see, so they always count anew ({@link #recount}).
     */
    private UsageLedger countOnce(Quota quota) throws IOException {
        String scope = quota.name() + "\n" + quota.repositories();
        CompletableFuture<UsageLedger> mine = new CompletableFuture<>();
        CompletableFuture<UsageLedger> running = firstCounts.putIfAbsent(scope, mine);
        if (running != null) {
            try {
                return running.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the count of quota " + quota.name(), e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException failure) {
                    throw failure;
                }
                throw new IOException("the count of quota " + quota.name() + " failed: " + e.getCause().getMessage(), e.getCause());
            }
        }
        try {
            // a count that ended between this caller's read and here left a ledger: no need for another
            // (not reported again if damaged: the read that sent the caller here already said so)
            UsageLedger counted = current(quota, false).orElse(null);
            if (counted == null) {
                counted = recount(quota);
            }
            mine.complete(counted);
            return counted;
        } catch (IOException | RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            firstCounts.remove(scope, mine);
        }
    }

    /**
     * Counts the quota's usage again from what its repositories hold, and stores the count (merged with what
     * pushes counted meanwhile; see {@link UsageLedger#recounted}).
     */
    UsageLedger recount(Quota quota) throws IOException {
        Instant startedAt = clock.instant();
        Map<Long, Long> walked = walk(Quota.Compiled.of(quota));
        StorageKey key = StorageLayout.quotaUsage(quota.name());
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            Optional<ObjectStore.VersionedBytes> current = store.readVersioned(key, UsageLedger.MAX_BYTES);
            // a damaged ledger is replaced here, not reported: the read that found it, and asked for this count, did
            UsageLedger previous = current.isEmpty() ? null : parseOrNull(current.get().content(), quota, false);
            UsageLedger counted = UsageLedger.recounted(quota.repositories(), startedAt, walked, previous,
                    startedAt.minus(PUSH_WINDOW));
            if (writeIfUnchanged(key, counted, current.map(ObjectStore.VersionedBytes::version).orElse(null))) {
                // a count walks every repository of the scope: worth a line, and a way to see a storm of them
                log.info("quota {}: counted {} bytes in {} blobs across {} in {} ms", quota.name(), counted.totalBytes(),
                        counted.blobs(), quota.repositories(), Duration.between(startedAt, clock.instant()).toMillis());
                return counted;
            }
        }
        throw new IOException("the usage ledger of quota " + quota.name() + " changed under " + MAX_ATTEMPTS
                + " attempts to store a count");
    }

    /** After every real collection (on the replica that ran it): deletes are only freed then, so count again. */
    @EventListener
    void collectionFinished(CollectionFinished event) {
        CollectionRun run = event.run();
        if (run.state() != CollectionRun.State.succeeded || run.dryRun()) {
            return;
        }
        try {
            for (Quota quota : list()) {
                recount(quota);
            }
        } catch (IOException | RuntimeException e) {
            // the ledgers stay as they were: counting too much until the next collection, never too little
            log.warn("could not count quota usage after collection {}: {}", run.id(), e.toString());
        }
    }

    /** Every distinct blob the repositories the quota covers reference through their manifests, with its size. */
    private Map<Long, Long> walk(Quota.Compiled quota) throws IOException {
        Map<Long, Long> counted = new HashMap<>();
        String last = null;
        Listing<String> page;
        do {
            page = catalog.list(last, CATALOG_PAGE);
            for (String name : page.items()) {
                if (quota.covers(name) && RepositoryName.isValid(name)) {
                    walkRepository(RepositoryName.parse(name), counted);
                }
            }
            last = page.items().isEmpty() ? last : page.items().getLast();
        } while (page.more() && !page.items().isEmpty());
        return counted;
    }

    /** Every revision the repository holds counts, tagged or not: it occupies storage until it is collected. */
    private void walkRepository(RepositoryName repository, Map<Long, Long> counted) throws IOException {
        StorageKey prefix = StorageLayout.manifestRevisions(repository);
        List<Digest> revisions = new ArrayList<>();
        store.forEach(prefix, item -> {
            Digest digest = PullTimes.digestOf(item.key().relativeTo(prefix));
            if (digest != null) {
                revisions.add(digest);
            }
        });
        for (Digest revision : revisions) {
            Optional<String> mediaType = blobs.revisionMediaType(repository, revision);
            if (mediaType.isEmpty()) {
                continue; // deleted while walking
            }
            Optional<ManifestService.References> references = manifests.references(revision, mediaType.get());
            if (references.isEmpty()) {
                continue; // its bytes are not stored: it occupies nothing
            }
            counted.putIfAbsent(UsageLedger.fingerprint(revision), references.get().sizeBytes());
            for (Descriptor blob : references.get().blobs()) {
                Digest digest = Digest.parse(blob.digest());
                long fingerprint = UsageLedger.fingerprint(digest);
                if (!counted.containsKey(fingerprint)) {
                    // the size as stored, as a push is counted; nothing when the blob is not stored
                    counted.put(fingerprint, blobs.stat(digest).map(BlobInfo::sizeBytes).orElse(0L));
                }
            }
        }
    }

    private Optional<UsageLedger> current(Quota quota) throws IOException {
        return current(quota, true);
    }

    private Optional<UsageLedger> current(Quota quota, boolean reportDamage) throws IOException {
        Optional<byte[]> bytes = store.readSmall(StorageLayout.quotaUsage(quota.name()), UsageLedger.MAX_BYTES);
        if (bytes.isEmpty()) {
            return Optional.empty();
        }
        return Optional.ofNullable(parseOrNull(bytes.get(), quota, reportDamage))
                .filter(l -> l.repositories().equals(quota.repositories()));
    }

    private static UsageLedger parseOrNull(byte[] content, Quota quota, boolean reportDamage) {
        try {
            return UsageLedger.parse(content);
        } catch (IOException e) {
            if (reportDamage) {
                log.warn("the usage ledger of quota {} is unreadable ({}); counting again", quota.name(), e.getMessage());
            }
            return null;
        }
    }

    private boolean writeIfUnchanged(StorageKey key, UsageLedger ledger, String version) throws IOException {
        byte[] content;
        try {
            content = ledger.encode();
        } catch (IllegalStateException e) {
            throw new RegistryException(OciError.DENIED, e.getMessage());
        }
        try {
            return store.writeSmallIfVersion(key, content, version);
        } catch (ConditionalWritesUnsupportedException conditionalWriteRefused) {
            // a store without conditional writes (registry.storage.s3.conditional-writes=false): the last of two
            // pushes counted at the same moment wins, and the other's blobs are counted again at the next count
            store.writeSmall(key, content);
            return true;
        }
    }

    private static QuotaExceededException exceeded(Quota quota, RepositoryName repository, long used, long added) {
        return new QuotaExceededException("storage quota '" + quota.name() + "' (repositories " + quota.repositories()
                + ") would be exceeded: its repositories already use " + Sizes.describe(used) + " of the limit of "
                + Sizes.describe(quota.limitBytes()) + ", and this push to " + repository + " would add " + Sizes.describe(added)
                + "; delete images under " + quota.repositories() + " and run a garbage collection, or ask an administrator "
                + "to raise the limit", quota.name(), used, quota.limitBytes(), added);
    }

    private void refuseDeclared(String name) {
        if (declared.stream().anyMatch(quota -> quota.name().equals(name))) {
            throw new RegistryException(OciError.DENIED, "quota " + name + " is declared in configuration (registry.quotas); "
                    + "change it there");
        }
    }
}
