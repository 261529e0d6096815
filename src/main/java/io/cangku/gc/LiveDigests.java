package io.cangku.gc;

import io.cangku.oci.Digest;

import java.util.HexFormat;

/**
 * The set of live digests, 8 bytes each: the first 64 bits of the digest in an open-addressing table. Two
 * digests sharing those bits (about one chance in 10^9 at a million blobs) make one look live when it is
 * not, which only keeps a blob one run longer: the error is always on the safe side.
 */
final class LiveDigests {

    private static final long EMPTY = 0L;
    private long[] slots = new long[1 << 12];
    private int size;
    private boolean hasZero;

    void add(Digest digest) {
        long key = fingerprint(digest);
        if (key == EMPTY) {
            hasZero = true;
            return;
        }
        if ((size + 1) * 2 > slots.length) {
            grow();
        }
        if (insert(slots, key)) {
            size++;
        }
    }

    boolean contains(Digest digest) {
        long key = fingerprint(digest);
        if (key == EMPTY) {
            return hasZero;
        }
        int mask = slots.length - 1;
        for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
            if (slots[i] == key) {
                return true;
            }
            if (slots[i] == EMPTY) {
                return false;
            }
        }
    }

    int size() {
        return size + (hasZero ? 1 : 0);
    }

    private static boolean insert(long[] table, long key) {
        int mask = table.length - 1;
        for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
            if (table[i] == key) {
                return false;
            }
            if (table[i] == EMPTY) {
                table[i] = key;
                return true;
            }
        }
    }

    private void grow() {
        long[] bigger = new long[slots.length * 2];
        for (long key : slots) {
            if (key != EMPTY) {
                insert(bigger, key);
            }
        }
        slots = bigger;
    }

    private static int mix(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    /** The algorithm takes part too, so sha256 and sha512 digests with equal leading hex stay apart. */
    private static long fingerprint(Digest digest) {
        String hex = digest.hex();
        long bits;
        if (hex.length() >= 16 && HexFormat.isHexDigit(hex.charAt(0)) && hex.chars().limit(16).allMatch(HexFormat::isHexDigit)) {
            bits = HexFormat.fromHexDigitsToLong(hex, 0, 16);
        } else {
            bits = (long) hex.hashCode() << 32 | (hex.length() & 0xffffffffL);
        }
        return bits ^ digest.algorithm().hashCode();
    }

    @Override
    public String toString() {
        return "LiveDigests[" + size() + "]";
    }
}
