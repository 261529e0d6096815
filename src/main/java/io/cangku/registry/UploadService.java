package io.cangku.registry;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.cangku.oci.Digest;
import io.cangku.oci.OciError;
import io.cangku.oci.RegistryException;
import io.cangku.oci.RepositoryName;
import io.cangku.oci.UploadRangeException;
import io.cangku.storage.AppendInProgressException;
import io.cangku.storage.AppendOffsetMismatchException;
import io.cangku.storage.ObjectInfo;
import io.cangku.storage.ObjectNotFoundException;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.StorageKey;
import io.cangku.storage.StorageLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Blob upload sessions. A session's bytes and state live in storage ({@code _uploads/<id>/}), so a PATCH or
 * the final PUT may reach any replica. Bytes are hashed while they flow; the blob is published at its
 * content address only after its digest matched, in one atomic move.
 */
@Service
public class UploadService {

    private static final Logger log = LoggerFactory.getLogger(UploadService.class);
    private static final Pattern UPLOAD_ID = Pattern.compile("[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}");
    private static final int MAX_INFO_BYTES = 4096;

    private final ObjectStore store;
    private final BlobService blobs;
    private final JsonMapper json;
    private final RegistryProperties properties;
    private final UploadQuota quota;
    /**
     * The SHA-256 state of each session after its last chunk, keyed by session and offset: the bytes
     * before an offset never change, so an entry is never wrong, only possibly absent (another replica took
     * the chunk, or this one restarted). Then the final PUT hashes the stored bytes instead.
     */
    private final Cache<String, HashState> hashStates = Caffeine.newBuilder()
            .maximumSize(10_000).expireAfterAccess(Duration.ofHours(1)).recordStats().build();
    /**
     * Each session's info as this replica wrote or last read it, so that a PATCH does not read it again: it
     * cost half a millisecond of each chunk's time (bench/README.md, "Where a chunk's time goes"). Info never
     * changes once written. A session another replica ended (or this one, racing a read that put it back) may
     * still be found here; every use of it but a cancel then reads the session's data, which ending a session
     * deletes first, and answers BLOB_UPLOAD_UNKNOWN from that. A cancel reads the info from storage. A crash
     * that loses the info (an ephemeral write) is a crash of the machine: the process starting after it has
     * nothing here. (Were it a storage server's alone, this replica could go on with the session; its bytes
     * are still checked against the digest before anything is published.)
     */
    private final Cache<String, UploadInfo> infos = Caffeine.newBuilder()
            .maximumSize(10_000).expireAfterAccess(Duration.ofHours(1)).recordStats().build();

    public UploadService(ObjectStore store, BlobService blobs, JsonMapper json, RegistryProperties properties) {
        this.store = store;
        this.blobs = blobs;
        this.json = json;
        this.properties = properties;
        this.quota = new UploadQuota(store, properties.uploads(), java.time.Clock.systemUTC());
    }

    /** The state of one session: how many bytes it holds. */
    public record UploadStatus(String id, long offset) {
    }

    /** {@code owner}: who counts the session against their limit ({@code account:<name>} or {@code address:<ip>}); null when none does. */
    record UploadInfo(String repository, long startedAtEpochMilli, String owner) {
    }

    private record HashState(long offset, MessageDigest sha256) {
    }

    /**
     * Opens a session for {@code owner} ({@code account:<name>}, or {@code address:<ip>} for anonymous callers),
     * refused with 429 TOOMANYREQUESTS when the owner already holds {@code registry.uploads.max-open-per-user}.
     */
    public UploadStatus start(RepositoryName repository, String owner) throws IOException {
        String id = UUID.randomUUID().toString();
        quota.reserve(owner, id);
        return start(repository, id, owner);
    }

    /**
     * The session's info is written {@link ObjectStore.Durability#EPHEMERAL ephemeral}: a crash of the machine
     * may lose it (or leave it empty, read as absent), which ends the session as an expiry would. Nothing of
     * it was acknowledged as stored, the client starts its upload again (it would have to anyway, as a
     * crash loses unforced upload bytes too), and the leftover data is purged with abandoned sessions. Forcing
     * it cost about 20 ms a blob (two fsyncs) on a virtual disk.
     */
    private UploadStatus start(RepositoryName repository, String id, String owner) throws IOException {
        UploadInfo info = new UploadInfo(repository.value(), Instant.now().toEpochMilli(), owner);
        store.writeSmall(StorageLayout.uploadInfo(id), json.writeValueAsBytes(info), ObjectStore.Durability.EPHEMERAL);
        store.createAppendable(StorageLayout.uploadData(id));
        infos.put(id, info);
        hashStates.put(id, new HashState(0, Digest.newMessageDigest(Digest.SHA256)));
        return new UploadStatus(id, 0);
    }

