package io.cangku.storage;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The storage SPI: a flat namespace of keyed objects, streamed in and out, that every backend provides.
 *
 * <p>Every method that makes something visible does so in one atomic step (a rename, or a single S3 PUT,
 * copy or multipart completion): a reader sees the old object, the new one, or none, never a part. Methods
 * throw {@link IOException} for backend failures; the registry turns those into an OCI error.
 *
 * <p>Appendable objects carry upload sessions: bytes arrive in order, possibly through different
 * processes (replicas), and become a plain readable object only when {@link #sealAppendable sealed}. Their
 * state lives wholly in the backend, never in the memory of one process. A backend may keep that state in
 * sibling objects named after the key and a dot (the S3 backend keeps {@code data.state} and
 * {@code data.tail.<id>} beside {@code data}); they appear in listings of the parent prefix, and
 * {@link #deleteAppendable} and {@link #deleteAll} remove them.
 */
public interface ObjectStore {

    /** Size and modification time of the object at {@code key}; empty when there is none. */
    Optional<ObjectInfo> stat(StorageKey key) throws IOException;

    /**
     * Opens {@code length} bytes of the object starting at {@code offset} ({@code length < 0}: to the end).
     * The caller closes the stream. Throws {@link ObjectNotFoundException} when the object is absent.
     */
    InputStream read(StorageKey key, long offset, long length) throws IOException;

    /**
     * Reads a small object whole (links, tags, manifests, session state). Empty when absent; an object
     * larger than {@code maxBytes} is an {@link IOException}, so no caller can be made to buffer a blob.
     */
    Optional<byte[]> readSmall(StorageKey key, int maxBytes) throws IOException;

    /**
     * Writes a small object whole, replacing any previous one atomically; refreshes its modification time.
     * {@link Durability#DURABLE durable}: once this returns, the object survives a crash of the machine.
     */
    void writeSmall(StorageKey key, byte[] content) throws IOException;

    /**
     * What a small write must survive. Both kinds are atomic and visible to every reader (every process and
     * replica) as soon as the call returns; they differ only in what a crash of the operating system or a
     * power loss may do to the object afterwards.
     */
    enum Durability {
        /** Forced to stable storage before the call returns: survives a crash. State that makes data visible. */
        DURABLE,
        /**
         * Not forced: after a crash of the machine the object may be absent, hold its previous content, or be
         * empty. Only for state whose loss costs at most a retry by the client, and whose readers treat an
         * empty or unreadable object as absent. A crash that loses it also ends every process on that
         * machine, so no live process can have acted on a copy others will not see.
         */
        EPHEMERAL
    }

    /**
     * As {@link #writeSmall(StorageKey, byte[])}, with the durability the caller needs. A backend whose every
     * write is durable anyway (S3 acknowledges a PUT once it is stored redundantly) keeps this default; the
     * filesystem skips its {@code fsync} calls for {@link Durability#EPHEMERAL} (about 10 ms a write on a
     * virtual disk). A decorator must pass the durability on.
     */
    default void writeSmall(StorageKey key, byte[] content, Durability durability) throws IOException {
        writeSmall(key, content);
    }

    /**
     * Moves an object to a new key, replacing what is there, as the final publishing step after the
     * caller verified the bytes. After it returns, {@code target} holds the bytes and {@code source} is gone.
     */
    void move(StorageKey source, StorageKey target) throws IOException;

    /** Deletes the object; deleting an absent object is not an error. */
    void delete(StorageKey key) throws IOException;

    /**
     * Deletes several objects, as {@link #delete} does each (idempotent); a backend may send them in batches
     * (S3 DeleteObjects takes 1,000 keys a call). Not atomic: after a failure some may be gone.
     */
    default void deleteBatch(java.util.Collection<StorageKey> keys) throws IOException {
        for (StorageKey key : keys) {
            delete(key);
        }
    }

    /** A small object's bytes with the version that {@link #writeSmallIfVersion} compares against. */
    record VersionedBytes(byte[] content, String version) {
    }

    /**
     * Reads a small object whole with its version; empty when absent. Versions are derived from the content
     * (an S3 ETag, a hash on the filesystem), so callers that need every write to be told apart put a unique
     * token in what they write.
     */
    Optional<VersionedBytes> readVersioned(StorageKey key, int maxBytes) throws IOException;

    /**
     * Replaces the object only if it is still at {@code expectedVersion}, or creates it only if absent when
     * {@code expectedVersion} is null; returns false, changing nothing, when the condition does not hold.
     * Atomic against every other conditional write of the key, across processes and replicas, where the
     * backend enforces it (S3: {@code If-Match} / {@code If-None-Match}; the filesystem: a file lock).
     * Plain {@link #writeSmall} and {@link #delete} are not held back by it.
     *
     * @throws ConditionalWritesUnsupportedException when the store is configured without conditional writes
     */
    boolean writeSmallIfVersion(StorageKey key, byte[] content, String expectedVersion) throws IOException;

    /**
     * Whether {@link #writeSmallIfVersion} can succeed here, so a feature that cannot work without it (a lease
     * shared by replicas) can refuse to start instead of failing on every attempt. A decorator must pass it on.
     */
    default boolean supportsConditionalWrites() {
        return true;
    }

    /**
     * Deletes every object whose key lies under {@code prefix}, appendable objects and what the backend keeps
     * for them included; idempotent.
     */
    void deleteAll(StorageKey prefix) throws IOException;

    /**
     * Lists objects whose keys lie under {@code prefix} (at any depth), in ascending key order, starting
     * after the key {@code prefix/startAfter} when {@code startAfter} is not null, at most {@code limit} of them.
     */
    Page list(StorageKey prefix, String startAfter, int limit) throws IOException;

    /**
     * As {@link #list}, for listings that need only the keys (tag and catalog pages): a backend may answer
     * without reading each object's size and time (the filesystem then spares a stat per key).
     */
    default KeyPage listKeys(StorageKey prefix, String startAfter, int limit) throws IOException {
        Page page = list(prefix, startAfter, limit);
        return new KeyPage(page.items().stream().map(ObjectInfo::key).toList(), page.truncated());
    }

    /** Receives the objects of {@link #forEach}; may do I/O of its own. */
    @FunctionalInterface
    interface ObjectVisitor {
        void visit(ObjectInfo object) throws IOException;
    }

    /**
     * Visits every object under {@code prefix} in key order, listing a page at a time, so a prefix of any
     * size is never held whole. Objects added or removed meanwhile may or may not be seen.
     */
    default void forEach(StorageKey prefix, ObjectVisitor visitor) throws IOException {
        String startAfter = null;
        Page page;
        do {
            page = list(prefix, startAfter, 1000);
            for (ObjectInfo item : page.items()) {
                visitor.visit(item);
                startAfter = item.key().relativeTo(prefix);
            }
        } while (page.truncated() && !page.items().isEmpty());
    }

    /** Starts an empty appendable object at {@code key} (an upload session's data). */
    void createAppendable(StorageKey key) throws IOException;

    /**
     * The number of bytes appended so far (once sealed, the object's size); {@link ObjectNotFoundException}
     * when there is no such object.
     */
    long appendableSize(StorageKey key) throws IOException;

    /**
     * Appends the whole stream at {@code offset}, which must be the current size (otherwise
     * {@link AppendOffsetMismatchException} and nothing changes). All or nothing: when the stream fails part
     * way, the object keeps its previous size. Returns the new size. The caller closes the stream. (If the
     * process itself dies mid-append, a backend may keep a prefix of the chunk: bytes that did arrive, in
     * order, which {@link #appendableSize} reports and a client resumes after.)
     */
    long append(StorageKey key, long offset, InputStream data) throws IOException;

    /**
     * Makes the appendable object durable and readable as a plain object at the same key (no further
     * appends); returns its info. Calling it again on a sealed object returns the info again.
     */
    ObjectInfo sealAppendable(StorageKey key) throws IOException;

    /** Discards an appendable object and whatever the backend keeps for it; idempotent. */
    void deleteAppendable(StorageKey key) throws IOException;

    /** A URL a client may fetch the object from directly, valid for {@code ttl}; empty where unsupported. */
    default Optional<URI> presignedGet(StorageKey key, Duration ttl) throws IOException {
        return Optional.empty();
    }

    /** The object as a local file, for zero-copy serving; empty for remote backends. */
    default Optional<Path> localFile(StorageKey key) {
        return Optional.empty();
    }
}
