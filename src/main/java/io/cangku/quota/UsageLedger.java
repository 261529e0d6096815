package io.cangku.quota;

import io.cangku.oci.Digest;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * One quota's usage ledger, as stored under {@code _quota/usage/<name>}: every distinct blob the quota's
 * repositories reference, as a 64-bit digest fingerprint, its size and when it was counted, sorted by fingerprint
 * so that a push's few digests are found by binary search. 24 bytes a blob: a scope of 100,000 distinct blobs is a
 * 2.4 MB object. Two digests sharing a fingerprint (about one chance in 10^9 at a million blobs) count once, so a
 * push could pass with one blob's size too little: the only error it makes is that small.
 *
 * <p>Every stored ledger carries a random token, so no two writes have the same content and a conditional write
 * (whose version is derived from the content) can never mistake a ledger written in between for the one it read.
 */
final class UsageLedger {

    /** 64 MB: a scope of about 2.8 million distinct blobs. */
    static final int MAX_BYTES = 64 * 1024 * 1024;
    private static final int MAGIC = 0x43514c31; // "CQL1"
    private static final SecureRandom TOKENS = new SecureRandom();

    private final String repositories;
    private final Instant recountedAt;
    private final long[] fingerprints;
    private final long[] sizes;
    private final long[] countedAt;
    private final long totalBytes;

    private UsageLedger(String repositories, Instant recountedAt, long[] fingerprints, long[] sizes, long[] countedAt) {
        this.repositories = repositories;
        this.recountedAt = recountedAt;
        this.fingerprints = fingerprints;
        this.sizes = sizes;
        this.countedAt = countedAt;
        this.totalBytes = Arrays.stream(sizes).sum();
    }

    /** The glob this ledger counted: a ledger of another glob (the quota was changed) is counted again. */
    String repositories() {
        return repositories;
    }

    Instant recountedAt() {
        return recountedAt;
    }

    long totalBytes() {
        return totalBytes;
    }

    int blobs() {
        return fingerprints.length;
    }

    boolean counts(long fingerprint) {
        return Arrays.binarySearch(fingerprints, fingerprint) >= 0;
    }

    /** This ledger with {@code added} (fingerprint to size; none already counted) counted at {@code now}. */
    UsageLedger with(Map<Long, Long> added, Instant now) {
        TreeMap<Long, long[]> merged = entries();
        added.forEach((fingerprint, size) -> merged.putIfAbsent(fingerprint, new long[]{size, now.toEpochMilli()}));
        return of(repositories, recountedAt, merged);
    }

    /**
     * A fresh count: the blobs a walk of the scope found ({@code walked}, started at {@code startedAt}), plus the
     * entries of {@code current} counted at or after {@code keepCountedAfter} that the walk did not find: pushes
     * admitted while (or shortly before) it walked, whose revision it may have missed. Keeping them can only
     * count a blob too many, until the next count.
     */
    static UsageLedger recounted(String repositories, Instant startedAt, Map<Long, Long> walked, UsageLedger current,
                                 Instant keepCountedAfter) {
        TreeMap<Long, long[]> merged = new TreeMap<>();
        walked.forEach((fingerprint, size) -> merged.put(fingerprint, new long[]{size, startedAt.toEpochMilli()}));
        if (current != null && current.repositories.equals(repositories)) {
            for (int i = 0; i < current.fingerprints.length; i++) {
                if (current.countedAt[i] >= keepCountedAfter.toEpochMilli()) {
                    merged.putIfAbsent(current.fingerprints[i], new long[]{current.sizes[i], current.countedAt[i]});
                }
            }
        }
        return of(repositories, startedAt, merged);
    }

    private TreeMap<Long, long[]> entries() {
        TreeMap<Long, long[]> entries = new TreeMap<>();
        for (int i = 0; i < fingerprints.length; i++) {
            entries.put(fingerprints[i], new long[]{sizes[i], countedAt[i]});
        }
        return entries;
    }

    private static UsageLedger of(String repositories, Instant recountedAt, TreeMap<Long, long[]> entries) {
        int n = entries.size();
        long[] fingerprints = new long[n];
        long[] sizes = new long[n];
        long[] countedAt = new long[n];
        int i = 0;
        for (Map.Entry<Long, long[]> entry : entries.entrySet()) {
            fingerprints[i] = entry.getKey();
            sizes[i] = entry.getValue()[0];
            countedAt[i] = entry.getValue()[1];
            i++;
        }
        return new UsageLedger(repositories, recountedAt, fingerprints, sizes, countedAt);
    }

    byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + fingerprints.length * 24);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeLong(TOKENS.nextLong());
            out.writeUTF(repositories);
            out.writeLong(recountedAt.toEpochMilli());
            out.writeInt(fingerprints.length);
            for (int i = 0; i < fingerprints.length; i++) {
                out.writeLong(fingerprints[i]);
                out.writeLong(sizes[i]);
                out.writeLong(countedAt[i]);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        if (bytes.size() > MAX_BYTES) {
            throw new IllegalStateException("the quota's ledger would exceed " + MAX_BYTES + " bytes ("
                    + fingerprints.length + " blobs); split the quota into narrower ones");
        }
        return bytes.toByteArray();
    }

    /** Parses a stored ledger; an IOException for one that is not (a storage fault, or written by another version). */
    static UsageLedger parse(byte[] content) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(content))) {
            if (in.readInt() != MAGIC) {
                throw new IOException("not a quota usage ledger");
            }
            in.readLong(); // the write's token
            String repositories = in.readUTF();
            Instant recountedAt = Instant.ofEpochMilli(in.readLong());
            int n = in.readInt();
            if (n < 0 || (long) n * 24 > content.length) {
                throw new IOException("a quota usage ledger with a damaged length");
            }
            long[] fingerprints = new long[n];
            long[] sizes = new long[n];
            long[] countedAt = new long[n];
            for (int i = 0; i < n; i++) {
                fingerprints[i] = in.readLong();
                sizes[i] = in.readLong();
                countedAt[i] = in.readLong();
            }
            return new UsageLedger(repositories, recountedAt, fingerprints, sizes, countedAt);
        }
    }

    /** The first 64 bits of the digest; the algorithm takes part, so sha256 and sha512 digests stay apart. */
    static long fingerprint(Digest digest) {
        String hex = digest.hex();
        boolean hexPrefix = hex.length() >= 16 && hex.chars().limit(16).allMatch(HexFormat::isHexDigit);
        long bits = hexPrefix ? HexFormat.fromHexDigitsToLong(hex, 0, 16) : hex.hashCode();
        return bits ^ ((long) digest.algorithm().hashCode() << 32);
    }
}
