package io.cangku.policy;

import io.cangku.gc.CollectionRun;
import io.cangku.gc.CollectionRuns;
import io.cangku.oci.Digest;
import io.cangku.oci.RegistryException;
import io.cangku.oci.RepositoryName;
import io.cangku.oci.Tag;
import io.cangku.registry.BlobService;
import io.cangku.registry.Listing;
import io.cangku.registry.ManifestService;
import io.cangku.registry.RepositoryCatalog;
import io.cangku.registry.TagService;
import io.cangku.storage.ObjectInfo;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.StorageKey;
import io.cangku.storage.StorageLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Evaluates the retention policies against every repository they cover and deletes (or, in a dry run, lists)
 * what none of them keeps. The rules, per repository:
 * <ol>
 *   <li>A tag goes when at least one covering policy has a tag rule, no rule of any covering policy keeps it,
 *       and no immutable-tag rule protects it ("keep if any rule keeps").</li>
 *   <li>A manifest goes with its tags: when a deleted tag reached it (directly, as a child of an index, or as a
 *       referrer of such a manifest) and no kept tag still does.</li>
 *   <li>A manifest no tag reached goes when a covering policy sets {@code untaggedOlderThan} and it was neither
 *       pushed nor pulled for that long (with several policies, the longest).</li>
 *   <li>Whatever a kept manifest reaches stays, whether a tag keeps it or it is untagged and young enough (an
 *       image deployed by digest keeps its platform manifests and its signatures).</li>
 * </ol>
 * Deletions go through {@link ManifestService}, tags first; each is skipped when the tag or revision changed
 * since it was evaluated (pushed again meanwhile). A storage error in a repository leaves it untouched and is
 * reported.
 * <p>Interleavings with the writes that may race a run:
 * <ul>
 *   <li>A push of a tag the plan deletes, before the run re-reads the tag: the re-read sees a new push time, the
 *       tag is kept. After the delete: a new tag, kept, and its manifest was re-linked by the push.</li>
 *   <li>A push of that tag between the re-read and the delete (one storage round trip): the one gap left open.
 *       The newly pushed tag is deleted; its manifest stays linked, so a re-push of the tag is cheap and the
 *       collector's grace period protects its blobs meanwhile. Closing the gap needs a conditional delete,
 *       which S3-compatible servers do not all offer, or a check on every tag push; a retention policy
 *       matching a tag that is being re-pushed every few milliseconds is not worth either.</li>
 *   <li>An index or referrer pushed during the run that names a planned manifest by digest (the push only checks
 *       that the child's revision exists): before deleting manifests the run lists the revisions again, and what
 *       any revision written since the plan reaches is kept. A push between that listing and a deletion is the
 *       same one-round-trip gap as for tags; the push answered 201 and its child is gone, which the collector
 *       does not repair (it keeps the blobs for the grace period, so pushing the child again restores it).</li>
 *   <li>A manifest pushed again (same digest) before its revision is re-stat'ed: a new revision time, kept.
 *       A tag pointed at it after that: {@link ManifestService#delete} deletes the revision first and
 *       {@code put} writes it back when its tag finds it missing, so no tag is left unresolvable.</li>
 *   <li>Two replicas running at once (runs are not leased across replicas): both plan the same deletions from
 *       the same state and deleting is idempotent, so the outcome is that of one run; each report counts only
 *       what its own run deleted.</li>
 * </ul> The space comes back with the next garbage collection, which a real run starts itself when
 * {@code registry.retention.collect-after-run} is on.
 */
@Service
public class RetentionRuns {

    private static final Logger log = LoggerFactory.getLogger(RetentionRuns.class);
    private static final int MAX_RUN_BYTES = 64 * 1024 * 1024;
    private static final int CATALOG_PAGE = 1000;

    private final RetentionPolicies policies;
    private final ImmutableTags immutableTags;
    private final PullTimes pullTimes;
    private final RepositoryCatalog catalog;
    private final TagService tags;
    private final BlobService blobs;
    private final ManifestService manifests;
    private final CollectionRuns collections;
    private final ObjectStore store;
    private final JsonMapper json;
    private final RetentionProperties properties;
    private final Clock clock;
    private final AtomicBoolean running = new AtomicBoolean();

    RetentionRuns(RetentionPolicies policies, ImmutableTags immutableTags, PullTimes pullTimes, RepositoryCatalog catalog,
                  TagService tags, BlobService blobs, ManifestService manifests, CollectionRuns collections,
                  ObjectStore store, JsonMapper json, RetentionProperties properties, Clock clock) {
        this.policies = policies;
        this.immutableTags = immutableTags;
        this.pullTimes = pullTimes;
        this.catalog = catalog;
        this.tags = tags;
        this.blobs = blobs;
        this.manifests = manifests;
        this.collections = collections;
        this.store = store;
        this.json = json;
        this.properties = properties;
        this.clock = clock;
    }

    /** Refused: a run is going on in this process. */
    public static final class AlreadyRunningException extends Exception {
        AlreadyRunningException() {
            super("a retention run is going on on this replica; wait for it to finish");
        }
    }

    /** Evaluates every policy and deletes what none keeps ({@code dryRun}: only reports it); returns the report. */
    public RetentionReport run(boolean dryRun, String requestedBy) throws IOException, AlreadyRunningException {
        if (!running.compareAndSet(false, true)) {
            throw new AlreadyRunningException();
        }
        try {
            return runExclusively(dryRun, requestedBy);
        } finally {
            running.set(false);
        }
    }

    private RetentionReport runExclusively(boolean dryRun, String requestedBy) throws IOException {
        Instant startedAt = clock.instant();
        String id = String.format("%015d-%s", startedAt.toEpochMilli(), UUID.randomUUID().toString().substring(0, 8));
        List<RetentionPolicy.Compiled> all = policies.list().stream().map(RetentionPolicy.Compiled::of).toList();
        List<ImmutableTagRule.Compiled> immutable = immutableTags.compiled();
        List<RetentionReport.RepositoryOutcome> outcomes = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        int evaluated = 0;
        int tagsDeleted = 0;
        int manifestsDeleted = 0;
        if (!all.isEmpty()) {
            String last = null;
            Listing<String> page;
            do {
                page = catalog.list(last, CATALOG_PAGE);
                for (String name : page.items()) {
                    last = name;
                    if (!RepositoryName.isValid(name)) {
                        // a damaged or foreign catalog entry: report it, as the collector does, and go on
                        errors.add("catalog entry " + name + " is not a valid repository name; left alone");
                        continue;
                    }
                    RepositoryName repository = RepositoryName.parse(name);
                    List<RetentionPolicy.Compiled> covering = all.stream().filter(p -> p.covers(repository)).toList();
                    if (covering.isEmpty()) {
                        continue;
                    }
                    evaluated++;
                    try {
                        Plan plan = plan(repository, covering, immutable, startedAt);
                        RetentionReport.RepositoryOutcome outcome = dryRun ? plan.outcome() : apply(plan, errors);
                        tagsDeleted += outcome.tags().size();
                        manifestsDeleted += outcome.manifests().size();
                        if (!outcome.tags().isEmpty() || !outcome.manifests().isEmpty()) {
                            outcomes.add(outcome);
                        }
                    } catch (IOException | RuntimeException e) {
                        log.warn("retention run {}: {} left untouched: {}", id, repository, e.toString());
                        errors.add(repository + ": left untouched, " + e.getMessage());
                    }
                }
            } while (page.more() && !page.items().isEmpty());
        }
        String collectionRunId = null;
        String collectionNote = null;
        if (!dryRun && tagsDeleted + manifestsDeleted > 0) {
            if (properties.collectAfterRun()) {
                try {
                    CollectionRun collection = collections.start(false, false, "retention " + id);
                    collectionRunId = collection.id();
                } catch (CollectionRuns.AlreadyRunningException e) {
                    collectionNote = e.getMessage() + "; the next collection frees the space";
                }
            } else {
                collectionNote = "registry.retention.collect-after-run is off; the next collection frees the space";
            }
        }
        RetentionReport report = new RetentionReport(id, dryRun, requestedBy, startedAt, clock.instant(), evaluated,
                tagsDeleted, manifestsDeleted, outcomes, errors, collectionRunId, collectionNote);
        record(report);
        log.info("retention run {} ({}) by {}: {} repositories evaluated, {} tags and {} manifests {}, {} errors", id,
                dryRun ? "dry run" : "real run", requestedBy, evaluated, tagsDeleted, manifestsDeleted,
                dryRun ? "would be deleted" : "deleted", errors.size());
        return report;
    }

    /** The newest reports first, at most {@code limit}. */
    public List<RetentionReport> recent(int limit) throws IOException {
        List<ObjectInfo> all = new ArrayList<>();
        store.forEach(StorageLayout.RETENTION_RUNS, all::add);
        Collections.reverse(all);
        List<RetentionReport> reports = new ArrayList<>();
        for (ObjectInfo item : all.subList(0, Math.min(limit, all.size()))) {
            find(item.key().name()).ifPresent(reports::add);
        }
        return reports;
    }

    public Optional<RetentionReport> find(String id) throws IOException {
        if (!id.matches("[0-9]{15}-[0-9a-f]{8}")) {
            return Optional.empty();
        }
        Optional<byte[]> bytes = store.readSmall(StorageLayout.retentionRun(id), MAX_RUN_BYTES);
        try {
            return bytes.map(b -> json.readValue(b, RetentionReport.class));
        } catch (JacksonException e) {
            return Optional.empty();
        }
    }

    // ------------------------------------------------------------------------------------------ evaluation

    private record Plan(RepositoryName repository, List<String> policyNames, int tagsKept,
                        List<TagService.TagState> tags, Map<Digest, Instant> lastPulled,
                        LinkedHashMap<Digest, String> manifests, Map<Digest, Instant> revisions, Set<Digest> strayPulls,
                        Graph graph) {

        RetentionReport.RepositoryOutcome outcome() {
            return new RetentionReport.RepositoryOutcome(repository.value(), policyNames, tagsKept,
                    tags.stream().map(this::removal).toList(),
                    manifests.entrySet().stream().map(e -> new RetentionReport.ManifestRemoval(e.getKey().toString(), e.getValue())).toList());
        }

        RetentionReport.TagRemoval removal(TagService.TagState tag) {
            return new RetentionReport.TagRemoval(tag.tag().value(), tag.digest().toString(), tag.pushedAt(), lastPulled.get(tag.digest()));
        }
    }

    private Plan plan(RepositoryName repository, List<RetentionPolicy.Compiled> covering,
                      List<ImmutableTagRule.Compiled> immutable, Instant now) throws IOException {
        // what the repository holds: tags with push times, revisions with their times, pull times
        List<TagService.TagState> all = new ArrayList<>();
        store.forEach(StorageLayout.tags(repository), item -> {
            Tag tag = Tag.parse(StorageLayout.decodeTagName(item.key().name()));
            tags.read(repository, tag).ifPresent(all::add);
        });
        Map<Digest, Instant> revisions = revisions(repository);
        Map<Digest, Instant> lastPulled = pullTimes.lastPulled(repository);

        // tags: kept when any rule of any covering policy keeps them, or an immutable-tag rule protects them
        List<RetentionPolicy.Compiled> tagPolicies = covering.stream().filter(p -> p.policy().managesTags()).toList();
        Set<Tag> kept = new HashSet<>();
        if (tagPolicies.isEmpty()) {
            all.forEach(t -> kept.add(t.tag()));
        } else {
            List<TagService.TagState> newestFirst = new ArrayList<>(all);
            newestFirst.sort(Comparator.comparing(TagService.TagState::pushedAt)
                    .thenComparing(t -> t.tag().value()).reversed());
            for (RetentionPolicy.Compiled compiled : tagPolicies) {
                RetentionPolicy policy = compiled.policy();
                if (policy.keepLast() != null) {
                    newestFirst.stream().limit(policy.keepLast()).forEach(t -> kept.add(t.tag()));
                }
                for (TagService.TagState tag : all) {
                    if (keeps(compiled, tag, lastPulled, now)) {
                        kept.add(tag.tag());
                    }
                }
            }
            for (TagService.TagState tag : all) {
                if (immutable.stream().anyMatch(rule -> rule.protects(repository, tag.tag()))) {
                    kept.add(tag.tag());
                }
            }
        }
        List<TagService.TagState> deletedTags = all.stream().filter(t -> !kept.contains(t.tag()))
                .sorted(Comparator.comparing(TagService.TagState::pushedAt)).toList();

        // manifests: what a kept tag or a kept untagged manifest reaches stays (index children, referrers of what
        // is reached); what only deleted tags reached goes, and so do untagged manifests past untaggedOlderThan
        Graph graph = graph(repository, revisions.keySet());
        Set<Digest> reached = reach(all.stream().map(TagService.TagState::digest).toList(), graph);
        Duration untaggedAfter = covering.stream().map(p -> p.policy().untaggedOlderThan()).filter(d -> d != null)
                .max(Comparator.naturalOrder()).orElse(null);
        Set<Digest> oldUntagged = new LinkedHashSet<>();
        Set<Digest> keptUntagged = new LinkedHashSet<>();
        for (Map.Entry<Digest, Instant> revision : revisions.entrySet()) {
            Digest digest = revision.getKey();
            if (reached.contains(digest)) {
                continue;
            }
            Instant lastUsed = revision.getValue();
            Instant pulled = lastPulled.get(digest);
            if (pulled != null && pulled.isAfter(lastUsed)) {
                lastUsed = pulled;
            }
            boolean old = untaggedAfter != null && lastUsed.isBefore(now.minus(untaggedAfter));
            (old ? oldUntagged : keptUntagged).add(digest);
        }
        // a kept untagged manifest (deployed by digest, pulled yesterday) keeps its children and its signatures
        List<Digest> keptRoots = new ArrayList<>(keptUntagged);
        all.stream().filter(t -> kept.contains(t.tag())).map(TagService.TagState::digest).forEach(keptRoots::add);
        Set<Digest> stillReached = reach(keptRoots, graph);
        List<Digest> candidates = new ArrayList<>(reached);
        candidates.addAll(oldUntagged);
        LinkedHashMap<Digest, String> deletedManifests = new LinkedHashMap<>();
        for (Digest digest : reach(candidates, graph)) { // parents first
            if (!stillReached.contains(digest) && revisions.containsKey(digest)) {
                deletedManifests.put(digest, reached.contains(digest) ? "tags deleted" : "untagged");
            }
        }
        Set<Digest> strayPulls = new HashSet<>(lastPulled.keySet());
        strayPulls.removeAll(revisions.keySet());
        return new Plan(repository, covering.stream().map(p -> p.policy().name()).toList(), all.size() - deletedTags.size(),
                deletedTags, lastPulled, deletedManifests, revisions, strayPulls, graph);
    }

    /** The repository's manifest revisions with their times. */
    private Map<Digest, Instant> revisions(RepositoryName repository) throws IOException {
        Map<Digest, Instant> revisions = new LinkedHashMap<>();
        StorageKey revisionsPrefix = StorageLayout.manifestRevisions(repository);
        store.forEach(revisionsPrefix, item -> {
            Digest digest = PullTimes.digestOf(item.key().relativeTo(revisionsPrefix));
            if (digest != null) {
                revisions.put(digest, item.lastModified());
            }
        });
        return revisions;
    }

    /** Which manifests name which: an index its children, a referrer its subject. */
    private record Graph(Map<Digest, List<Digest>> children, Map<Digest, List<Digest>> referrersOf) {

        Graph with(Graph more) {
            Map<Digest, List<Digest>> allChildren = new HashMap<>(children);
            allChildren.putAll(more.children);
            Map<Digest, List<Digest>> allReferrers = new HashMap<>();
            referrersOf.forEach((subject, referrers) -> allReferrers.put(subject, new ArrayList<>(referrers)));
            more.referrersOf.forEach((subject, referrers) ->
                    allReferrers.computeIfAbsent(subject, s -> new ArrayList<>()).addAll(referrers));
            return new Graph(allChildren, allReferrers);
        }
    }

    private Graph graph(RepositoryName repository, Collection<Digest> digests) throws IOException {
        Map<Digest, List<Digest>> children = new HashMap<>();
        Map<Digest, List<Digest>> referrersOf = new HashMap<>();
        for (Digest digest : digests) {
            String mediaType = blobs.revisionMediaType(repository, digest).orElse(null);
            if (mediaType == null) {
                continue; // deleted while listing
            }
            Optional<ManifestService.References> refs = manifests.references(digest, mediaType);
            if (refs.isPresent()) {
                children.put(digest, refs.get().children());
                refs.get().subject().ifPresent(subject -> referrersOf.computeIfAbsent(subject, s -> new ArrayList<>()).add(digest));
            }
        }
        return new Graph(children, referrersOf);
    }

    private static boolean keeps(RetentionPolicy.Compiled compiled, TagService.TagState tag, Map<Digest, Instant> lastPulled,
                                 Instant now) {
        RetentionPolicy policy = compiled.policy();
        if (compiled.keepTags() != null && compiled.keepTags().matches(tag.tag().value())) {
            return true;
        }
        if (policy.keepPushedWithin() != null && !tag.pushedAt().isBefore(now.minus(policy.keepPushedWithin()))) {
            return true;
        }
        Instant pulled = lastPulled.get(tag.digest());
        return policy.keepPulledWithin() != null && pulled != null && !pulled.isBefore(now.minus(policy.keepPulledWithin()));
    }

    /** Manifests reached from {@code roots}: index children, and referrers of what is reached; parents first. */
    private static Set<Digest> reach(Collection<Digest> roots, Graph graph) {
        Set<Digest> reached = new LinkedHashSet<>();
        Deque<Digest> pending = new ArrayDeque<>(roots);
        while (!pending.isEmpty()) {
            Digest digest = pending.removeFirst();
            if (reached.add(digest)) {
                pending.addAll(graph.children().getOrDefault(digest, List.of()));
                pending.addAll(graph.referrersOf().getOrDefault(digest, List.of()));
            }
        }
        return reached;
    }

    // ------------------------------------------------------------------------------------------ deletion

    private RetentionReport.RepositoryOutcome apply(Plan plan, List<String> errors) throws IOException {
        RepositoryName repository = plan.repository();
        List<TagService.TagState> deletedTags = new ArrayList<>();
        for (TagService.TagState tag : plan.tags()) {
            Optional<TagService.TagState> now = tags.read(repository, tag.tag());
            if (now.isEmpty() || !now.get().equals(tag)) {
                continue; // deleted or pushed again since it was evaluated
            }
            try {
                if (manifests.delete(repository, tag.tag())) {
                    deletedTags.add(tag);
                }
            } catch (RegistryException e) {
                errors.add(repository + ":" + tag.tag() + " kept: " + e.getMessage());
            }
        }
        // an index or referrer pushed since the plan names manifests by digest without rewriting their revisions:
        // what the manifests written since then reach stays
        Map<Digest, Instant> current = revisions(repository);
        List<Digest> pushedSince = current.entrySet().stream()
                .filter(e -> !e.getValue().equals(plan.revisions().get(e.getKey()))).map(Map.Entry::getKey).toList();
        Set<Digest> reachedFromNew = pushedSince.isEmpty() ? Set.of()
                : reach(pushedSince, plan.graph().with(graph(repository, pushedSince)));
        LinkedHashMap<Digest, String> deletedManifests = new LinkedHashMap<>();
        for (Map.Entry<Digest, String> manifest : plan.manifests().entrySet()) {
            Digest digest = manifest.getKey();
            if (reachedFromNew.contains(digest)) {
                continue; // named by a manifest pushed during the run
            }
            Optional<ObjectInfo> revision = store.stat(StorageLayout.manifestRevision(repository, digest));
            if (revision.isEmpty() || !revision.get().lastModified().equals(plan.revisions().get(digest))) {
                continue; // deleted or pushed again since it was evaluated
            }
            try {
                if (manifests.delete(repository, digest)) {
                    deletedManifests.put(digest, manifest.getValue());
                    pullTimes.forget(repository, digest);
                }
            } catch (RegistryException e) {
                errors.add(repository + "@" + digest + " kept: " + e.getMessage());
            }
        }
        for (Digest stray : plan.strayPulls()) {
            pullTimes.forget(repository, stray); // pull markers of manifests deleted since by anyone
        }
        Plan done = new Plan(repository, plan.policyNames(), plan.tagsKept() + plan.tags().size() - deletedTags.size(),
                deletedTags, plan.lastPulled(), deletedManifests, plan.revisions(), Set.of(), plan.graph());
        return done.outcome();
    }

    private void record(RetentionReport report) {
        try {
            store.writeSmall(StorageLayout.retentionRun(report.id()), json.writeValueAsBytes(report));
            List<ObjectInfo> all = new ArrayList<>();
            store.forEach(StorageLayout.RETENTION_RUNS, all::add);
            int excess = all.size() - properties.keepRuns();
            if (excess > 0) {
                store.deleteBatch(all.subList(0, excess).stream().map(ObjectInfo::key).toList());
            }
        } catch (IOException | RuntimeException e) {
            log.warn("could not record retention run {}: {}", report.id(), e.toString());
        }
    }
}
