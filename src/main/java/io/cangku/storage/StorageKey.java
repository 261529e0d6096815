package io.cangku.storage;

/**
 * A validated object key: segments of {@code [A-Za-z0-9._:=+@-]} separated by single slashes. A segment
 * may not be empty, start with a dot, or be {@code .} or {@code ..}, so a key cannot express path traversal
 * nor collide with a backend's hidden temporary names. Keys compare as strings, which is the order both
 * S3 listings and {@link ObjectStore#list} use.
 */
public record StorageKey(String path) implements Comparable<StorageKey> {

    private static final int MAX_LENGTH = 1024;
    /** The characters of a segment, {@code [A-Za-z0-9._:=+@-]}; a segment may not start with the dot. */
    private static final boolean[] SEGMENT_CHAR = new boolean[128];

    static {
        for (char c : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:=+@-".toCharArray()) {
            SEGMENT_CHAR[c] = true;
        }
    }

    /*
     * A scan of the characters rather than a split and a regular expression per segment: every storage call
     * builds keys, and a full list of 5,000 tags builds 5,000 (12 to 120 ms with the regex on the shared
     * bench machine, 0.3 ms with the scan).
     */
    public StorageKey {
        if (path == null || path.isEmpty() || path.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("storage key must have 1 to " + MAX_LENGTH + " characters");
        }
        int segmentStart = 0;
        for (int i = 0; i <= path.length(); i++) {
            char c = i < path.length() ? path.charAt(i) : '/';
            boolean valid = c == '/' ? i > segmentStart : c < 128 && SEGMENT_CHAR[c] && (c != '.' || i > segmentStart);
            if (!valid) {
                int end = c == '/' ? i : path.indexOf('/', i);
                String segment = path.substring(segmentStart, end < 0 ? path.length() : end);
                throw new IllegalArgumentException("invalid storage key segment '" + segment + "' in '" + path + "'");
            }
            if (c == '/') {
                segmentStart = i + 1;
            }
        }
    }

    /** Whether {@code name} could be one segment of a key (a file name a backend may list as an object). */
    public static boolean isSegment(String name) {
        if (name.isEmpty() || name.charAt(0) == '.') {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 128 || !SEGMENT_CHAR[c]) {
                return false;
            }
        }
        return true;
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
