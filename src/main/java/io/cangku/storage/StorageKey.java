package io.cangku.storage;

import java.util.regex.Pattern;

/**
 * A validated object key: segments of {@code [A-Za-z0-9._:=+@-]} separated by single slashes. A segment
 * may not be empty, start with a dot, or be {@code .} or {@code ..}, so a key cannot express path traversal
 * nor collide with a backend's hidden temporary names. Keys compare as strings, which is the order both
 * S3 listings and {@link ObjectStore#list} use.
 */
public record StorageKey(String path) implements Comparable<StorageKey> {

    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_:=+@-][A-Za-z0-9._:=+@-]*");
    private static final int MAX_LENGTH = 1024;

    public StorageKey {
        if (path == null || path.isEmpty() || path.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("storage key must have 1 to " + MAX_LENGTH + " characters");
        }
        for (String segment : path.split("/", -1)) {
            if (!SEGMENT.matcher(segment).matches()) {
                throw new IllegalArgumentException("invalid storage key segment '" + segment + "' in '" + path + "'");
            }
        }
    }

    public static StorageKey of(String first, String... more) {
        StringBuilder sb = new StringBuilder(first);
        for (String part : more) {
            sb.append('/').append(part);
        }
        return new StorageKey(sb.toString());
    }

    public StorageKey resolve(String... more) {
        return of(path, more);
    }

    /** The last segment. */
    public String name() {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? path : path.substring(slash + 1);
    }

    /** The part of this key after {@code prefix/}; the caller ensures this key lies under the prefix. */
    public String relativeTo(StorageKey prefix) {
        String p = prefix.path + "/";
        if (!path.startsWith(p)) {
            throw new IllegalArgumentException(path + " is not under " + prefix.path);
        }
        return path.substring(p.length());
    }

    @Override
    public int compareTo(StorageKey other) {
        return path.compareTo(other.path);
    }

    @Override
    public String toString() {
        return path;
    }
}
