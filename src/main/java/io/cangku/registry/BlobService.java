package io.cangku.registry;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.cangku.oci.Digest;
import io.cangku.oci.OciError;
import io.cangku.oci.RegistryException;
import io.cangku.oci.RepositoryName;
import io.cangku.storage.ObjectInfo;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.StorageKey;
import io.cangku.storage.StorageLayout;
import org.springframework.stereotype.Service;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Content-addressed blobs, stored once under {@code blobs/} and served through a repository only when the
 * repository links them. Linking records when the repository last vouched for the blob, which the garbage
 * collector's grace period relies on.
 */
@Service
public class BlobService {

    /**
     * A link younger than this is not rewritten when a client relies on it again (HEAD before push, a
     * manifest naming it): it is fresh enough for any garbage-collection grace period, and skipping the
     * write keeps a HEAD a read.
     */
    static final Duration LINK_REFRESH_AFTER = Duration.ofMinutes(10);

    private final ObjectStore store;
    private final RepositoryCatalog catalog;
    /**
     * Sizes of blobs by digest: content-addressed, so never wrong while the blob exists. A blob only
     * disappears through garbage collection after its grace period, and the short expiry bounds how long
     * a replica could believe in a collected blob.
     */
    private final Cache<Digest, BlobInfo> blobs = Caffeine.newBuilder()
            .maximumSize(100_000).expireAfterWrite(Duration.ofMinutes(5)).recordStats().build();

    public BlobService(ObjectStore store, RepositoryCatalog catalog) {
        this.store = store;
        this.catalog = catalog;
    }

    /** The blob if stored at all, whatever repository links it. */
    public Optional<BlobInfo> stat(Digest digest) throws IOException {
        BlobInfo cached = blobs.getIfPresent(digest);
        if (cached != null) {
            return Optional.of(cached);
        }
        Optional<ObjectInfo> info = store.stat(StorageLayout.blob(digest));
        info.ifPresent(i -> blobs.put(digest, new BlobInfo(digest, i.sizeBytes())));
        return info.map(i -> new BlobInfo(digest, i.sizeBytes()));
    }

    /**
     * The blob when {@code repository} may serve it: linked as a layer or config, or held as a manifest
     * (some clients fetch manifests through the blob endpoint). Refreshes an old link, since a client that
     * asks usually means to rely on the answer (a HEAD before skipping an upload).
     */
    public Optional<BlobInfo> statInRepository(RepositoryName repository, Digest digest) throws IOException {
        Optional<ObjectInfo> link = store.stat(StorageLayout.layerLink(repository, digest));
        if (link.isEmpty() && store.stat(StorageLayout.manifestRevision(repository, digest)).isEmpty()) {
            return Optional.empty();
        }
        Optional<BlobInfo> blob = stat(digest);
        if (blob.isPresent() && link.isPresent()) {
            refreshLinkIfOld(repository, digest, link.get());
        }
        return blob;
    }

    /** True when the repository links the blob and the blob exists; refreshes an old link. */
    public boolean isLinked(RepositoryName repository, Digest digest) throws IOException {
        Optional<ObjectInfo> link = store.stat(StorageLayout.layerLink(repository, digest));
        if (link.isEmpty() || stat(digest).isEmpty()) {
            return false;
        }
        refreshLinkIfOld(repository, digest, link.get());
        return true;
    }

    /** Links an existing blob into the repository (after an upload or a mount), recording the time. */
    public void link(RepositoryName repository, Digest digest) throws IOException {
        store.writeSmall(StorageLayout.layerLink(repository, digest), new byte[0]);
        catalog.register(repository);
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

    /** Opens a byte range of the blob; the caller closes the stream. */
    public InputStream open(Digest digest, long offset, long length) throws IOException {
        try {
            return store.read(StorageLayout.blob(digest), offset, length);
        } catch (io.cangku.storage.ObjectNotFoundException e) {
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

    /** Records a blob just published by an upload. */
    void remember(BlobInfo blob) {
        blobs.put(blob.digest(), blob);
    }

    /** Small blobs (manifests) read whole, bounded. */
    Optional<byte[]> readSmall(Digest digest, int maxBytes) throws IOException {
        return store.readSmall(StorageLayout.blob(digest), maxBytes);
    }

    private void refreshLinkIfOld(RepositoryName repository, Digest digest, ObjectInfo link) throws IOException {
        if (link.lastModified().isBefore(Instant.now().minus(LINK_REFRESH_AFTER))) {
            store.writeSmall(StorageLayout.layerLink(repository, digest), new byte[0]);
        }
    }
}
