package io.cangku.registry;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.cangku.oci.Descriptor;
import io.cangku.oci.Digest;
import io.cangku.oci.OciError;
import io.cangku.oci.Reference;
import io.cangku.oci.RegistryException;
import io.cangku.oci.RepositoryName;
import io.cangku.oci.Tag;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.StorageKey;
import io.cangku.storage.StorageLayout;
import org.springframework.stereotype.Service;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * Manifests: validated, stored byte for byte in the blob store, linked into the repository as a revision,
 * optionally tagged, and indexed as a referrer of their subject.
 */
@Service
public class ManifestService {

    private static final int MAX_LINK_BYTES = 1024;

    private final ObjectStore store;
    private final BlobService blobs;
    private final TagService tags;
    private final ReferrersService referrers;
    private final RepositoryCatalog catalog;
    private final JsonMapper json;
    private final int maxManifestBytes;
    /** Manifest bytes by digest: content-addressed, so they cannot change. */
    private final Cache<Digest, byte[]> manifestBytes;

    public ManifestService(ObjectStore store, BlobService blobs, TagService tags, ReferrersService referrers,
                           RepositoryCatalog catalog, JsonMapper json, RegistryProperties properties) {
        this.store = store;
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
        requireReferencesPresent(repository, manifest);

        // Order matters for a crash at any point: bytes, then revision link, then referrer entry, then tag.
        // A half-finished push leaves at worst an unreferenced blob or an untagged revision.
        if (blobs.stat(digest).isEmpty()) {
            store.writeSmall(StorageLayout.blob(digest), body);
        }
        manifestBytes.put(digest, body);
        store.writeSmall(StorageLayout.manifestRevision(repository, digest), manifest.mediaType().getBytes(StandardCharsets.UTF_8));
        catalog.register(repository);
        Optional<Digest> subject = Optional.ofNullable(manifest.subject()).map(s -> Digest.parse(s.digest()));
        if (subject.isPresent()) {
            referrers.add(repository, subject.get(), new Descriptor(manifest.mediaType(), digest.toString(), body.length,
                    manifest.effectiveArtifactType(), manifest.annotations()));
        }
        if (reference instanceof Tag tag) {
            tags.tag(repository, tag, digest);
        }
        return new PutResult(digest, subject);
    }

    /** The manifest a tag or digest names in the repository. */
    public Optional<Manifest> get(RepositoryName repository, Reference reference) throws IOException {
        Optional<Digest> digest = resolve(repository, reference);
        if (digest.isEmpty()) {
            return Optional.empty();
        }
        Optional<String> mediaType = revisionMediaType(repository, digest.get());
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
            case Tag tag -> tags.untag(repository, tag);
            case Digest digest -> deleteRevision(repository, digest);
        };
    }

    private boolean deleteRevision(RepositoryName repository, Digest digest) throws IOException {
        StorageKey revision = StorageLayout.manifestRevision(repository, digest);
        if (store.stat(revision).isEmpty()) {
            return false;
        }
        for (Tag tag : tags.tagsPointingAt(repository, digest)) {
            tags.untag(repository, tag);
        }
        Optional<byte[]> bytes = readBytes(digest);
        if (bytes.isPresent()) {
            ParsedManifest manifest = parseStored(bytes.get(), revisionMediaType(repository, digest).orElse(null));
            if (manifest != null && manifest.subject() != null) {
                referrers.remove(repository, Digest.parse(manifest.subject().digest()), digest);
            }
        }
        store.delete(revision);
        return true;
    }

    private Optional<Digest> resolve(RepositoryName repository, Reference reference) throws IOException {
        return switch (reference) {
            case Digest digest -> Optional.of(digest);
            case Tag tag -> tags.resolve(repository, tag);
        };
    }

    private Optional<String> revisionMediaType(RepositoryName repository, Digest digest) throws IOException {
        return store.readSmall(StorageLayout.manifestRevision(repository, digest), MAX_LINK_BYTES)
                .map(b -> new String(b, StandardCharsets.UTF_8));
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

    private void requireReferencesPresent(RepositoryName repository, ParsedManifest manifest) throws IOException {
        if (manifest.config() != null) {
            requireBlob(repository, manifest.config(), "config");
        }
        for (int i = 0; i < manifest.layers().size(); i++) {
            Descriptor layer = manifest.layers().get(i);
            requireBlob(repository, layer, "layer " + i);
        }
        for (Descriptor child : manifest.manifests()) {
            Digest digest = Digest.parse(child.digest());
            if (store.stat(StorageLayout.manifestRevision(repository, digest)).isEmpty()) {
                // distribution-spec v1.1, push: a manifest refused for a missing reference, a manifest or a blob,
                // MUST result in MANIFEST_BLOB_UNKNOWN
                throw new RegistryException(OciError.MANIFEST_BLOB_UNKNOWN,
                        "the index references manifest " + digest + ", which is not in " + repository + "; push it first",
                        Map.of("digest", digest.toString()));
            }
        }
    }

    private void requireBlob(RepositoryName repository, Descriptor descriptor, String role) throws IOException {
        Digest digest = Digest.parse(descriptor.digest());
        if (!blobs.isLinked(repository, digest)) {
            throw new RegistryException(OciError.MANIFEST_BLOB_UNKNOWN,
                    role + " blob " + digest + " is not in " + repository + "; push it before the manifest",
                    Map.of("digest", digest.toString()));
        }
    }

    /** The exception to raise when a manifest body exceeds {@link #maxManifestBytes()}. */
    public RegistryException manifestTooLarge() {
        return new RegistryException(OciError.MANIFEST_INVALID,
                "the manifest is larger than the registry's limit of " + maxManifestBytes + " bytes", null, 413, Map.of());
    }
}
