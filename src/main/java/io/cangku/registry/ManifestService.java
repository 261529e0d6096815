package io.cangku.registry;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.cangku.oci.Descriptor;
import io.cangku.oci.Digest;
import io.cangku.oci.OciError;
import io.cangku.oci.PayloadTooLargeException;
import io.cangku.oci.Reference;
import io.cangku.oci.RegistryException;
import io.cangku.oci.StateConflictException;
import io.cangku.oci.RepositoryName;
import io.cangku.oci.Tag;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Service;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Manifests: validated, stored byte for byte in the blob store, linked into the repository as a revision,
 * optionally tagged, and indexed as a referrer of their subject.
 */
@Service
public class ManifestService {

    private final Clock clock;
    private final BlobService blobs;
    private final TagService tags;
    private final ReferrersService referrers;
    private final RepositoryCatalog catalog;
    private final JsonMapper json;
    private final ObjectProvider<TagProtection> protection;
    private final ObjectProvider<PushAdmission> admission;
    private final ObjectProvider<RegistryEvents> events;
    private final int maxManifestBytes;
    /** Manifest bytes by digest: content-addressed, so they cannot change. */
    private final Cache<Digest, byte[]> manifestBytes;

    public ManifestService(BlobService blobs, TagService tags, ReferrersService referrers,
                           RepositoryCatalog catalog, JsonMapper json, RegistryProperties properties, Clock clock,
                           ObjectProvider<TagProtection> protection, ObjectProvider<PushAdmission> admission,
                           ObjectProvider<RegistryEvents> events) {
        this.clock = clock;
        this.events = events;
        this.protection = protection;
        this.admission = admission;
        this.blobs = blobs;
        this.tags = tags;
        this.referrers = referrers;
        this.catalog = catalog;
        this.json = json;
        this.maxManifestBytes = (int) Math.min(Integer.MAX_VALUE - 16, properties.manifests().maxSize().toBytes());
        this.manifestBytes = Caffeine.newBuilder()
                .maximumWeight(64L * 1024 * 1024)
                .<Digest, byte[]>weigher((digest, bytes) -> bytes.length).recordStats()
                .build();
    }

    public int maxManifestBytes() {
        return maxManifestBytes;
    }

    /** The outcome of a push: the manifest's digest and, when it has one, its subject. */
    public record PutResult(Digest digest, Optional<Digest> subject) {
    }

