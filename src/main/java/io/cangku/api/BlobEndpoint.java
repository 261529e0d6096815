package io.cangku.api;

import io.cangku.auth.AuditLog;
import io.cangku.auth.RegistryAccess;
import io.cangku.oci.Digest;
import io.cangku.oci.OciError;
import io.cangku.oci.RegistryException;
import io.cangku.registry.BlobInfo;
import io.cangku.registry.BlobService;
import io.cangku.registry.RegistryProperties;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** {@code GET}, {@code HEAD} and {@code DELETE /v2/<name>/blobs/<digest>}. */
@Component
class BlobEndpoint {

    // Tomcat's sendfile hand-off (org.apache.catalina.Globals): the connector copies file to socket in the kernel.
    private static final String SENDFILE_SUPPORTED = "org.apache.tomcat.sendfile.support";
    private static final String SENDFILE_FILENAME = "org.apache.tomcat.sendfile.filename";
    private static final String SENDFILE_START = "org.apache.tomcat.sendfile.start";
    private static final String SENDFILE_END = "org.apache.tomcat.sendfile.end";
    private static final Duration REDIRECT_TTL = Duration.ofMinutes(15);
    private static final int COPY_BUFFER_BYTES = 256 * 1024;

    private final BlobService blobs;
    private final RegistryProperties properties;
    private final RegistryAccess access;
    private final AuditLog audit;

    BlobEndpoint(BlobService blobs, RegistryProperties properties, RegistryAccess access, AuditLog audit) {
        this.blobs = blobs;
        this.properties = properties;
        this.access = access;
        this.audit = audit;
    }

    void get(V2Route.Blob route, HttpServletRequest request, HttpServletResponse response) throws IOException {
        Digest digest = Digest.parse(route.digest());
        BlobInfo blob = blobs.statInRepository(route.name(), digest)
                .orElseThrow(() -> new RegistryException(OciError.BLOB_UNKNOWN,
                        "blob " + digest + " is not in repository " + route.name(), Map.of("digest", digest.toString())));
        String etag = "\"" + digest + "\"";
        response.setHeader("Docker-Content-Digest", digest.toString());
        response.setHeader("ETag", etag);
        response.setHeader("Accept-Ranges", "bytes");
        response.setHeader("Cache-Control", "max-age=31536000");
        if (etag.equals(request.getHeader("If-None-Match"))) {
            response.setStatus(304);
            return;
        }
        boolean head = "HEAD".equals(request.getMethod());
        if (!head) {
            Optional<URI> direct = blobs.directUrl(digest, REDIRECT_TTL);
            if (direct.isPresent()) {
                response.setStatus(307);
                response.setHeader("Location", direct.get().toString());
                return;
            }
        }
        Optional<ByteRange> range;
        try {
            range = ByteRange.parse(request.getHeader("Range"), blob.sizeBytes());
        } catch (ByteRange.UnsatisfiableException e) {
            throw new V2Exceptions.RangeNotSatisfiable(
                    "requested range is outside the blob's " + blob.sizeBytes() + " bytes", blob.sizeBytes());
        }
        long start = range.map(ByteRange::start).orElse(0L);
        long length = range.map(ByteRange::length).orElse(blob.sizeBytes());
        response.setContentType("application/octet-stream");
        response.setContentLengthLong(length);
        if (range.isPresent()) {
            response.setStatus(206);
            response.setHeader("Content-Range",
                    "bytes " + start + "-" + range.get().endInclusive() + "/" + blob.sizeBytes());
        } else {
            response.setStatus(200);
        }
        if (head || length == 0) {
            return;
        }
        Optional<Path> file = blobs.localFile(digest);
        if (file.isPresent() && Boolean.TRUE.equals(request.getAttribute(SENDFILE_SUPPORTED))) {
            request.setAttribute(SENDFILE_FILENAME, file.get().toString());
            request.setAttribute(SENDFILE_START, start);
            request.setAttribute(SENDFILE_END, start + length);
            return;
        }
        try (InputStream in = blobs.open(digest, start, length)) {
            copy(in, response.getOutputStream());
        }
    }

    /** Streams in large writes (transferTo's 16 KiB means eight times the socket writes for remote storage). */
    private static void copy(InputStream in, java.io.OutputStream out) throws IOException {
        byte[] buffer = new byte[COPY_BUFFER_BYTES];
        int n;
        while ((n = in.readNBytes(buffer, 0, buffer.length)) > 0) {
            out.write(buffer, 0, n);
        }
    }

    void delete(V2Route.Blob route, HttpServletRequest request, HttpServletResponse response) throws IOException {
        requireDeletesEnabled(properties);
        Digest digest = Digest.parse(route.digest());
        if (!blobs.unlink(route.name(), digest)) {
            throw new RegistryException(OciError.BLOB_UNKNOWN, "blob " + digest + " is not in repository " + route.name(),
                    Map.of("digest", digest.toString()));
        }
        response.setStatus(202);
        response.setContentLength(0);
        audit.record(access.actor(), "delete-blob", route.name() + "@" + digest, request.getRemoteAddr(), "ok");
    }

    static void requireDeletesEnabled(RegistryProperties properties) {
        if (!properties.delete().enabled()) {
            throw new RegistryException(OciError.UNSUPPORTED,
                    "deletes are disabled on this registry (registry.delete.enabled=false)");
        }
    }
}
