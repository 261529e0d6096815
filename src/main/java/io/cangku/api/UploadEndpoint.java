package io.cangku.api;

import io.cangku.auth.RegistryAccess;
import io.cangku.auth.Scope;
import io.cangku.oci.Digest;
import io.cangku.oci.OciError;
import io.cangku.oci.RegistryException;
import io.cangku.oci.RepositoryName;
import io.cangku.oci.UploadRangeException;
import io.cangku.registry.BlobInfo;
import io.cangku.registry.BlobService;
import io.cangku.registry.RegistryProperties;
import io.cangku.registry.UploadService;
import io.cangku.registry.UploadService.UploadStatus;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Blob uploads ({@code /v2/<name>/blobs/uploads/...}): single-request (POST with digest), two-step
 * (POST, then PUT with the body), streamed and chunked PATCHes, status, cancel, and cross-repository mount.
 */
@Component
class UploadEndpoint {

    // distribution-spec: Content-Range: <start>-<end>, inclusive; tolerate a "bytes " or "bytes=" unit prefix.
    private static final Pattern CONTENT_RANGE = Pattern.compile("(?:bytes[ =])?(\\d{1,18})-(\\d{1,18})(?:/(?:\\d+|\\*))?");

    private final UploadService uploads;
    private final BlobService blobs;
    private final RegistryAccess access;
    private final RegistryProperties.Uploads limits;

    UploadEndpoint(UploadService uploads, BlobService blobs, RegistryAccess access, RegistryProperties properties) {
        this.uploads = uploads;
        this.blobs = blobs;
        this.access = access;
        this.limits = properties.uploads();
    }

    void start(V2Route.UploadStart route, HttpServletRequest request, HttpServletResponse response) throws IOException {
        RepositoryName name = route.name();
        String digestParam = QueryParameters.of(request).get("digest");
        String mount = QueryParameters.of(request).get("mount");
        if (mount != null && !mount.isEmpty()) {
            Digest digest = Digest.parse(mount);
            String from = QueryParameters.of(request).get("from");
            if (from != null && !from.isEmpty() && RepositoryName.isValid(from)) {
                RepositoryName source = RepositoryName.parse(from);
                // a mount reads the source repository, so the caller's token must grant pull there
                if (access.isGranted(Scope.repository(source.value(), Set.of(Scope.PULL))) && blobs.mount(source, name, digest)) {
                    created(response, name, digest);
                    return;
                }
            }
            // The blob is not available to mount: the spec asks for an ordinary upload session instead.
        } else if (digestParam != null) {
            Digest digest = Digest.parse(digestParam);
            BlobInfo blob;
            try {
                blob = uploads.uploadWhole(name, digest, RequestBodies.declaredLength(request), RequestBodies.uploadStream(request, limits));
            } catch (IOException e) {
                throw tooSlowOr(e, null);
            }
            created(response, name, blob.digest());
            return;
        }
        UploadStatus status = uploads.start(name, owner(request));
        accepted(response, name, status, 202);
    }

    void status(V2Route.Upload route, HttpServletResponse response) throws IOException {
        UploadStatus status = uploads.status(route.name(), route.id());
        accepted(response, route.name(), status, 204);
    }

    void patch(V2Route.Upload route, HttpServletRequest request, HttpServletResponse response) throws IOException {
        Long rangeStart = null;
        Long declared = RequestBodies.declaredLength(request);
        String contentRange = request.getHeader("Content-Range");
        if (contentRange != null) {
            long[] range = parseContentRange(route, contentRange);
            rangeStart = range[0];
            long rangeLength = range[1] - range[0] + 1;
            if (declared != null && declared != rangeLength) {
                throw rangeInvalid(route, "Content-Range " + contentRange + " spans " + rangeLength
                        + " bytes but Content-Length is " + declared);
            }
            if (declared == null) {
                declared = rangeLength;
            }
        }
        UploadStatus status;
        try {
            status = uploads.append(route.name(), route.id(), rangeStart, declared, RequestBodies.uploadStream(request, limits));
        } catch (IOException e) {
            throw tooSlowOr(e, route);
        }
        accepted(response, route.name(), status, 202);
    }