    /**
     * Stores a manifest under a tag or digest reference. Everything it references must already be in the
     * repository, except its subject, which may arrive later.
     *
     * <p>Order matters, for a crash at any point and for a garbage collection running meanwhile (see the gc
     * package): rely on every reference (refreshing its link and use marker), store the bytes, write the
     * revision and the referrer entry, verify that no reference was collected in between, and only then move
     * the tag and acknowledge. A half-finished push leaves at worst an unreferenced blob or an untagged
     * revision; a reference collected in between is refused with MANIFEST_BLOB_UNKNOWN, and the client pushes
     * it again.
     */
    public PutResult put(RepositoryName repository, Reference reference, String contentType, byte[] body) throws IOException {
        if (body.length > maxManifestBytes) {
            throw manifestTooLarge();
        }
        Digest digest = switch (reference) {
            case Digest expected -> {
                Digest actual = Digest.of(expected.algorithm(), body);
                if (!actual.equals(expected)) {
                    throw new RegistryException(OciError.DIGEST_INVALID,
                            "the manifest's digest is " + actual + " but the URL names " + expected,
                            Map.of("expected", expected.toString(), "actual", actual.toString()));
                }
                yield expected;
            }
            case Tag tag -> Digest.sha256Of(body);
        };
        ParsedManifest manifest = ParsedManifest.parse(json, body, contentType);
        // An immutable tag that exists is refused before anything is stored: it may only be pushed again as is.
        Optional<String> protectedBy = Optional.empty();
        Optional<Digest> current = Optional.empty();
        if (reference instanceof Tag tag) {
            protectedBy = protection().ruleProtecting(repository, tag);
            if (protectedBy.isPresent()) {
                current = tags.resolve(repository, tag);
                if (current.isPresent() && !current.get().equals(digest)) {
                    throw immutable(repository, tag, protectedBy.get(), "moved from " + current.get() + " to " + digest);
                }
            }
        }
        Optional<Digest> subject = Optional.ofNullable(manifest.subject()).map(s -> Digest.parse(s.digest()));
        Duration budget = blobs.reliance().writeBudget();
        for (int attempt = 1; ; attempt++) {
            Instant reliedAt = clock.instant();
            relyOnReferences(repository, manifest);
            if (attempt == 1) {
                // after the references were found in storage (a manifest naming a missing blob is refused for that,
                // not counted), before anything of the manifest is written; a retry adds nothing (admission dedups)
                admission.getIfAvailable(() -> PushAdmission.NONE).admit(repository, contents(digest, body.length, manifest));
            }
            blobs.storeManifestBytes(digest, body);
            manifestBytes.put(digest, body);
            blobs.writeRevision(repository, digest, manifest.mediaType());
            catalog.register(repository);
            if (subject.isPresent()) {
                referrers.add(repository, subject.get(), new Descriptor(manifest.mediaType(), digest.toString(), body.length,
                        manifest.effectiveArtifactType(), manifest.annotations()));
            }
            verifyReferences(repository, manifest, digest);
            // Marks older than the budget might already look stale to a collection that started meanwhile:
            // rely on everything again rather than tag what such a run may be about to take.
            if (Duration.between(reliedAt, clock.instant()).compareTo(budget) <= 0) {
                break;
            }
            if (attempt == 3) {
                throw new RegistryException(OciError.UNAVAILABLE, "storage is too slow to push the manifest safely "
                        + "within the garbage collector's grace period; try again");
            }
        }
        if (reference instanceof Tag tag) {
            // A protected tag is only ever created (conditionally); pushed again with its own digest it is left as
            // it is, first push time included, so a CI retry succeeds without moving anything.
            if (protectedBy.isEmpty()) {
                tags.tag(repository, tag, digest);
            } else if (current.isEmpty() && !tags.createTag(repository, tag, digest)) {
                // another push created the protected tag meanwhile: only the same digest is that push's twin
                Optional<Digest> winner = tags.resolve(repository, tag);
                if (winner.isPresent() && !winner.get().equals(digest)) {
                    throw immutable(repository, tag, protectedBy.get(), "moved from " + winner.get() + " to " + digest);
                }
            }
            // A DELETE of this digest that ran between the revision write and the tag write removed the
            // revision, and its tag sweep came too early to see this tag: write the revision back, so the
            // acknowledged tag resolves (the PUT is the later of the two).
            if (!blobs.hasRevision(repository, digest)) {
                blobs.writeRevision(repository, digest, manifest.mediaType());
            }
        }
        events().manifestPushed(repository, digest, manifest.mediaType(), body.length,
                reference instanceof Tag tag ? Optional.of(tag) : Optional.empty());
        return new PutResult(digest, subject);
    }

    /**
     * What a stored manifest references, for the garbage collector: the blobs it names (config and layers,
     * with sizes), the manifests it names (an index's children), and its subject. {@code exact} is false when
     * the bytes no longer pass today's validation (stored under an older rule): then every digest found
     * anywhere in the JSON counts as both a blob and a child, so nothing it might need is collected.
     */
    public record References(Digest digest, long sizeBytes, List<Descriptor> blobs, List<Digest> children,
                             Optional<Digest> subject, boolean exact) {
    }

    /**
     * Reads and parses a stored manifest. Empty when its bytes are not stored; storage failures are thrown,
     * never taken for absence, so that the collector keeps what it cannot read.
     */
    public Optional<References> references(Digest digest, String mediaType) throws IOException {
        Optional<byte[]> bytes = readBytes(digest);
        if (bytes.isEmpty()) {
            return Optional.empty();
        }
        byte[] body = bytes.get();
        ParsedManifest manifest = parseStored(body, mediaType);
        if (manifest == null) {
            List<Descriptor> found = new ArrayList<>();
            try {
                collectDigests(json.readTree(body), found);
            } catch (tools.jackson.core.JacksonException e) {
                throw new IOException("stored manifest " + digest + " is not JSON: " + e.getOriginalMessage(), e);
            }
            return Optional.of(new References(digest, body.length, found,
                    found.stream().map(d -> Digest.parse(d.digest())).toList(), Optional.empty(), false));
        }
        List<Descriptor> blobRefs = new ArrayList<>(manifest.layers().size() + 1);
        if (manifest.config() != null) {
            blobRefs.add(manifest.config());
        }
        blobRefs.addAll(manifest.layers());
        List<Digest> children = manifest.manifests().stream().map(d -> Digest.parse(d.digest())).toList();
        return Optional.of(new References(digest, body.length, blobRefs, children,
                Optional.ofNullable(manifest.subject()).map(d -> Digest.parse(d.digest())), true));
    }

