package io.cangku.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes a POSIX ustar archive of directories and regular files, enough for image layers. Every header field
 * is fixed (owner root, one timestamp), so the same entries always give the same bytes and thus the same
 * diff_id. Names are limited to 100 bytes; test layers need no more.
 */
final class TarWriter implements AutoCloseable {

    private static final int BLOCK = 512;
    /** 2024-01-01T00:00:00Z: a fixed mtime keeps layers reproducible. */
    static final long MTIME_SECONDS = 1_704_067_200L;

    private final OutputStream out;

    TarWriter(OutputStream out) {
        this.out = out;
    }

    void directory(String name) throws IOException {
        String dirName = name.endsWith("/") ? name : name + "/";
        out.write(header(dirName, 0, '5', 0755));
    }

    void file(String name, byte[] content) throws IOException {
        out.write(header(name, content.length, '0', 0644));
        out.write(content);
        int padding = (BLOCK - content.length % BLOCK) % BLOCK;
        out.write(new byte[padding]);
    }

    /** Writes the two zero blocks that end an archive; does not close the underlying stream. */
    @Override
    public void close() throws IOException {
        out.write(new byte[2 * BLOCK]);
        out.flush();
    }

    private static byte[] header(String name, long size, char type, int mode) {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        if (nameBytes.length > 100) {
            throw new IllegalArgumentException("tar entry name longer than 100 bytes: " + name);
        }
        byte[] header = new byte[BLOCK];
        System.arraycopy(nameBytes, 0, header, 0, nameBytes.length);
        octal(header, 100, 8, mode);
        octal(header, 108, 8, 0);                // uid
        octal(header, 116, 8, 0);                // gid
        octal(header, 124, 12, size);
        octal(header, 136, 12, MTIME_SECONDS);
        header[156] = (byte) type;
        ascii(header, 257, "ustar\0");
        ascii(header, 263, "00");
        ascii(header, 265, "root");              // uname
        ascii(header, 297, "root");              // gname
        // The checksum is computed with its own field read as eight spaces (POSIX ustar).
        Arrays.fill(header, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte b : header) {
            sum += b & 0xff;
        }
        String checksum = String.format("%06o", sum);
        ascii(header, 148, checksum);
        header[154] = 0;
        header[155] = ' ';
        return header;
    }

    /** A zero-padded octal number that fills {@code length - 1} bytes, followed by NUL. */
    private static void octal(byte[] header, int offset, int length, long value) {
        String digits = Long.toOctalString(value);
        if (digits.length() > length - 1) {
            throw new IllegalArgumentException("value too large for a tar header field: " + value);
        }
        ascii(header, offset, "0".repeat(length - 1 - digits.length()) + digits);
        header[offset + length - 1] = 0;
    }

    private static void ascii(byte[] header, int offset, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, header, offset, bytes.length);
    }
}
