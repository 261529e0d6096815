package io.cangku.api;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;

/**
 * Cuts a request body that arrives too slowly: each window of {@code window} must bring at least
 * {@code minBytesPerSecond × window} bytes, and the whole body must arrive within {@code timeout}. Without it a
 * client trickling a byte every few seconds keeps a request (and whatever that request holds) busy for as
 * long as it likes; the socket read timeout alone only catches a client that sends nothing at all.
 *
 * <p>Checked as reads return, so a read that blocks is bounded by the connector's socket timeout
 * ({@code server.tomcat.connection-timeout}), and every read after it by the rate.
 */
final class PacedBodyInputStream extends FilterInputStream {

    /** The body came too slowly or for too long; what was read so far is to be discarded. */
    static final class TooSlowException extends ClientBodyException {
        TooSlowException(String message) {
            super(new IOException(message));
        }
    }

    private final long minBytesPerWindow;
    private final long windowNanos;
    private final long timeoutNanos;
    private final long started;
    private final String rateDescription;
    private final Duration timeout;
    private long windowStart;
    private long windowBytes;

    PacedBodyInputStream(InputStream in, long minBytesPerSecond, Duration window, Duration timeout) {
        super(in);
        this.windowNanos = window.toNanos();
        this.minBytesPerWindow = (long) (minBytesPerSecond * (windowNanos / 1e9));
        this.timeoutNanos = timeout.toNanos();
        this.timeout = timeout;
        this.rateDescription = minBytesPerSecond + " bytes/s over " + window.toSeconds() + " s";
        this.started = System.nanoTime();
        this.windowStart = started;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        account(b < 0 ? 0 : 1);
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        account(Math.max(n, 0));
        return n;
    }

    private void account(int n) throws TooSlowException {
        long now = System.nanoTime();
        windowBytes += n;
        if (now - started > timeoutNanos) {
            throw new TooSlowException("the body took longer than registry.uploads.body-timeout (" + timeout + ")");
        }
        if (now - windowStart >= windowNanos) {
            if (windowBytes < minBytesPerWindow) {
                throw new TooSlowException("the body arrived at less than registry.uploads.min-body-rate ("
                        + rateDescription + ")");
            }
            windowStart = now;
            windowBytes = 0;
        }
    }
}