    private static void collectDigests(tools.jackson.databind.JsonNode node, List<Descriptor> found) {
        if (node == null) {
            return;
        }
        if (node.isObject()) {
            tools.jackson.databind.JsonNode digest = node.get("digest");
            if (digest != null && digest.isString()) {
                try {
                    Digest parsed = Digest.parse(digest.asString());
                    long size = node.has("size") && node.get("size").canConvertToLong() ? node.get("size").asLong() : 0;
                    found.add(new Descriptor(null, parsed.toString(), size, null, null));
                } catch (RuntimeException e) {
                    // not a digest: nothing to keep for it
                }
            }
        }
        for (tools.jackson.databind.JsonNode child : node) {
            collectDigests(child, found);
        }
    }

    /** The manifest a tag or digest names in the repository. */
    public Optional<Manifest> get(RepositoryName repository, Reference reference) throws IOException {
        Optional<Digest> digest = resolve(repository, reference);
        if (digest.isEmpty()) {
            return Optional.empty();
        }
        Optional<String> mediaType = blobs.revisionMediaType(repository, digest.get());
        if (mediaType.isEmpty()) {
            return Optional.empty();
        }
        Optional<byte[]> bytes = readBytes(digest.get());
        return bytes.map(b -> new Manifest(digest.get(), mediaType.get(), b));
    }

    /**
     * Deletes by digest (the manifest leaves the repository with every tag that points at it, and its
     * referrer entry) or by tag (only the tag goes). Returns false when there was nothing to delete.
     */
    public boolean delete(RepositoryName repository, Reference reference) throws IOException {
        return switch (reference) {
            case Tag tag -> {
                Optional<String> rule = protection().ruleProtecting(repository, tag);
                if (rule.isPresent() && tags.resolve(repository, tag).isPresent()) {
                    throw immutable(repository, tag, rule.get(), "deleted");
                }
                boolean untagged = tags.untag(repository, tag);
                if (untagged) {
                    events().tagDeleted(repository, tag);
                }
                yield untagged;
            }
            case Digest digest -> {
                // deleting a manifest deletes its tags: refused while one of them is immutable
                if (protection().protectsAnyTagOf(repository) && blobs.hasRevision(repository, digest)) {
                    for (Tag tag : tags.tagsPointingAt(repository, digest)) {
                        Optional<String> rule = protection().ruleProtecting(repository, tag);
                        if (rule.isPresent()) {
                            throw immutable(repository, tag, rule.get(), "deleted (with manifest " + digest + ")");
                        }
                    }
                }
                boolean deleted = deleteRevision(repository, digest);
                if (deleted) {
                    events().manifestDeleted(repository, digest);
                }
                yield deleted;
            }
        };
    }

    private RegistryEvents events() {
        return events.getIfAvailable(() -> RegistryEvents.NONE);
    }

    private TagProtection protection() {
        return protection.getIfAvailable(() -> TagProtection.NONE);
    }

    /**
     * 409 with the spec's DENIED: the request is understood and allowed, but the tag's state forbids it (as
     * Harbor answers for its immutable tags). The message is what skopeo and docker print.
     */
    static RegistryException immutable(RepositoryName repository, Tag tag, String rule, String what) {
        return new StateConflictException(OciError.DENIED, "tag " + tag + " of " + repository + " is immutable (" + rule
                + ") and cannot be " + what + "; push a new tag instead",
                Map.of("repository", repository.value(), "tag", tag.value(), "rule", rule));
    }

    /**
     * The revision goes first, then every tag that points at it: a tag written by a concurrent PUT after the
     * tag sweep finds the revision missing and writes it back (see {@link #put}), so no tag is ever left
     * listed but unresolvable.
     *
     * <p>An immutable tag the sweep finds was created by a PUT that ran between the caller's check and the
     * revision delete, and whose own check found the revision still there. Removing that tag would delete an
     * immutable tag that was acknowledged, an outcome neither order of the two requests allows. So the
     * revision (and its referrer entry) is written back and this DELETE is refused, as if it had come after
     * the PUT, before any tag is removed. A GET of that tag in the moment between the two writes answers 404.
     * A collection meanwhile keeps the manifest's blobs by the use markers that PUT wrote, as it does when the
     * PUT writes the revision back itself.
     */
    private boolean deleteRevision(RepositoryName repository, Digest digest) throws IOException {
        Optional<String> mediaType = blobs.revisionMediaType(repository, digest);
        if (mediaType.isEmpty()) {
            return false;
        }
        Optional<byte[]> bytes = readBytes(digest);
        ParsedManifest manifest = bytes.map(b -> parseStored(b, mediaType.get())).orElse(null);
        Optional<Digest> subject = Optional.ofNullable(manifest).map(ParsedManifest::subject).map(s -> Digest.parse(s.digest()));
        blobs.deleteRevision(repository, digest);
        if (subject.isPresent()) {
            referrers.remove(repository, subject.get(), digest);
        }
        List<Tag> pointing = tags.tagsPointingAt(repository, digest);
        if (protection().protectsAnyTagOf(repository)) {
            for (Tag tag : pointing) {
                Optional<String> rule = protection().ruleProtecting(repository, tag);
                if (rule.isPresent()) {
                    blobs.writeRevision(repository, digest, mediaType.get());
                    if (subject.isPresent()) {
                        referrers.add(repository, subject.get(), new Descriptor(manifest.mediaType(), digest.toString(),
                                bytes.get().length, manifest.effectiveArtifactType(), manifest.annotations()));
                    }
                    throw immutable(repository, tag, rule.get(), "deleted (with manifest " + digest + ")");
                }
            }
        }
        for (Tag tag : pointing) {
            tags.untag(repository, tag);
        }
        return true;
    }