    void complete(V2Route.Upload route, HttpServletRequest request, HttpServletResponse response) throws IOException {
        String digestParam = QueryParameters.of(request).get("digest");
        if (digestParam == null || digestParam.isEmpty()) {
            throw new RegistryException(OciError.DIGEST_INVALID,
                    "completing an upload needs ?digest=<algorithm>:<hex> naming the whole blob's digest");
        }
        Digest digest = Digest.parse(digestParam);
        InputStream finalChunk = null;
        Long rangeStart = null;
        Long declared = RequestBodies.declaredLength(request);
        if (RequestBodies.hasBody(request)) {
            String contentRange = request.getHeader("Content-Range");
            if (contentRange != null) {
                rangeStart = parseContentRange(route, contentRange)[0];
            }
            finalChunk = RequestBodies.uploadStream(request, limits);
        }
        BlobInfo blob;
        try {
            blob = uploads.complete(route.name(), route.id(), digest, rangeStart, declared, finalChunk);
        } catch (IOException e) {
            throw tooSlowOr(e, route);
        }
        created(response, route.name(), blob.digest());
    }

    void cancel(V2Route.Upload route, HttpServletResponse response) throws IOException {
        uploads.cancel(route.name(), route.id());
        response.setStatus(204);
        response.setContentLength(0);
    }

    /**
     * Whose limit of open sessions a new session counts against: the signed-in account, or for anonymous
     * callers (and an open registry) the client's address.
     */
    private String owner(HttpServletRequest request) {
        String account = access.actor();
        return account != null ? "account:" + account : "address:" + request.getRemoteAddr();
    }

    /**
     * A body cut for arriving too slowly becomes 408 naming the limit and, for a session, the offset it kept
     * (the chunk was discarded whole), so the client can resume from there; the connection is closed, since the
     * rest of the body is still in flight. Any other failure is rethrown as it is.
     */
    private IOException tooSlowOr(IOException e, V2Route.Upload route) throws IOException {
        PacedBodyInputStream.TooSlowException slow = null;
        for (Throwable t = e; t != null && slow == null; t = t.getCause()) {
            if (t instanceof PacedBodyInputStream.TooSlowException s) {
                slow = s;
            }
        }
        if (slow == null) {
            return e;
        }
        String reason = slow.getCause().getMessage();
        if (route == null) {
            throw new V2Exceptions.BodyTooSlow(reason + "; nothing was stored", null, 0);
        }
        UploadStatus status = uploads.status(route.name(), route.id());
        throw new V2Exceptions.BodyTooSlow(reason + "; this chunk was discarded and the upload holds "
                + status.offset() + " bytes: resume from offset " + status.offset(), status.id(), status.offset());
    }

    private static void created(HttpServletResponse response, RepositoryName name, Digest digest) {
        response.setStatus(201);
        response.setHeader("Location", "/v2/" + name + "/blobs/" + digest);
        response.setHeader("Docker-Content-Digest", digest.toString());
        response.setContentLength(0);
    }

    private static void accepted(HttpServletResponse response, RepositoryName name, UploadStatus status, int code) {
        response.setStatus(code);
        response.setHeader("Location", sessionLocation(name, status.id()));
        response.setHeader("Range", OciErrorWriter.uploadRange(status.offset()));
        response.setHeader("Docker-Upload-UUID", status.id());
        response.setContentLength(0);
    }

    private long[] parseContentRange(V2Route.Upload route, String header) throws IOException {
        Matcher m = CONTENT_RANGE.matcher(header.trim());
        if (!m.matches()) {
            throw rangeInvalid(route, "Content-Range must be <start>-<end>, got '" + abbreviate(header) + "'");
        }
        long start = Long.parseLong(m.group(1));
        long end = Long.parseLong(m.group(2));
        if (end < start) {
            throw rangeInvalid(route, "Content-Range " + header + " ends before it starts");
        }
        return new long[] {start, end};
    }

    private RegistryException rangeInvalid(V2Route.Upload route, String message) throws IOException {
        UploadStatus status = uploads.status(route.name(), route.id());
        return new UploadRangeException(status.id(), status.offset(), message);
    }

    private static String sessionLocation(RepositoryName name, String id) {
        return "/v2/" + name + "/blobs/uploads/" + id;
    }

    private static String abbreviate(String text) {
        return text.length() > 60 ? text.substring(0, 60) + "…" : text;
    }
}
