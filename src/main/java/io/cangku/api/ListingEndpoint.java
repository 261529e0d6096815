package io.cangku.api;

import io.cangku.auth.RegistryAccess;
import io.cangku.oci.Descriptor;
import io.cangku.oci.Digest;
import io.cangku.oci.MediaTypes;
import io.cangku.oci.OciError;
import io.cangku.oci.RegistryException;
import io.cangku.registry.Listing;
import io.cangku.registry.ReferrersService;
import io.cangku.registry.RegistryProperties;
import io.cangku.registry.RepositoryCatalog;
import io.cangku.registry.TagService;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The paginated listings: tags ({@code /v2/<name>/tags/list}), the catalog ({@code /v2/_catalog}) and
 * referrers ({@code /v2/<name>/referrers/<digest>}). Pagination follows the spec: {@code n} and
 * {@code last} in, a {@code Link: <...>; rel="next"} header out when more follow.
 */
@Component
class ListingEndpoint {

    private final TagService tags;
    private final RepositoryCatalog catalog;
    private final ReferrersService referrers;
    private final JsonMapper json;
    private final int maxPageSize;
    private final RegistryAccess access;
    private final CatalogCursor cursors;
    private final int catalogScanLimit;

    /** Catalog names examined per storage listing when filtering for the caller. */
    private static final int CATALOG_SCAN_PAGE = 1000;

    ListingEndpoint(TagService tags, RepositoryCatalog catalog, ReferrersService referrers, JsonMapper json,
                    RegistryProperties properties, RegistryAccess access, CatalogCursor cursors) {
        this.access = access;
        this.cursors = cursors;
        this.catalogScanLimit = properties.listing().catalogScanLimit();
        this.tags = tags;
        this.catalog = catalog;
        this.referrers = referrers;
        this.json = json;
        this.maxPageSize = properties.listing().maxPageSize();
    }

    void tags(V2Route.TagList route, HttpServletRequest request, HttpServletResponse response) throws IOException {
        int n = pageSize(request);
        String last = QueryParameters.of(request).get("last");
        Listing<String> page = tags.list(route.name(), last, n);
        if (page.more() && !page.items().isEmpty()) {
            link(response, "/v2/" + route.name() + "/tags/list", n, page.items().getLast());
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", route.name().value());
        body.put("tags", page.items());
        writeJson(response, "application/json", body);
    }

    void catalog(HttpServletRequest request, HttpServletResponse response) throws IOException {
        int n = pageSize(request);
        CatalogPage page = n == 0 ? new CatalogPage(List.of(), null)
                : visibleRepositories(QueryParameters.of(request).get("last"), n);
        if (page.continueAfter() != null) {
            link(response, "/v2/_catalog", n, page.continueAfter());
        }
        writeJson(response, "application/json", Map.of("repositories", page.names()));
    }

    void referrers(V2Route.Referrers route, HttpServletRequest request, HttpServletResponse response) throws IOException {
        Digest subject;
        try {
            subject = Digest.parse(route.digest());
        } catch (RegistryException e) {
            throw new RegistryException(OciError.DIGEST_INVALID, e.getMessage());
        }
        String artifactType = QueryParameters.of(request).get("artifactType");
        if (artifactType != null && artifactType.isEmpty()) {
            artifactType = null;
        }
        int n = pageSize(request);
        Listing<Descriptor> page = n == 0 ? new Listing<>(List.of(), false)
                : referrers.list(route.name(), subject, artifactType, QueryParameters.of(request).get("last"), n);
        if (artifactType != null) {
            // distribution-spec v1.1, listing referrers: say that the filter was applied
            response.setHeader("OCI-Filters-Applied", "artifactType");
        }
        if (page.more() && !page.items().isEmpty()) {
            String next = "/v2/" + route.name() + "/referrers/" + subject + "?n=" + n + "&last="
                    + encode(page.items().getLast().digest())
                    + (artifactType == null ? "" : "&artifactType=" + encode(artifactType));
            response.setHeader("Link", "<" + next + ">; rel=\"next\"");
        }
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("schemaVersion", 2);
        index.put("mediaType", MediaTypes.OCI_INDEX);
        index.put("manifests", page.items());
        writeJson(response, MediaTypes.OCI_INDEX, index);
    }

    /**
     * One catalog page of only the repositories the caller may pull. Names are examined in internal pages of
     * up to {@value #CATALOG_SCAN_PAGE}, stopping as soon as the caller's page is full, and after at most
     * {@code catalogScanLimit} names: a caller who sees few repositories would otherwise make one request
     * examine the whole catalog. Stopped early, the page is shorter than {@code n} (the spec allows that when a
     * {@code Link} follows) and continues after the last name examined, sealed when the caller may not see it.
     */
    private CatalogPage visibleRepositories(String last, int n) throws IOException {
        Predicate<String> visible = access.pullableRepositories();
        List<String> names = new ArrayList<>(Math.min(n, CATALOG_SCAN_PAGE));
        String after = CatalogCursor.isSealed(last) ? cursors.open(last) : last;
        int scanned = 0;
        int scanLimit = Math.max(catalogScanLimit, n); // a caller who sees everything always gets full pages
        Listing<String> page;
        do {
            int want = Math.min(CATALOG_SCAN_PAGE, scanLimit - scanned);
            page = catalog.list(after, want);
            for (String name : page.items()) {
                if (visible.test(name)) {
                    if (names.size() == n) {
                        return new CatalogPage(names, names.getLast());
                    }
                    names.add(name);
                }
                after = name;
                scanned++;
            }
            if (names.size() == n && page.more()) {
                return new CatalogPage(names, names.getLast());
            }
        } while (page.more() && scanned < scanLimit);
        if (!page.more()) {
            return new CatalogPage(names, null);
        }
        // the scan limit is reached: continue after the last name examined, which may be one the caller cannot see
        boolean lastIsVisible = !names.isEmpty() && names.getLast().equals(after);
        return new CatalogPage(names, lastIsVisible ? after : cursors.seal(after));
    }

    /** Names for the caller, and the {@code last} of the next page's link (null at the end). */
    private record CatalogPage(List<String> names, String continueAfter) {
    }

    private int pageSize(HttpServletRequest request) {
        String n = QueryParameters.of(request).get("n");
        if (n == null || n.isEmpty()) {
            return maxPageSize;
        }
        try {
            int value = Integer.parseInt(n);
            if (value < 0) {
                throw new NumberFormatException();
            }
            return Math.min(value, maxPageSize);
        } catch (NumberFormatException e) {
            throw new RegistryException(OciError.PAGINATION_NUMBER_INVALID,
                    "n must be a non-negative integer, got '" + (n.length() > 20 ? n.substring(0, 20) : n) + "'");
        }
    }

    private static void link(HttpServletResponse response, String path, int n, String last) {
        response.setHeader("Link", "<" + path + "?n=" + n + "&last=" + encode(last) + ">; rel=\"next\"");
    }

    private void writeJson(HttpServletResponse response, String contentType, Object body) throws IOException {
        byte[] bytes = json.writeValueAsBytes(body);
        response.setStatus(200);
        response.setContentType(contentType);
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
