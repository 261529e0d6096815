package io.cangku.api;

import io.cangku.oci.OciError;
import io.cangku.oci.RegistryException;
import io.cangku.registry.RegistryProperties;
import jakarta.servlet.http.HttpServletRequest;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/** Access to request bodies as streams (never as whole arrays, except bounded manifest reads). */
final class RequestBodies {

    private RequestBodies() {
    }

    /** True when the request carries a body: a positive Content-Length or chunked transfer encoding. */
    static boolean hasBody(HttpServletRequest request) {
        long length = request.getContentLengthLong();
        if (length > 0) {
            return true;
        }
        String transferEncoding = request.getHeader("Transfer-Encoding");
        return length < 0 && transferEncoding != null && transferEncoding.toLowerCase(Locale.ROOT).contains("chunked");
    }

    /** The declared Content-Length, or null when the body is chunked. */
    static Long declaredLength(HttpServletRequest request) {
        long length = request.getContentLengthLong();
        return length < 0 ? null : length;
    }

    /** The body stream; a read failure is reported as the client's fault ({@link ClientBodyException}). */
    static InputStream stream(HttpServletRequest request) throws IOException {
        return new FilterInputStream(request.getInputStream()) {
            @Override
            public int read() throws IOException {
                try {
                    return super.read();
                } catch (ClientBodyException e) {
                    throw e;
                } catch (IOException e) {
                    throw new ClientBodyException(e);
                }
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                try {
                    return super.read(b, off, len);
                } catch (IOException e) {
                    throw new ClientBodyException(e);
                }
            }
        };
    }

    /**
     * The body of an upload request ({@link #stream}), cut when it arrives slower than
     * {@code registry.uploads.min-body-rate} or takes longer than {@code registry.uploads.body-timeout}
     * ({@link PacedBodyInputStream.TooSlowException}).
     */
    static InputStream uploadStream(HttpServletRequest request, RegistryProperties.Uploads limits) throws IOException {
        return new PacedBodyInputStream(stream(request), limits.minBodyRate().toBytes(), limits.bodyRateWindow(),
                limits.bodyTimeout());
    }

    /** Reads at most {@code max} bytes; a longer body is refused with {@code tooLarge} before it is all read. */
    static byte[] readBounded(HttpServletRequest request, int max, RegistryException tooLarge) throws IOException {
        long declared = request.getContentLengthLong();
        if (declared > max) {
            throw tooLarge;
        }
        try (InputStream in = stream(request)) {
            byte[] bytes = in.readNBytes(max + 1);
            if (bytes.length > max) {
                throw tooLarge;
            }
            if (declared >= 0 && bytes.length != declared) {
                throw new RegistryException(OciError.SIZE_INVALID,
                        "received " + bytes.length + " bytes but Content-Length declared " + declared);
            }
            return bytes;
        }
    }
}