    public UploadStatus status(RepositoryName repository, String id) throws IOException {
        requireSession(repository, id);
        return new UploadStatus(id, currentSize(id));
    }

    /**
     * Appends a chunk. {@code rangeStart}, when the client sent a {@code Content-Range}, must equal the
     * current size (else 416 with the current range); {@code declaredLength}, when known, must match the
     * bytes received (else nothing is kept).
     */
    public UploadStatus append(RepositoryName repository, String id, Long rangeStart, Long declaredLength, InputStream body)
            throws IOException {
        requireSession(repository, id);
        long offset = currentSize(id);
        if (rangeStart != null && rangeStart != offset) {
            throw outOfOrder(id, offset, "chunk starts at " + rangeStart + " but the upload holds " + offset + " bytes; "
                    + "send the next chunk from offset " + offset);
        }
        return new UploadStatus(id, appendAt(id, offset, declaredLength, body));
    }

    /**
     * Completes a session: appends the final chunk if there is one, verifies the digest and publishes the
     * blob at its content address, linked into the repository. A mismatch deletes the session and stores
     * nothing.
     */
    public BlobInfo complete(RepositoryName repository, String id, Digest expected, Long rangeStart, Long declaredLength,
                             InputStream finalChunk) throws IOException {
        requireSession(repository, id);
        long offset = currentSize(id);
        if (finalChunk != null) {
            if (rangeStart != null && rangeStart != offset) {
                throw outOfOrder(id, offset, "final chunk starts at " + rangeStart + " but the upload holds " + offset + " bytes");
            }
            offset = appendAt(id, offset, declaredLength, finalChunk);
        }
        StorageKey data = StorageLayout.uploadData(id);
        ObjectInfo sealed = store.sealAppendable(data);
        Digest actual = digestOf(id, expected.algorithm(), sealed.sizeBytes());
        if (!actual.equals(expected)) {
            discard(id);
            throw new RegistryException(OciError.DIGEST_INVALID,
                    "the uploaded content has digest " + actual + ", not " + expected + "; nothing was stored",
                    Map.of("expected", expected.toString(), "actual", actual.toString()));
        }
        BlobInfo blob = blobs.publishUpload(repository, data, expected, sealed.sizeBytes());
        try {
            discard(id);
        } catch (IOException e) {
            // The blob is published and linked: the push succeeded. What is left of the session is purged
            // with abandoned sessions; failing here made clients retry an upload that had worked.
            log.warn("upload {} completed, but removing its session failed (purged later): {}", id, e.toString());
        }
        return blob;
    }

    /** Single-request upload: the whole blob in one body, verified against {@code expected}. */
    public BlobInfo uploadWhole(RepositoryName repository, Digest expected, Long declaredLength, InputStream body)
            throws IOException {
        // lives only as long as this request, so it counts against no one's limit of open sessions
        UploadStatus session = start(repository, UUID.randomUUID().toString(), null);
        try {
            return complete(repository, session.id(), expected, null, declaredLength, body);
        } catch (IOException | RuntimeException e) {
            discard(session.id());
            throw e;
        }
    }

    public void cancel(RepositoryName repository, String id) throws IOException {
        infos.invalidate(id); // read from storage: nothing after this looks at the session's data
        requireSession(repository, id);
        discard(id);
    }

    /**
     * Removes sessions untouched since {@code cutoff} (or only counts them when {@code dryRun}); returns how
     * many. Streams the listing: a session's objects sit together in key order, so only the session at hand
     * is held, however many there are.
     */
    public int purgeUntouchedSince(Instant cutoff, boolean dryRun) throws IOException {
        int[] purged = {0};
        String[] current = {null};
        Instant[] lastTouched = {Instant.MIN};
        ObjectStore.ObjectVisitor flush = ignored -> {
            if (current[0] != null && lastTouched[0].isBefore(cutoff)) {
                if (!dryRun) {
                    discard(current[0]);
                }
                purged[0]++;
            }
        };
        store.forEach(StorageLayout.UPLOADS, item -> {
            String id = item.key().relativeTo(StorageLayout.UPLOADS).split("/", 2)[0];
            if (!id.equals(current[0])) {
                flush.visit(item);
                current[0] = id;
                lastTouched[0] = Instant.MIN;
            }
            if (item.lastModified().isAfter(lastTouched[0])) {
                lastTouched[0] = item.lastModified();
            }
        });
        flush.visit(null);
        return purged[0];
    }

    /** The oldest a session may be untouched before it is abandoned ({@code registry.uploads.max-age}). */
    public Duration maxAge() {
        return properties.uploads().maxAge();
    }

