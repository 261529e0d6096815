package io.cangku.storage.filesystem;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.cangku.storage.StorageKey;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Visits the files of a directory tree in ascending key order, starting after a given key, without touching
 * what lies before it: a descent in sorted order that reads one directory per level on the way down to the
 * start key, skips every subtree before it, and stops as soon as the visitor has enough. A page of a listing
 * then costs its own size plus one directory read per level, however many keys precede it.
 *
 * <p>Key order is string order of whole keys, which is not the order of directory entries by name:
 * {@code a/b} sorts after {@code a-c} ({@code '-' < '/'}). So within a directory, a subdirectory sorts as its
 * name followed by {@code /}; with that, the entries' names sort exactly as the keys beneath them do.
 *
 * <p>Sorting a directory costs one {@code lstat} per entry (Java cannot see {@code d_type}), so the sorted
 * entries of large directories (a repository's tags, the catalog) are kept, keyed by the directory's identity
 * and modification time, which every entry added, removed or renamed into it changes. A listing is trusted
 * only once the directory showed the same modification time at least {@link #SETTLE} before the read began:
 * timestamps are coarse (a kernel tick, one second on some filesystems), so two changes within one tick
 * leave the time unchanged, and only a read that began a tick after the first sighting surely includes both.
 */
final class KeyOrderedWalk {

    /** Longer than a filesystem timestamp's granularity (a kernel tick; one second on ext3 and some NFS servers). */
    static final Duration SETTLE = Duration.ofMillis(1100);
    /** Smaller directories are read afresh: sorting them costs less than keeping them. */
    static final int CACHED_MIN_ENTRIES = 256;
    /** All kept listings together hold at most this many names (about 64 bytes each: 16 MB). */
    static final long CACHED_MAX_NAMES = 250_000;

    /**
     * Receives files in key order; returns false to stop the walk. {@code attributes} is null when the walk
     * was told they are not needed and it has none at hand (a kept listing).
     */
    @FunctionalInterface
    interface FileVisitor {
        boolean visit(String key, Path file, BasicFileAttributes attributes) throws IOException;
    }

    /** Whether visitors need each file's size and time (one stat per file for a kept listing), or its key only. */
    enum Attributes { NEEDED, KEYS_ONLY }

    private final LongSupplier nanoTime;
    private final Cache<Path, Kept> kept = Caffeine.newBuilder()
            .maximumWeight(CACHED_MAX_NAMES)
            .weigher((Path dir, Kept k) -> k.names == null ? 1 : k.names.length + 1)
            .build();

    /** @param nanoTime a monotonic clock ({@code System::nanoTime}; tests move their own) */
    KeyOrderedWalk(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /**
     * Walks the files under {@code dir} (whose key is {@code dirKey}) with keys after {@code dirKey/startAfter}
     * ({@code startAfter} null: all of them). With {@code keep}, large directories' sorted entries are kept
     * for the next walk (pages of a listing); without, every directory is read afresh and nothing is kept (one
     * pass over everything).
     *
     * @return false when the visitor stopped the walk
     */
    boolean walk(Path dir, String dirKey, String startAfter, boolean keep, FileVisitor visitor) throws IOException {
        return walk(dir, dirKey, startAfter, keep, Attributes.NEEDED, visitor);
    }

    boolean walk(Path dir, String dirKey, String startAfter, boolean keep, Attributes needed, FileVisitor visitor)
            throws IOException {
        Entries entries = sortedEntries(dir, keep);
        if (entries == null) {
            return true; // absent, or deleted concurrently: nothing there
        }
        String[] names = entries.names;
        int from = 0;
        if (startAfter != null) {
            int found = Arrays.binarySearch(names, startAfter);
            from = found >= 0 ? found + 1 : -found - 1;
            // Only the greatest entry not after startAfter can be a directory holding keys after it, and only
            // when startAfter lies within it.
            int before = from - 1;
            if (before >= 0 && isDirectory(names[before]) && startAfter.startsWith(names[before])) {
                String name = names[before];
                String inner = startAfter.substring(name.length());
                if (!walk(dir.resolve(name.substring(0, name.length() - 1)), dirKey + "/" + name.substring(0, name.length() - 1),
                        inner.isEmpty() ? null : inner, keep, needed, visitor)) {
                    return false;
                }
            }
        }
        for (int i = from; i < names.length; i++) {
            String name = names[i];
            if (isDirectory(name)) {
                String child = name.substring(0, name.length() - 1);
                if (!walk(dir.resolve(child), dirKey + "/" + child, null, keep, needed, visitor)) {
                    return false;
                }
                continue;
            }
            Path file = dir.resolve(name);
            BasicFileAttributes attributes = entries.attributes == null ? null : entries.attributes[i];
            if (attributes == null && needed == Attributes.NEEDED) {
                attributes = fileAttributes(file);
                if (attributes == null) {
                    continue; // deleted since the directory was read
                }
            }
            if (!visitor.visit(dirKey + "/" + name, file, attributes)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isDirectory(String sortName) {
        return sortName.charAt(sortName.length() - 1) == '/';
    }

    /** Attributes of a regular file (following a symbolic link, as a walk's isRegularFile does); null otherwise. */
    private static BasicFileAttributes fileAttributes(Path file) throws IOException {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return attributes.isRegularFile() ? attributes : null;
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** The directory's entries in key order, or null when it is not (or no longer) a directory. */
    private Entries sortedEntries(Path dir, boolean keep) throws IOException {
        BasicFileAttributes dirAttributes;
        try {
            dirAttributes = Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
        if (!dirAttributes.isDirectory()) {
            return null;
        }
        if (!keep) {
            return read(dir);
        }
        Kept previous = kept.getIfPresent(dir);
        boolean unchanged = previous != null && previous.isVersionOf(dirAttributes);
        if (unchanged && previous.names != null) {
            return new Entries(previous.names, null);
        }
        long readStart = nanoTime.getAsLong(); // after the stat above saw this version, before reading
        Entries fresh = read(dir);
        if (fresh == null || fresh.names.length < CACHED_MIN_ENTRIES) {
            return fresh;
        }
        if (!unchanged) {
            kept.put(dir, new Kept(dirAttributes.fileKey(), dirAttributes.lastModifiedTime(), readStart, null));
        } else if (readStart - previous.firstSeenNanos >= SETTLE.toNanos()) {
            kept.put(dir, new Kept(previous.fileKey, previous.modified, previous.firstSeenNanos, fresh.names));
        }
        return fresh;
    }

    /** Reads and sorts a directory, with the attributes of its files (one lstat per entry). */
    private static Entries read(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        List<BasicFileAttributes> attributes = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path entry : stream) {
                String name = entry.getFileName().toString();
                if (!StorageKey.isSegment(name)) { // anything else (a hidden temporary file) is not an object
                    continue;
                }
                BasicFileAttributes a;
                try {
                    a = Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    if (a.isSymbolicLink()) {
                        a = fileAttributes(entry); // a link to a file is listed, a link to a directory is not followed
                    }
                } catch (NoSuchFileException e) {
                    continue; // deleted while reading
                }
                if (a == null) {
                    continue;
                }
                if (a.isDirectory()) {
                    names.add(name + "/");
                    attributes.add(null);
                } else if (a.isRegularFile()) {
                    names.add(name);
                    attributes.add(a);
                }
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            return null;
        }
        Integer[] order = new Integer[names.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> names.get(x).compareTo(names.get(y)));
        String[] sortedNames = new String[order.length];
        BasicFileAttributes[] sortedAttributes = new BasicFileAttributes[order.length];
        for (int i = 0; i < order.length; i++) {
            sortedNames[i] = names.get(order[i]);
            sortedAttributes[i] = attributes.get(order[i]);
        }
        return new Entries(sortedNames, sortedAttributes);
    }

    /**
     * Sorted entry names (directories with a trailing {@code /}) and, when just read, the files' attributes
     * (null for a kept listing: the files are stat'ed when visited, since a file's size changes without
     * changing its directory).
     */
    private record Entries(String[] names, BasicFileAttributes[] attributes) {
    }

    /** A directory version (identity and modification time) first seen at a time, and its entries once trusted. */
    private record Kept(Object fileKey, FileTime modified, long firstSeenNanos, String[] names) {

        boolean isVersionOf(BasicFileAttributes attributes) {
            return Objects.equals(fileKey, attributes.fileKey()) && modified.equals(attributes.lastModifiedTime());
        }
    }
}
