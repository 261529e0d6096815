package io.cangku.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;

/**
 * Pseudo-random content of any size, defined by a seed and never held in memory: the bytes of each 64 KiB
 * block come from a generator seeded by (seed, block index), so any range can be streamed on its own (to
 * resume an upload at an offset, or to send a chunk) and the same range always yields the same bytes. A test
 * can push gigabytes and check them without holding them, here or in a file.
 *
 * <pre>{@code
 * SeededContent blob = new SeededContent(7, 2L << 30);
 * String digest = blob.sha256();                   // streams it once
 * client.patch(location, blob.open(offset, chunk)); // any range, on its own
 * }</pre>
 */
public final class SeededContent {

    private static final int BLOCK = 64 * 1024;

    private final long seed;
    private final long size;

    public SeededContent(long seed, long size) {
        this.seed = seed;
        this.size = size;
    }

    public long size() {
        return size;
    }

    /** The whole content as a stream. */
    public InputStream open() {
        return open(0, size);
    }

    /** {@code length} bytes from {@code offset}. */
    public InputStream open(long offset, long length) {
        if (offset < 0 || length < 0 || offset + length > size) {
            throw new IllegalArgumentException(offset + "+" + length + " is outside " + size + " bytes");
        }
        return new Stream(offset, offset + length);
    }

    /** The whole content in memory: only for small content that a test sends or compares whole. */
    public byte[] bytes() {
        if (size > 64L * 1024 * 1024) {
            throw new IllegalStateException(size + " bytes is too much to hold; stream it with open()");
        }
        try (InputStream in = open()) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code sha256:<hex>} of the whole content, computed by streaming it once. */
    public String sha256() {
        return sha256(open());
    }

    /** Reads {@code in} to its end and closes it; returns the {@code sha256:<hex>} of what it read. */
    public static String sha256(InputStream in) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            try (InputStream digesting = new DigestInputStream(in, sha256)) {
                digesting.transferTo(OutputStream.nullOutputStream());
            }
            return "sha256:" + HexFormat.of().formatHex(sha256.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void fill(long blockIndex, byte[] block) {
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + blockIndex);
        LongBuffer longs = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer();
        for (int i = 0; i < BLOCK / Long.BYTES; i++) {
            longs.put(i, random.nextLong());
        }
    }

    private final class Stream extends InputStream {
        private final byte[] block = new byte[BLOCK];
        private final long end;
        private long position;
        private long filledBlock = -1;

        Stream(long start, long end) {
            this.position = start;
            this.end = end;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] target, int offset, int length) {
            if (position >= end) {
                return -1;
            }
            long blockIndex = position / BLOCK;
            if (blockIndex != filledBlock) {
                fill(blockIndex, block);
                filledBlock = blockIndex;
            }
            int within = (int) (position % BLOCK);
            int n = (int) Math.min(Math.min(length, BLOCK - within), end - position);
            System.arraycopy(block, within, target, offset, n);
            position += n;
            return n;
        }

        @Override
        public int available() {
            return (int) Math.min(Integer.MAX_VALUE, end - position);
        }
    }
}
