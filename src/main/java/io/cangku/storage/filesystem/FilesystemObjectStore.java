package io.cangku.storage.filesystem;

import io.cangku.storage.AppendInProgressException;
import io.cangku.storage.AppendOffsetMismatchException;
import io.cangku.storage.KeyedLocks;
import io.cangku.storage.ObjectInfo;
import io.cangku.storage.ObjectNotFoundException;
import io.cangku.storage.KeyPage;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.Page;
import io.cangku.storage.StorageKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Objects as files under one root. A write goes to a temporary file in {@code <root>/.tmp} (same
 * filesystem), is forced to disk, then renamed into place atomically, so a crash at any moment leaves either
 * the old file or the new one, and at worst an orphaned temporary file, which is removed at the next start.
 *
 * <p>Appendable objects are plain files appended in place under a lock of that file alone; a failed append
 * truncates back, so a chunk is all or nothing. Sealing forces the file to disk, once: appends never do.
 * Appends go around the page cache where the filesystem allows ({@link DirectAppends}: on the benchmark
 * machine, buffered writes of new files were the slow part of a push, not the disk).
 *
 * <p>What is forced, and when (each {@code fsync} costs about 10 ms on a virtual disk, so every one on the
 * push path is counted): a {@link Durability#DURABLE durable} small write forces the temporary file before
 * the rename (else a crash could leave the new name pointing at an empty file) and the directory after it
 * (else the rename itself could be lost); an {@link Durability#EPHEMERAL ephemeral} one forces neither, and
 * stays atomic for readers through the same rename. A {@link #move} forces the target's directory (the
 * source was forced when written or sealed). Directories a publish had to create are made durable too, by
 * forcing the directory above each, once, when they are created; existing ones are not forced again.
 */
public class FilesystemObjectStore implements ObjectStore {

    private static final Logger log = LoggerFactory.getLogger(FilesystemObjectStore.class);
    private static final String TMP_DIR = ".tmp";
    private static final String LOCKS_DIR = ".locks";
    /** Temp files younger than this may belong to another process sharing the root; leave them. */
    private static final Duration ORPHAN_AGE = Duration.ofHours(1);
    private static final int COPY_BUFFER_BYTES = 256 * 1024;

    private final Path root;
    private final Path tmp;
    private final Path locks;
    private final DiskSync sync;
    /** Null when uploads go through the page cache (turned off, or the filesystem refuses direct I/O). */
    private final DirectAppends direct;
    private final KeyOrderedWalk keyOrder = new KeyOrderedWalk(System::nanoTime);
    /**
     * In-JVM locks in front of the file lock, one per file and shared by every store instance:
     * FileChannel.lock refuses (rather than waits for) a lock this JVM already holds through another channel.
     */
    private static final KeyedLocks<Path> APPEND_LOCKS = new KeyedLocks<>();
    /** Longer than a well-behaved client waits between two requests of one session; another holder is a racing client. */
    private static final Duration MAX_LOCK_WAIT = Duration.ofSeconds(10);
    /** Conditional writes hold their lock only for a read and a small write, never while a client sends: striped is fine. */
    private static final int LOCK_STRIPES = 64;
    private static final ReentrantLock[] CONDITIONAL_LOCKS = new ReentrantLock[LOCK_STRIPES];

    static {
        for (int i = 0; i < LOCK_STRIPES; i++) {
            CONDITIONAL_LOCKS[i] = new ReentrantLock();
        }
    }

    public FilesystemObjectStore(Path root) throws IOException {
        this(root, true);
    }

    /** {@code directWrites}: upload appends bypass the page cache where the filesystem allows ({@link DirectAppends}). */
    public FilesystemObjectStore(Path root, boolean directWrites) throws IOException {
        this(root, DiskSync.FSYNC, directWrites);
    }

    /** With {@code sync} in place of the real {@code fsync} calls: tests see which writes are forced. */
    FilesystemObjectStore(Path root, DiskSync sync) throws IOException {
        this(root, sync, true);
    }

    FilesystemObjectStore(Path root, DiskSync sync, boolean directWrites) throws IOException {
        this.sync = sync;
        this.root = root.toAbsolutePath().normalize();
        this.tmp = this.root.resolve(TMP_DIR);
        this.locks = this.root.resolve(LOCKS_DIR);
        createPrivateDirectories(tmp);
        createPrivateDirectories(locks);
        this.direct = directWrites ? DirectAppends.probe(tmp).orElse(null) : null;
        removeOrphanedTempFiles();
    }

    /** Whether upload appends bypass the page cache. */
    boolean writesDirect() {
        return direct != null;
    }

    @Override
    public Optional<ObjectInfo> stat(StorageKey key) throws IOException {
        Path file = pathOf(key);
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            if (!attributes.isRegularFile()) {
                return Optional.empty();
            }
            return Optional.of(new ObjectInfo(key, attributes.size(), attributes.lastModifiedTime().toInstant()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public InputStream read(StorageKey key, long offset, long length) throws IOException {
        FileChannel channel;
        try {
            channel = FileChannel.open(pathOf(key), StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new ObjectNotFoundException(key);
        }
        try {
            channel.position(offset);
            InputStream in = Channels.newInputStream(channel);
            return length < 0 ? in : new BoundedInputStream(in, length);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public Optional<byte[]> readSmall(StorageKey key, int maxBytes) throws IOException {
        Path file = pathOf(key);
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(maxBytes + 1);
            if (bytes.length > maxBytes) {
                throw new IOException(key + " is larger than " + maxBytes + " bytes");
            }
            return Optional.of(bytes);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public void writeSmall(StorageKey key, byte[] content) throws IOException {
        writeSmall(key, content, Durability.DURABLE);
    }

    @Override
    public void writeSmall(StorageKey key, byte[] content, Durability durability) throws IOException {
        Path temp = newTempFile();
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                if (durability == Durability.DURABLE) {
                    sync.force(channel);
                }
            }
            publish(temp, pathOf(key), durability);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public Optional<VersionedBytes> readVersioned(StorageKey key, int maxBytes) throws IOException {
        return readSmall(key, maxBytes).map(bytes -> new VersionedBytes(bytes, versionOf(bytes)));
    }

    /**
     * Under a lock on a per-key lock file, so that processes sharing the root take turns too; the in-JVM
     * stripe comes first because FileChannel.lock refuses a lock this JVM already holds.
     */
    @Override
    public boolean writeSmallIfVersion(StorageKey key, byte[] content, String expectedVersion) throws IOException {
        Path lockFile = locks.resolve(versionOf(key.path().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        ReentrantLock lock = CONDITIONAL_LOCKS[Math.floorMod(lockFile.hashCode(), LOCK_STRIPES)];
        lock.lock();
        try (FileChannel channel = FileChannel.open(lockFile,
                java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE), PRIVATE_FILE);
             var fileLock = channel.lock()) {
            Optional<byte[]> current = readSmall(key, Integer.MAX_VALUE - 16);
            boolean holds = expectedVersion == null
                    ? current.isEmpty()
                    : current.isPresent() && versionOf(current.get()).equals(expectedVersion);
            if (holds) {
                writeSmall(key, content);
            }
            return holds;
        } finally {
            lock.unlock();
        }
    }

    private static String versionOf(byte[] content) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(content));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    @Override
    public void move(StorageKey source, StorageKey target) throws IOException {
        try {
            publish(pathOf(source), pathOf(target), Durability.DURABLE);
        } catch (NoSuchFileException e) {
            throw new ObjectNotFoundException(source);
        }
    }

    @Override
    public void delete(StorageKey key) throws IOException {
        Path file = pathOf(key);
        Files.deleteIfExists(file);
        pruneEmptyParents(file.getParent());
    }

    @Override
    public void deleteAll(StorageKey prefix) throws IOException {
        Path dir = pathOf(prefix);
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            List<Path> paths = walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList();
            for (Path path : paths) {
                try {
                    Files.deleteIfExists(path);
                } catch (DirectoryNotEmptyException e) {
                    // a concurrent writer added something; leave it
                }
            }
        } catch (NoSuchFileException e) {
            // deleted concurrently
        }
        pruneEmptyParents(dir.getParent());
    }

    @Override
    public Page list(StorageKey prefix, String startAfter, int limit) throws IOException {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive");
        }
        List<ObjectInfo> items = new ArrayList<>(Math.min(limit, 1024));
        boolean[] more = {false};
        // one key past the page says whether the listing is truncated
        keyOrder.walk(pathOf(prefix), prefix.path(), startAfter, true, (key, file, attributes) -> {
            if (items.size() == limit) {
                more[0] = true;
                return false;
            }
            items.add(new ObjectInfo(new StorageKey(key), attributes.size(), attributes.lastModifiedTime().toInstant()));
            return true;
        });
        return new Page(items, more[0]);
    }

    /** As {@link #list}, without a stat per key: a kept directory listing answers a page of keys alone. */
    @Override
    public KeyPage listKeys(StorageKey prefix, String startAfter, int limit) throws IOException {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive");
        }
        List<StorageKey> keys = new ArrayList<>(Math.min(limit, 1024));
        boolean[] more = {false};
        keyOrder.walk(pathOf(prefix), prefix.path(), startAfter, true, KeyOrderedWalk.Attributes.KEYS_ONLY,
                (key, file, attributes) -> {
                    if (keys.size() == limit) {
                        more[0] = true;
                        return false;
                    }
                    keys.add(new StorageKey(key));
                    return true;
                });
        return new KeyPage(keys, more[0]);
    }

    /** One pass over the tree in key order, rather than a listing per page: each directory is read once. */
    @Override
    public void forEach(StorageKey prefix, ObjectVisitor visitor) throws IOException {
        keyOrder.walk(pathOf(prefix), prefix.path(), null, false, (key, file, attributes) -> {
            visitor.visit(new ObjectInfo(new StorageKey(key), attributes.size(), attributes.lastModifiedTime().toInstant()));
            return true;
        });
    }

    @Override
    public void createAppendable(StorageKey key) throws IOException {
        Path file = pathOf(key);
        for (int attempt = 1; ; attempt++) {
            createPrivateDirectories(file.getParent());
            try {
                Files.createFile(file, PRIVATE_FILE);
                return;
            } catch (FileAlreadyExistsException e) {
                throw new IOException("appendable object " + key + " already exists", e);
            } catch (NoSuchFileException e) {
                if (attempt == 3) {
                    throw e; // the parent keeps vanishing under a concurrent delete
                }
            }
        }
    }

    @Override
    public long appendableSize(StorageKey key) throws IOException {
        return stat(key).orElseThrow(() -> new ObjectNotFoundException(key)).sizeBytes();
    }

    @Override
    public long append(StorageKey key, long offset, InputStream data) throws IOException {
        Path file = pathOf(key);
        // The lock is held while the chunk arrives from the client, so it must be this session's alone
        // (never a stripe shared with other sessions) and waited for only a bounded time.
        // The buffers are taken before the file lock is waited for, because the channel's mode depends on
        // them: a direct channel can write nothing unaligned, and reopening it buffered would release the lock.
        try (KeyedLocks.Held held = APPEND_LOCKS.lock(file, MAX_LOCK_WAIT, key);
             DirectAppends.Lease buffers = direct == null ? null : direct.lease();
             FileChannel channel = openForAppend(key, file, buffers != null);
             FileLock fileLock = lockFile(channel, key)) {
            long size = channel.size();
            if (size != offset) {
                throw new AppendOffsetMismatchException(key, offset, size);
            }
            try {
                if (buffers != null) {
                    return buffers.append(channel, offset, data);
                }
                channel.position(offset);
                copy(data, channel);
            } catch (IOException | RuntimeException e) {
                channel.truncate(offset);
                throw e;
            }
            return channel.size();
        }
    }

    /**
     * The file lock keeps out other processes sharing the root; this JVM's own requests already wait on
     * {@link #APPEND_LOCKS}. Polled rather than blocking, so the wait stays bounded.
     */
    private static FileLock lockFile(FileChannel channel, StorageKey key) throws IOException {
        long deadline = System.nanoTime() + MAX_LOCK_WAIT.toNanos();
        while (true) {
            FileLock lock = channel.tryLock();
            if (lock != null) {
                return lock;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AppendInProgressException(key, MAX_LOCK_WAIT);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted waiting for the lock of " + key);
            }
        }
    }

    /**
     * Copies in large writes: a servlet stream hands out a socket buffer's worth (8 KiB) per read, and
     * filling a bigger buffer first spares most write calls.
     */
    private static void copy(InputStream in, FileChannel channel) throws IOException {
        byte[] buffer = new byte[COPY_BUFFER_BYTES];
        java.nio.ByteBuffer wrapped = java.nio.ByteBuffer.wrap(buffer);
        int n;
        while ((n = in.readNBytes(buffer, 0, buffer.length)) > 0) {
            wrapped.clear().limit(n);
            while (wrapped.hasRemaining()) {
                channel.write(wrapped);
            }
        }
    }

    private static FileChannel openForAppend(StorageKey key, Path file, boolean direct) throws IOException {
        try {
            return direct ? DirectAppends.open(file) : FileChannel.open(file, StandardOpenOption.WRITE);
        } catch (NoSuchFileException e) {
            throw new ObjectNotFoundException(key);
        }
    }

    @Override
    public ObjectInfo sealAppendable(StorageKey key) throws IOException {
        try (FileChannel channel = FileChannel.open(pathOf(key), StandardOpenOption.WRITE)) {
            sync.force(channel);
        } catch (NoSuchFileException e) {
            throw new ObjectNotFoundException(key);
        }
        return stat(key).orElseThrow(() -> new ObjectNotFoundException(key));
    }

    @Override
    public void deleteAppendable(StorageKey key) throws IOException {
        delete(key);
    }

    @Override
    public Optional<Path> localFile(StorageKey key) {
        Path file = pathOf(key);
        return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
    }

    /**
     * Everything the store creates is readable by the registry's user only (files 0600, directories 0700):
     * the root holds signing keys and password hashes under {@code _auth/}, and nothing in it is anyone
     * else's to read. Created with the mode rather than changed after, so no file is ever readable in
     * between. (The umask can only take bits away.)
     */
    private static final FileAttribute<?>[] PRIVATE_FILE = posix("rw-------");
    private static final FileAttribute<?>[] PRIVATE_DIRECTORY = posix("rwx------");

    private static FileAttribute<?>[] posix(String permissions) {
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        return posix ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(permissions))}
                : new FileAttribute<?>[0];
    }

    private static void createPrivateDirectories(Path dir) throws IOException {
        Files.createDirectories(dir, PRIVATE_DIRECTORY);
    }

    private Path pathOf(StorageKey key) {
        // StorageKey cannot hold '..' or empty segments, so the result always lies under root.
        return root.resolve(key.path());
    }

    private Path newTempFile() throws IOException {
        return Files.createFile(tmp.resolve(UUID.randomUUID().toString()), PRIVATE_FILE);
    }

    /**
     * Renames into place, replacing the target atomically (rename(2) on one filesystem); when
     * {@code durability} is durable, forces the directory entry, and those of directories it created.
     */
    private void publish(Path source, Path target, Durability durability) throws IOException {
        Path parent = target.getParent();
        List<Path> created = new ArrayList<>(2);
        // A concurrent delete may prune the freshly created parent directory; create it again and retry.
        // (createDirectories itself fails when a directory it just made is pruned before it makes the next.)
        for (int attempt = 1; ; attempt++) {
            try {
                if (!Files.isDirectory(parent)) {
                    noteMissingDirectories(parent, created);
                    createPrivateDirectories(parent);
                }
                Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                break;
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the storage root must be one filesystem that supports atomic rename", e);
            } catch (NoSuchFileException e) {
                if (attempt == 10 || !Files.exists(source)) {
                    throw e;
                }
            } catch (FileAlreadyExistsException e) {
                // createDirectories found a parent "existing", then not a directory: pruned in between. Again.
                if (attempt == 10 || Files.isRegularFile(Path.of(e.getFile()))) {
                    throw e;
                }
            }
        }
        if (durability == Durability.DURABLE) {
            sync.forceDirectory(parent);
            // a new directory's own name lives in the directory above it: forced once, when created
            for (Path dir : created) {
                sync.forceDirectory(dir.getParent());
            }
        }
    }

    /** Adds {@code dir} and its missing ancestors below the root to {@code missing}, deepest first. */
    private void noteMissingDirectories(Path dir, List<Path> missing) {
        for (Path p = dir; p != null && p.startsWith(root) && !p.equals(root) && !Files.isDirectory(p); p = p.getParent()) {
            if (!missing.contains(p)) {
                missing.add(p);
            }
        }
    }

    /**
     * The two {@code fsync}s the store makes, apart from the store so a test can see which writes are forced.
     * {@link #FSYNC} is the real thing.
     */
    interface DiskSync {

        /** Forces a file's content and metadata to stable storage. */
        void force(FileChannel file) throws IOException;

        /** Persists a directory's entries (a rename into it, a file or directory made in it). */
        void forceDirectory(Path dir);

        DiskSync FSYNC = new DiskSync() {
            @Override
            public void force(FileChannel file) throws IOException {
                file.force(true);
            }

            @Override
            public void forceDirectory(Path dir) {
                try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
                    channel.force(true);
                } catch (IOException e) {
                    // not every filesystem allows opening a directory; the rename itself already happened
                }
            }
        };
    }

    /** Removes directories emptied by deletes, up to the root, so listings and walks stay small. */
    private void pruneEmptyParents(Path dir) {
        while (dir != null && dir.startsWith(root) && !dir.equals(root) && !dir.equals(tmp) && !dir.equals(locks)) {
            try {
                Files.delete(dir);
            } catch (IOException e) {
                return; // not empty, already gone, or in use: stop
            }
            dir = dir.getParent();
        }
    }

    private void removeOrphanedTempFiles() throws IOException {
        Instant cutoff = Instant.now().minus(ORPHAN_AGE);
        try (Stream<Path> files = Files.list(tmp)) {
            for (Path file : files.toList()) {
                try {
                    if (Files.getLastModifiedTime(file).toInstant().isBefore(cutoff)) {
                        Files.deleteIfExists(file);
                        log.info("removed orphaned temporary file {}", file.getFileName());
                    }
                } catch (IOException e) {
                    log.debug("could not remove {}: {}", file, e.toString());
                }
            }
        }
    }

    /** Stops after {@code remaining} bytes; closes the underlying stream. */
    private static final class BoundedInputStream extends java.io.FilterInputStream {
        private long remaining;

        BoundedInputStream(InputStream in, long remaining) {
            super(in);
            this.remaining = remaining;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int b = super.read();
            if (b >= 0) {
                remaining--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = super.read(b, off, (int) Math.min(len, remaining));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(Math.min(n, remaining));
            remaining -= skipped;
            return skipped;
        }

        @Override
        public int available() throws IOException {
            return (int) Math.min(super.available(), remaining);
        }
    }
}
