package io.cangku.registry;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Fails at end of stream when the byte count differs from what the client declared, so a store that
 * appends all-or-nothing discards a truncated or padded chunk. Reading past the declared length also
 * fails, which bounds the bytes a lying client can make us write.
 */
final class LengthCheckingInputStream extends FilterInputStream {

    static final class LengthMismatchException extends IOException {
        LengthMismatchException(String message) {
            super(message);
        }
    }

    private final Long declared;
    private long count;

    LengthCheckingInputStream(InputStream in, Long declared) {
        super(in);
        this.declared = declared;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        account(b < 0 ? -1 : 1);
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        account(n);
        return n;
    }

    private void account(int n) throws LengthMismatchException {
        if (n < 0) {
            if (declared != null && count != declared) {
                throw new LengthMismatchException("received " + count + " bytes but Content-Length declared " + declared);
            }
            return;
        }
        count += n;
        if (declared != null && count > declared) {
            throw new LengthMismatchException("received more than the " + declared + " bytes Content-Length declared");
        }
    }
}
