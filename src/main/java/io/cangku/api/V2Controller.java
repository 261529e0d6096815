package io.cangku.api;

import io.cangku.auth.RegistryAccess;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.HttpRequestHandler;

import java.io.IOException;
import java.util.List;

/**
 * The single entry point of {@code /v2}: parses the path with {@link V2Route} and hands the request to the
 * endpoint of that resource. (Spring's path patterns cannot capture a multi-segment name in the middle of
 * a path, spring-framework#35213, hence one catch-all mapping and our own parser.)
 *
 * <p>A plain {@link HttpRequestHandler} behind a URL mapping of its own ({@link V2HandlerMapping}), not a
 * {@code @RequestMapping}: a catch-all pattern has no direct lookup, so Spring compared every request with
 * every mapping of the console and the admin API, then resolved arguments and built a model for a method
 * that takes the request and the response; 10 to 15 % of a 64-connection manifest GET profile
 * (bench/README.md). Whatever an endpoint throws goes to {@link OciErrorWriter}, which alone decides the answer.
 */
@Component
class V2Controller implements HttpRequestHandler {

    private final BaseEndpoint base;
    private final BlobEndpoint blobs;
    private final UploadEndpoint uploads;
    private final ManifestEndpoint manifests;
    private final ListingEndpoint listings;
    private final RegistryAccess access;
    private final OciErrorWriter errors;

    V2Controller(BaseEndpoint base, BlobEndpoint blobs, UploadEndpoint uploads, ManifestEndpoint manifests,
                 ListingEndpoint listings, RegistryAccess access, OciErrorWriter errors) {
        this.access = access;
        this.errors = errors;
        this.base = base;
        this.blobs = blobs;
        this.uploads = uploads;
        this.manifests = manifests;
        this.listings = listings;
    }

    @Override
    public void handleRequest(HttpServletRequest request, HttpServletResponse response) throws IOException {
        try {
            handle(request, response);
        } catch (Exception e) {
            errors.write(request, response, e);
        }
    }

    private void handle(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setHeader(OciErrorWriter.API_VERSION_HEADER, OciErrorWriter.API_VERSION);
        V2Route route = V2Routes.of(request);
        String method = request.getMethod();
        access.require(request, V2Access.required(route, method));
        switch (route) {
            case V2Route.Base r -> {
                allow(method, "GET", "HEAD");
                base.check(request, response);
            }
            case V2Route.Catalog r -> {
                allow(method, "GET");
                listings.catalog(request, response);
            }
            case V2Route.TagList r -> {
                allow(method, "GET");
                listings.tags(r, request, response);
            }
            case V2Route.Referrers r -> {
                allow(method, "GET");
                listings.referrers(r, request, response);
            }
            case V2Route.Manifest r -> {
                switch (allow(method, "GET", "HEAD", "PUT", "DELETE")) {
                    case "GET", "HEAD" -> manifests.get(r, request, response);
                    case "PUT" -> manifests.put(r, request, response);
                    default -> manifests.delete(r, request, response);
                }
            }
            case V2Route.Blob r -> {
                switch (allow(method, "GET", "HEAD", "DELETE")) {
                    case "GET", "HEAD" -> blobs.get(r, request, response);
                    default -> blobs.delete(r, request, response);
                }
            }
            case V2Route.UploadStart r -> {
                allow(method, "POST");
                uploads.start(r, request, response);
            }
            case V2Route.Upload r -> {
                switch (allow(method, "GET", "PATCH", "PUT", "DELETE")) {
                    case "GET" -> uploads.status(r, response);
                    case "PATCH" -> uploads.patch(r, request, response);
                    case "PUT" -> uploads.complete(r, request, response);
                    default -> uploads.cancel(r, response);
                }
            }
        }
    }

    private static String allow(String method, String... allowed) {
        for (String candidate : allowed) {
            if (candidate.equals(method)) {
                return method;
            }
        }
        throw new V2Exceptions.MethodNotAllowed(method + " is not supported here", List.of(allowed));
    }
}