    private long appendAt(String id, long offset, Long declaredLength, InputStream body) throws IOException {
        HashState before = hashStates.getIfPresent(id);
        MessageDigest sha256 = null;
        InputStream in = new LengthCheckingInputStream(body, declaredLength);
        if (before != null && before.offset() == offset) {
            sha256 = cloneDigest(before.sha256());
            in = new DigestInputStream(in, sha256);
        }
        long newSize;
        try {
            newSize = store.append(StorageLayout.uploadData(id), offset, in);
        } catch (AppendOffsetMismatchException e) {
            // another request appended in between: the client's view is out of date
            throw outOfOrder(id, e.currentSize(), "the upload changed concurrently; it now holds " + e.currentSize() + " bytes");
        } catch (AppendInProgressException e) {
            long size = currentSize(id);
            throw outOfOrder(id, size, "another request is still sending a chunk to this upload (it holds " + size
                    + " bytes so far); send one chunk at a time, and ask the upload's state (GET) before resuming");
        } catch (LengthCheckingInputStream.LengthMismatchException e) {
            throw new RegistryException(OciError.SIZE_INVALID, e.getMessage() + "; the chunk was not stored");
        }
        if (sha256 != null) {
            hashStates.put(id, new HashState(newSize, sha256));
        } else {
            hashStates.invalidate(id);
        }
        return newSize;
    }

    private Digest digestOf(String id, String algorithm, long size) throws IOException {
        HashState state = hashStates.getIfPresent(id);
        if (Digest.SHA256.equals(algorithm) && state != null && state.offset() == size) {
            return Digest.fromMessageDigest(algorithm, cloneDigest(state.sha256()).digest());
        }
        // No hash state for these bytes here (another replica received them, or sha512): hash what is stored.
        MessageDigest md = Digest.newMessageDigest(algorithm);
        try (InputStream in = new DigestInputStream(store.read(StorageLayout.uploadData(id), 0, -1), md)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return Digest.fromMessageDigest(algorithm, md.digest());
    }

    private void requireSession(RepositoryName repository, String id) throws IOException {
        Optional<UploadInfo> info = Optional.ofNullable(infos.getIfPresent(id));
        if (info.isEmpty() && UPLOAD_ID.matcher(id).matches()) {
            info = readInfo(id);
            info.ifPresent(known -> infos.put(id, known));
        }
        if (info.isEmpty() || !info.get().repository().equals(repository.value())) {
            throw new RegistryException(OciError.BLOB_UPLOAD_UNKNOWN,
                    "upload " + abbreviate(id) + " is not in progress in " + repository + " (finished, cancelled, expired or never started)");
        }
    }

    /** Empty when absent, and when unreadable: an ephemeral write a crash cut short ends its session. */
    private Optional<UploadInfo> readInfo(String id) throws IOException {
        Optional<byte[]> bytes = store.readSmall(StorageLayout.uploadInfo(id), MAX_INFO_BYTES);
        if (bytes.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(json.readValue(bytes.get(), UploadInfo.class));
        } catch (JacksonException e) {
            log.warn("upload {} has unreadable session state (cut short by a crash?); treated as ended: {}", id, e.toString());
            return Optional.empty();
        }
    }

    private long currentSize(String id) throws IOException {
        try {
            return store.appendableSize(StorageLayout.uploadData(id));
        } catch (ObjectNotFoundException e) {
            throw new RegistryException(OciError.BLOB_UPLOAD_UNKNOWN, "upload " + id + " has no data; it was cancelled or completed");
        }
    }

    private void discard(String id) throws IOException {
        hashStates.invalidate(id);
        Optional<UploadInfo> info = Optional.ofNullable(infos.getIfPresent(id)); // for its owner, to release the quota
        infos.invalidate(id);
        try {
            if (info.isEmpty()) {
                info = readInfo(id);
            }
        } catch (IOException | RuntimeException e) {
            info = Optional.empty(); // unreadable: its owner marker is pruned when the owner reaches the limit
        }
        info.ifPresent(i -> quota.release(i.owner(), id));
        store.deleteAppendable(StorageLayout.uploadData(id));
        store.deleteAll(StorageLayout.upload(id));
        log.debug("discarded upload {}", id);
    }

    private static RegistryException outOfOrder(String id, long offset, String message) {
        return new UploadRangeException(id, offset, message);
    }

    private static MessageDigest cloneDigest(MessageDigest digest) {
        try {
            return (MessageDigest) digest.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JDK's SHA-256 is cloneable", e);
        }
    }

    private static String abbreviate(String id) {
        return id.length() > 64 ? id.substring(0, 64) + "…" : id;
    }
}
