package io.cangku.api;

import io.cangku.auth.TokenAuthRegistry;
import io.cangku.auth.TokenHttp;
import io.cangku.auth.TokenHttp.Response;
import io.cangku.oci.RepositoryName;
import io.cangku.registry.RepositoryCatalog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import static io.cangku.auth.TokenAuthRegistry.ADMIN;
import static io.cangku.auth.TokenAuthRegistry.ADMIN_PASSWORD;
import static io.cangku.auth.TokenHttp.bearer;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The catalog for a caller who may see few of many repositories, over real HTTP with token authentication:
 * each request examines a bounded number of names (here 500 of 3,000) and answers a shorter page with a
 * {@code Link} to continue, whose {@code last} never names a repository the caller cannot see. Before, one
 * {@code n=1} request examined the whole catalog, listing it once per name (quadratic: 85 s of CPU for 4,000).
 */
@DisplayName("Catalog filtered for the caller")
class FilteredCatalogTest {

    static final int INVISIBLE = 3000;
    static final int SCAN_LIMIT = 500;
    static final String CAROL = "carol";
    static final String CAROL_PASSWORD = "carol-password-3";
    /** Carol's own repository, and the three of the 3,000 that her rule lets her pull. */
    static final List<String> VISIBLE = List.of("carol/app", "team/r00500", "team/r01500", "team/r02500");

    static TokenAuthRegistry registry;
    static TokenHttp http;

    @BeforeAll
    static void startRegistry() throws Exception {
        registry = TokenAuthRegistry.with()
                .set("--registry.listing.catalog-scan-limit=" + SCAN_LIMIT)
                .user(CAROL, CAROL_PASSWORD)
                .rule("team/r*500", CAROL, "pull")
                .start();
        http = registry.http();
        http.pushImageAsAdmin("carol/app", "1");
        // the catalog's own registration, as a push does it, 3,000 times: pushing as many images takes far longer
        RepositoryCatalog catalog = registry.bean(RepositoryCatalog.class);
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<?>> writes = new ArrayList<>();
            for (int i = 0; i < INVISIBLE; i++) {
                RepositoryName name = RepositoryName.parse(String.format("team/r%05d", i));
                writes.add(pool.submit(() -> {
                    catalog.register(name);
                    return null;
                }));
            }
            for (Future<?> write : writes) {
                write.get();
            }
        }
    }

    @AfterAll
    static void stopRegistry() {
        registry.close();
    }

    @Test
    @DisplayName("a page stops after the scan limit, shorter than n, with a Link that continues where it stopped")
    void stopsAtTheScanLimit() {
        // given
        String token = http.token(CAROL, CAROL_PASSWORD, "registry:catalog:*");

        // when asking for 10 names after carol's own repository
        Response page = http.get("/v2/_catalog?n=10&last=carol/app", bearer(token));

        // then the first 500 names after it held nothing she may see: an empty page, and a link to go on
        assertThat(page.status()).isEqualTo(200);
        assertThat(names(page)).isEmpty();
        String last = lastOf(page);
        assertThat(last).startsWith("~").doesNotContain("team").doesNotContain("r00");

        // when following it
        Response next = http.get("/v2/_catalog?n=10&last=" + TokenHttp.encode(last), bearer(token));

        // then the next 500 names hold r00500
        assertThat(names(next)).containsExactly("team/r00500");
        assertThat(next.header("Link")).isNotNull();
    }

    @Test
    @DisplayName("following the links with n=1 visits every visible repository once, in order, in bounded steps")
    void walkWithPagesOfOne() {
        // given
        String token = http.token(CAROL, CAROL_PASSWORD, "registry:catalog:*");

        // when
        List<String> seen = new ArrayList<>();
        List<String> links = new ArrayList<>();
        String next = "/v2/_catalog?n=1";
        int requests = 0;
        while (next != null) {
            Response page = http.get(next, bearer(token));
            requests++;
            assertThat(page.status()).isEqualTo(200);
            assertThat(names(page)).hasSizeLessThanOrEqualTo(1);
            seen.addAll(names(page));
            next = linkOf(page);
            if (next != null) {
                links.add(URLDecoder.decode(next, StandardCharsets.UTF_8));
            }
        }

        // then
        assertThat(seen).containsExactlyElementsOf(VISIBLE);
        // one request per visible name, plus one per 500 names examined, plus the last
        assertThat(requests).isLessThanOrEqualTo(VISIBLE.size() + (INVISIBLE + 1) / SCAN_LIMIT + 1);
        // no link names a repository she may not see
        for (String link : links) {
            Matcher hidden = Pattern.compile("team/r\\d{5}").matcher(link);
            while (hidden.find()) {
                assertThat(VISIBLE).as("repository named in %s", link).contains(hidden.group());
            }
        }
    }

    @Test
    @DisplayName("a caller who sees everything gets full pages however low the scan limit")
    void adminGetsFullPages() {
        // given
        String token = http.token(ADMIN, ADMIN_PASSWORD, "registry:catalog:*");

        // when
        List<String> seen = new ArrayList<>();
        String next = "/v2/_catalog?n=1000";
        List<Integer> sizes = new ArrayList<>();
        while (next != null) {
            Response page = http.get(next, bearer(token));
            sizes.add(names(page).size());
            seen.addAll(names(page));
            next = linkOf(page);
        }

        // then
        List<String> expected = new ArrayList<>(List.of("carol/app"));
        IntStream.range(0, INVISIBLE).mapToObj(i -> String.format("team/r%05d", i)).forEach(expected::add);
        assertThat(seen).containsExactlyElementsOf(expected);
        assertThat(sizes).containsExactly(1000, 1000, 1000, 1);
    }

    @Test
    @DisplayName("a sealed last that this registry did not make is a 400 with a reason, not a 500")
    void forgedCursor() {
        String token = http.token(CAROL, CAROL_PASSWORD, "registry:catalog:*");

        Response forged = http.get("/v2/_catalog?n=1&last=~AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", bearer(token));
        Response garbage = http.get("/v2/_catalog?n=1&last=~%21%21", bearer(token));

        assertThat(forged.status()).isEqualTo(400);
        assertThat(forged.errorCode()).isEqualTo("PAGINATION_NUMBER_INVALID");
        assertThat(forged.text()).contains("list the catalog again");
        assertThat(garbage.status()).isEqualTo(400);
    }

    private static List<String> names(Response page) {
        List<String> names = new ArrayList<>();
        page.json().path("repositories").forEach(n -> names.add(n.asString()));
        return names;
    }

    /** The path and query of the next page, or null. */
    private static String linkOf(Response page) {
        String link = page.header("Link");
        if (link == null) {
            return null;
        }
        Matcher m = Pattern.compile("<([^>]+)>; rel=\"next\"").matcher(link);
        assertThat(m.matches()).as("Link %s", link).isTrue();
        return m.group(1);
    }

    private static String lastOf(Response page) {
        String link = linkOf(page);
        assertThat(link).isNotNull();
        Matcher m = Pattern.compile("[?&]last=([^&]*)").matcher(link);
        assertThat(m.find()).isTrue();
        return URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
    }
}