    private Optional<Digest> resolve(RepositoryName repository, Reference reference) throws IOException {
        return switch (reference) {
            case Digest digest -> Optional.of(digest);
            case Tag tag -> tags.resolve(repository, tag);
        };
    }

    private Optional<byte[]> readBytes(Digest digest) throws IOException {
        byte[] cached = manifestBytes.getIfPresent(digest);
        if (cached != null) {
            return Optional.of(cached);
        }
        Optional<byte[]> bytes = blobs.readSmall(digest, maxManifestBytes);
        bytes.ifPresent(b -> manifestBytes.put(digest, b));
        return bytes;
    }

    private ParsedManifest parseStored(byte[] bytes, String mediaType) {
        try {
            return ParsedManifest.parse(json, bytes, mediaType);
        } catch (RegistryException e) {
            return null; // stored before a stricter rule; it has no subject we could find
        }
    }

    private void relyOnReferences(RepositoryName repository, ParsedManifest manifest) throws IOException {
        if (manifest.config() != null) {
            blobs.relyOnLayer(repository, Digest.parse(manifest.config().digest()), "config");
        }
        for (int i = 0; i < manifest.layers().size(); i++) {
            blobs.relyOnLayer(repository, Digest.parse(manifest.layers().get(i).digest()), "layer " + i);
        }
        for (Descriptor child : manifest.manifests()) {
            blobs.relyOnChild(repository, Digest.parse(child.digest()));
        }
    }

    /** The manifest's own bytes, config and layers, sized as stored (a manifest's claimed sizes are not trusted). */
    private Map<Digest, Long> contents(Digest digest, long manifestBytes, ParsedManifest manifest) throws IOException {
        Map<Digest, Long> contents = new java.util.LinkedHashMap<>();
        contents.put(digest, manifestBytes);
        List<Descriptor> blobRefs = new ArrayList<>(manifest.layers());
        if (manifest.config() != null) {
            blobRefs.add(manifest.config());
        }
        for (Descriptor blob : blobRefs) {
            Digest blobDigest = Digest.parse(blob.digest());
            if (!contents.containsKey(blobDigest)) {
                contents.put(blobDigest, blobs.stat(blobDigest).map(BlobInfo::sizeBytes).orElse(blob.size()));
            }
        }
        return contents;
    }

    private void verifyReferences(RepositoryName repository, ParsedManifest manifest, Digest digest) throws IOException {
        // read once, before any reference is checked again (the order the gc protocol's w2 needs)
        Set<Digest> beingDeleted = blobs.digestsBeingDeleted();
        blobs.verifyManifestBytes(digest, beingDeleted);
        if (manifest.config() != null) {
            blobs.verifyLayer(repository, Digest.parse(manifest.config().digest()), "config", beingDeleted);
        }
        for (int i = 0; i < manifest.layers().size(); i++) {
            blobs.verifyLayer(repository, Digest.parse(manifest.layers().get(i).digest()), "layer " + i, beingDeleted);
        }
        for (Descriptor child : manifest.manifests()) {
            blobs.verifyChild(repository, Digest.parse(child.digest()), beingDeleted);
        }
    }

    /** The exception to raise when a manifest body exceeds {@link #maxManifestBytes()}. */
    public RegistryException manifestTooLarge() {
        return new PayloadTooLargeException(OciError.MANIFEST_INVALID,
                "the manifest is larger than the registry's limit of " + maxManifestBytes + " bytes", maxManifestBytes);
    }
}
