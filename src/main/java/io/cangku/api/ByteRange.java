package io.cangku.api;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A single byte range of a {@code Range: bytes=...} request header, resolved against the blob's size
 * (RFC 9110 §14.1.2). Multiple ranges and malformed headers are ignored, which the RFC allows, so the
 * whole blob is served.
 */
record ByteRange(long start, long endInclusive) {

    private static final Pattern SINGLE = Pattern.compile("bytes=(\\d*)-(\\d*)");

    long length() {
        return endInclusive - start + 1;
    }

    /** Thrown for a well-formed range that starts beyond the end: the answer is 416. */
    static final class UnsatisfiableException extends RuntimeException {
        UnsatisfiableException() {
            super(null, null, false, false);
        }
    }

    /** Empty for "serve it all"; throws {@link UnsatisfiableException} when the range cannot be met. */
    static Optional<ByteRange> parse(String header, long size) {
        if (header == null) {
            return Optional.empty();
        }
        Matcher m = SINGLE.matcher(header.trim());
        if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
            return Optional.empty();
        }
        try {
            if (m.group(1).isEmpty()) { // suffix: the last N bytes
                long suffix = Long.parseLong(m.group(2));
                if (suffix == 0 || size == 0) {
                    throw new UnsatisfiableException();
                }
                return Optional.of(new ByteRange(Math.max(0, size - suffix), size - 1));
            }
            long start = Long.parseLong(m.group(1));
            long end = m.group(2).isEmpty() ? size - 1 : Math.min(Long.parseLong(m.group(2)), size - 1);
            if (start >= size) {
                throw new UnsatisfiableException();
            }
            if (end < start) {
                return Optional.empty(); // syntactically invalid: ignore the header
            }
            return Optional.of(new ByteRange(start, end));
        } catch (NumberFormatException e) {
            return Optional.empty(); // more digits than a long holds
        }
    }
}
