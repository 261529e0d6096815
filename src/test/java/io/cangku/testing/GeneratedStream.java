package io.cangku.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * {@code size} pseudo-random bytes from a seed (xorshift64*), generated as they are read: the same seed
 * gives the same bytes however they are read, so a test can push gigabytes and check them without ever
 * holding them, here or in a file.
 */
public final class GeneratedStream extends InputStream {

    private long state;
    private long remaining;
    private long word;
    private int wordBytesLeft;

    public GeneratedStream(long seed, long size) {
        this.state = seed == 0 ? 0x9E3779B97F4A7C15L : seed;
        this.remaining = size;
    }

    @Override
    public int read() {
        if (remaining <= 0) {
            return -1;
        }
        remaining--;
        return nextByte() & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (remaining <= 0) {
            return len == 0 ? 0 : -1;
        }
        int n = (int) Math.min(len, remaining);
        int i = off;
        int end = off + n;
        while (i < end && wordBytesLeft > 0) {
            b[i++] = nextByte();
        }
        while (end - i >= 8) {
            long w = nextWord();
            for (int k = 0; k < 8; k++) {
                b[i++] = (byte) w;
                w >>>= 8;
            }
        }
        while (i < end) {
            b[i++] = nextByte();
        }
        remaining -= n;
        return n;
    }

    @Override
    public int available() {
        return (int) Math.min(Integer.MAX_VALUE, remaining);
    }

    private byte nextByte() {
        if (wordBytesLeft == 0) {
            word = nextWord();
            wordBytesLeft = 8;
        }
        byte b = (byte) word;
        word >>>= 8;
        wordBytesLeft--;
        return b;
    }

    private long nextWord() {
        long x = state;
        x ^= x >>> 12;
        x ^= x << 25;
        x ^= x >>> 27;
        state = x;
        return x * 0x2545F4914F6CDD1DL;
    }

    /** The {@code sha256:<hex>} digest of the bytes {@code new GeneratedStream(seed, size)} yields. */
    public static String sha256(long seed, long size) {
        return sha256(new GeneratedStream(seed, size));
    }

    /** Reads the stream to its end and closes it; returns its {@code sha256:<hex>} digest. */
    public static String sha256(InputStream in) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (InputStream digesting = new DigestInputStream(in, md)) {
                digesting.transferTo(OutputStream.nullOutputStream());
            }
            return "sha256:" + HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
