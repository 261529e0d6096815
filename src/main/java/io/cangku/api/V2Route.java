package io.cangku.api;

import io.cangku.oci.RegistryException;
import io.cangku.oci.RepositoryName;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * A parsed {@code /v2} path. Repository names contain slashes ({@code team/app/api}, even
 * {@code a/blobs/b}), so the path is matched from its right end, where the resource suffix is fixed, as
 * distribution's {@code routes.go} does. The raw (still percent-encoded) path is split on {@code /} first and
 * each segment decoded after, so an encoded slash or dot can never change how the path is cut: {@code %2F}
 * and {@code %2e%2e} end up inside one segment and fail the name grammar.
 */
public sealed interface V2Route {

    /** {@code /v2/} itself. */
    record Base() implements V2Route {
    }

    /** {@code /v2/_catalog}. */
    record Catalog() implements V2Route {
    }

    /** {@code /v2/<name>/tags/list}. */
    record TagList(RepositoryName name) implements V2Route {
    }

    /** {@code /v2/<name>/manifests/<reference>}. */
    record Manifest(RepositoryName name, String reference) implements V2Route {
    }

    /** {@code /v2/<name>/blobs/<digest>}. */
    record Blob(RepositoryName name, String digest) implements V2Route {
    }

    /** {@code /v2/<name>/blobs/uploads/}. */
    record UploadStart(RepositoryName name) implements V2Route {
    }

    /** {@code /v2/<name>/blobs/uploads/<id>}. */
    record Upload(RepositoryName name, String id) implements V2Route {
    }

    /** {@code /v2/<name>/referrers/<digest>}. */
    record Referrers(RepositoryName name, String digest) implements V2Route {
    }

    /** The repository this route names, or null for {@link Base} and {@link Catalog}. */
    default RepositoryName repository() {
        return switch (this) {
            case TagList r -> r.name();
            case Manifest r -> r.name();
            case Blob r -> r.name();
            case UploadStart r -> r.name();
            case Upload r -> r.name();
            case Referrers r -> r.name();
            case Base b -> null;
            case Catalog c -> null;
        };
    }

    /**
     * The route's template, such as {@code /v2/{name}/manifests/{reference}}: what metrics and the access log
     * name a request by, so a repository name, tag or digest never becomes a label value.
     */
    default String template() {
        return switch (this) {
            case Base b -> "/v2/";
            case Catalog c -> "/v2/_catalog";
            case TagList r -> "/v2/{name}/tags/list";
            case Manifest r -> "/v2/{name}/manifests/{reference}";
            case Blob r -> "/v2/{name}/blobs/{digest}";
            case UploadStart r -> "/v2/{name}/blobs/uploads/";
            case Upload r -> "/v2/{name}/blobs/uploads/{uuid}";
            case Referrers r -> "/v2/{name}/referrers/{digest}";
        };
    }

    // distribution routes.go: upload ids are [a-zA-Z0-9-_.=]+; a ':' therefore means a digest.
    Pattern UPLOAD_ID = Pattern.compile("[a-zA-Z0-9._=-]+");

    /**
     * Parses the raw request path (as sent, percent-encoded, without query).
     *
     * @throws RegistryException NAME_INVALID for a bad name, or a 404 for a path that is no endpoint
     */
    static V2Route parse(String rawPath) {
        String path = rawPath;
        if (!path.startsWith("/v2")) {
            throw notFound(rawPath);
        }
        path = path.substring(3);
        if (path.isEmpty() || path.equals("/")) {
            return new Base();
        }
        if (!path.startsWith("/")) {
            throw notFound(rawPath);
        }
        boolean trailingSlash = path.endsWith("/");
        String[] raw = path.substring(1).split("/", -1);
        String[] s = Arrays.stream(raw).map(V2Route::decode).toArray(String[]::new);
        int n = s.length;
        if (n == 1 && s[0].equals("_catalog")) {
            return new Catalog();
        }
        if (trailingSlash && n >= 3 && s[n - 3].equals("blobs") && s[n - 2].equals("uploads")) {
            return new UploadStart(name(s, n - 3));
        }
        if (n >= 3 && s[n - 2].equals("tags") && s[n - 1].equals("list")) {
            return new TagList(name(s, n - 2));
        }
        if (n >= 3 && s[n - 2].equals("manifests")) {
            return new Manifest(name(s, n - 2), s[n - 1]);
        }
        if (n >= 3 && s[n - 2].equals("referrers")) {
            return new Referrers(name(s, n - 2), s[n - 1]);
        }
        if (n >= 4 && s[n - 3].equals("blobs") && s[n - 2].equals("uploads") && UPLOAD_ID.matcher(s[n - 1]).matches()) {
            return new Upload(name(s, n - 3), s[n - 1]);
        }
        if (n >= 3 && s[n - 2].equals("blobs") && s[n - 1].equals("uploads")) {
            return new UploadStart(name(s, n - 2));
        }
        if (n >= 3 && s[n - 2].equals("blobs")) {
            return new Blob(name(s, n - 2), s[n - 1]);
        }
        throw notFound(rawPath);
    }

    private static RepositoryName name(String[] segments, int end) {
        return RepositoryName.parse(String.join("/", Arrays.copyOfRange(segments, 0, end)));
    }

    private static String decode(String segment) {
        if (segment.indexOf('%') < 0) {
            return segment;
        }
        try {
            // '+' stays '+' in a path; URLDecoder would turn it into a space
            String decoded = URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
            // An encoded slash must not split a name: keep the segment raw, and its '%' fails the grammar.
            return decoded.indexOf('/') >= 0 ? segment : decoded;
        } catch (IllegalArgumentException e) {
            return segment; // malformed escape: leave it, the grammar rejects the '%'
        }
    }

    private static RegistryException notFound(String rawPath) {
        String shown = rawPath.length() > 120 ? rawPath.substring(0, 120) + "…" : rawPath;
        return new V2Exceptions.UnknownEndpoint("no such endpoint: " + shown);
    }
}
