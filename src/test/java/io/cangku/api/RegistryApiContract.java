package io.cangku.api;

import static io.cangku.api.OciContent.EMPTY_JSON;
import static io.cangku.api.OciContent.OCI_CONFIG;
import static io.cangku.api.OciContent.OCI_INDEX;
import static io.cangku.api.OciContent.OCI_MANIFEST;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.net.URLEncoder;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Comparator;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.cangku.CangkuApplication;
import io.cangku.api.OciContent.Blob;
import io.cangku.api.OciContent.Document;
import io.cangku.api.OciContent.Image;
import io.cangku.api.V2Client.Reply;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.TestExecutionListeners;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.context.junit.jupiter.SpringExtensionConfig;
import tools.jackson.databind.JsonNode;

/**
 * The {@code /v2} HTTP API, end to end: every endpoint and every error of distribution-spec v1.1 over real
 * HTTP against real storage. Backend-agnostic, in the shape of Micrometer's compatibility kit: a backend
 * gets the whole suite with a subclass of a few lines that chooses its storage,
 *
 * <pre>{@code
 * class FilesystemRegistryApiTest extends RegistryApiContract {
 *     @DynamicPropertySource
 *     static void filesystem(DynamicPropertyRegistry registry) { Backends.filesystem(registry); }
 *
 *     @Nested
 *     class DeletesDisabled extends DeletesDisabledContract { }
 * }
 * }</pre>
 *
 * <p>Every test uses repositories of its own, so tests do not depend on one another's content. After each
 * test, every reply it received is checked: no 5xx, and every error body is the spec's envelope.
 */
@SpringBootTest(classes = CangkuApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
// A context built from this class alone has no storage and fails to start: only a subclass's
// @DynamicPropertySource (Backends.filesystem, Backends.s3, ...) says where the registry keeps its data. This
// turns a group that accidentally builds its own context (see Group) into a loud failure.
@TestPropertySource(properties = {"registry.storage.type=none", "registry.auth.mode=none"})
// The subclass instance enclosing a group is prepared with the subclass's own context, i.e. the registry on
// the backend the subclass chose (Spring 7 would otherwise use the group's context for it).
@SpringExtensionConfig(useTestClassScopedExtensionContext = true)
public abstract class RegistryApiContract extends WithV2Client {

    /**
     * A {@link Nested} group of this contract. Spring resolves a nested class's configuration from the class
     * that declares it (this abstract one), which cannot see the backend the concrete subclass chose; so a
     * group takes no part in Spring's test lifecycle and uses the enclosing instance's registry instead.
     */
    @Target(ElementType.TYPE)
    @Retention(RetentionPolicy.RUNTIME)
    @Nested
    @TestExecutionListeners(listeners = {}, inheritListeners = false)
    @interface Group {
    }

    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final String HELLO_DIGEST = OciContent.sha256("hello world".getBytes(StandardCharsets.UTF_8));

    /** A repository name no other test uses. */
    static String repo(String purpose) {
        return "contract/" + purpose + "-" + SEQUENCE.incrementAndGet();
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Appends a query parameter to a Location, which may already carry a query. */
    static String withQuery(String location, String name, String value) {
        return location + (location.contains("?") ? "&" : "?") + name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** Expands {@code <hexN>} to N lowercase hex characters and {@code <HEXN>} to N uppercase ones. */
    static String expand(String template) {
        Matcher m = Pattern.compile("<(hex|HEX)(\\d+)>").matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String hex = "0123456789abcdef".repeat(16).substring(0, Integer.parseInt(m.group(2)));
            m.appendReplacement(out, m.group(1).equals("HEX") ? hex.toUpperCase() : hex);
        }
        return m.appendTail(out).toString();
    }

    static void assertError(Reply reply, int status, String code) {
        assertThat(reply.status()).as("%s", reply).isEqualTo(status);
        if (!reply.request().startsWith("HEAD ")) {
            assertThat(reply.errorCode()).as("%s", reply).isEqualTo(code);
        }
    }

    /** Every repository in the catalog, following {@code Link} headers. */
    List<String> catalog() {
        List<String> names = new ArrayList<>();
        String next = "/v2/_catalog?n=1000";
        while (next != null) {
            Reply page = registry.get(next);
            assertThat(page.status()).as("%s", page).isEqualTo(200);
            page.json().path("repositories").forEach(n -> names.add(n.asString()));
            next = page.nextLink().orElse(null);
        }
        return names;
    }

    List<String> tags(String repository) {
        Reply reply = registry.get("/v2/" + repository + "/tags/list");
        assertThat(reply.status()).as("%s", reply).isEqualTo(200);
        List<String> tags = new ArrayList<>();
        reply.json().path("tags").forEach(t -> tags.add(t.asString()));
        return tags;
    }

    // =============================================================================================================

    @Group
    @DisplayName("GET /v2/ and routing")
    class ApiVersionCheck {

        @Test
        @DisplayName("GET /v2/ answers 200 with {} and Docker-Distribution-API-Version: registry/2.0")
        void answersOkWithAnEmptyObject() {
            // when
            Reply reply = registry.get("/v2/");

            // then
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.text()).isEqualTo("{}");
            assertThat(reply.header("Content-Type")).startsWith("application/json");
            assertThat(reply.header("Docker-Distribution-API-Version")).isEqualTo("registry/2.0");
        }

        @Test
        @DisplayName("/v2 without the slash and HEAD /v2/ answer 200 too")
        void answersWithoutSlashAndToHead() {
            // when
            Reply withoutSlash = registry.get("/v2");
            Reply head = registry.head("/v2/");

            // then
            assertThat(withoutSlash.status()).isEqualTo(200);
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.body()).isEmpty();
            assertThat(head.header("Docker-Distribution-API-Version")).isEqualTo("registry/2.0");
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource({
                "/v2/nothing",
                "/v2/a/blobs",
                "/v2/a/manifests",
                "/v2/a/tags",
                "/v2/a/tags/other",
                "/v2/a/unknown/thing",
        })
        @DisplayName("a path that is no endpoint answers 404 with an error body")
        void unknownEndpoint(String path) {
            // when
            Reply reply = registry.get(path);

            // then
            assertThat(reply.status()).as("%s", reply).isEqualTo(404);
            assertThat(reply.errorCode()).isNotNull();
        }

        @ParameterizedTest(name = "{0} {1}")
        @CsvSource({
                "POST,   /v2/",
                "PUT,    /v2/_catalog",
                "POST,   /v2/a/manifests/latest",
                "PATCH,  /v2/a/blobs/sha256:<hex64>",
                "PUT,    /v2/a/tags/list",
                "DELETE, /v2/a/referrers/sha256:<hex64>",
                "PUT,    /v2/a/blobs/uploads/",
        })
        @DisplayName("a method the endpoint does not support answers 405 UNSUPPORTED with Allow")
        void methodNotAllowed(String method, String path) {
            // when
            Reply reply = registry.send(method, expand(path), BodyPublishers.noBody());

            // then
            assertError(reply, 405, "UNSUPPORTED");
            assertThat(reply.header("Allow")).isNotBlank();
        }
    }

    // =============================================================================================================

    @Group
    @DisplayName("repository names")
    class RepositoryNames {

        @ParameterizedTest(name = "{0}")
        @CsvSource({
                "library/ubuntu",
                "a",
                "a/b/c/d/e/f/g",
                "a.b_c__d-e--f",
                "0/9",
                "blobs",
                "manifests",
                "tags",
                "uploads",
                "referrers",
                "a/blobs/b",
                "a/blobs/uploads",
                "a/blobs/uploads/b",
                "x/manifests",
                "x/manifests/latest",
                "x/tags/list",
                "x/referrers/y",
                "uploads/blobs",
        })
        @DisplayName("a valid name, even one that looks like a path part, works on every endpoint")
        void everyEndpointServesTheName(String name) {
            // given
            Image image = OciContent.ociImage(1);
            Blob layer = image.blobs().get(1);
            registry.pushBlob(name, image.blobs().get(0).bytes());

            // when: the layer goes up in a session (POST, PATCH, PUT) and the manifest under a tag
            String location = registry.startUpload(name);
            assertThat(location).startsWith("/v2/" + name + "/blobs/uploads/");
            Reply status = registry.get(location);
            Reply patch = registry.patch(location, layer.bytes(), "Content-Type", "application/octet-stream");
            Reply put = registry.put(withQuery(patch.header("Location"), "digest", layer.digest()), new byte[0]);
            Reply manifest = registry.putManifest(name, "v1", image.manifest());

            // then
            assertThat(status.status()).as("%s", status).isEqualTo(204);
            assertThat(patch.status()).as("%s", patch).isEqualTo(202);
            assertThat(put.status()).as("%s", put).isEqualTo(201);
            assertThat(put.header("Location")).isEqualTo("/v2/" + name + "/blobs/" + layer.digest());
            assertThat(manifest.status()).as("%s", manifest).isEqualTo(201);
            assertThat(manifest.header("Location")).isEqualTo("/v2/" + name + "/manifests/" + image.manifest().digest());
            assertThat(registry.get("/v2/" + name + "/blobs/" + layer.digest()).body()).isEqualTo(layer.bytes());
            assertThat(registry.get("/v2/" + name + "/manifests/v1").body()).isEqualTo(image.manifest().bytes());
            Reply tagList = registry.get("/v2/" + name + "/tags/list");
            assertThat(tagList.json().path("name").asString()).isEqualTo(name);
            assertThat(tags(name)).containsExactly("v1");
            assertThat(registry.get("/v2/" + name + "/referrers/" + image.manifest().digest()).status()).isEqualTo(200);
            assertThat(catalog()).contains(name);
            assertThat(registry.delete("/v2/" + name + "/manifests/v1").status()).isEqualTo(202);
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource({
                "one component",
                "nested components",
                "many periods",
        })
        @DisplayName("a name of exactly 255 characters is accepted and listed")
        void longestValidName(String shape) {
            // given
            String name = switch (shape) {
                case "one component" -> "a".repeat(255);
                case "nested components" -> ("ab/".repeat(85)).substring(0, 254) + "z";
                default -> ("a.b" + "_c.d".repeat(70)).substring(0, 255);
            };
            assertThat(name).hasSize(255);
            Image image = OciContent.ociImage(1);

            // when
            registry.pushImage(name, "latest", image);

            // then
            assertThat(tags(name)).containsExactly("latest");
            assertThat(catalog()).contains(name);
        }

        @ParameterizedTest(name = "{0} ({1})")
        @CsvSource(delimiter = '|', value = {
                "..                | a parent segment",
                "a/..              | a trailing parent segment",
                "../a              | a leading parent segment",
                "a/../b            | a parent segment inside",
                ".                 | a dot segment",
                "%2e%2e            | an encoded parent segment",
                "a/%2e%2e/b        | an encoded parent segment inside",
                "%2E%2E/a          | an upper-case encoded parent segment",
                "a%2Fb             | an encoded slash",
                "a%2fb             | a lower-case encoded slash",
                "Upper             | upper case",
                "a/B               | upper case in a component",
                "-a                | a leading separator",
                "a-                | a trailing separator",
                "a..b              | two periods",
                "a___b             | three underscores",
                "a._b              | mixed separators",
                "a//b              | an empty component",
                ".a                | a leading period",
                "a%20b             | a space",
                "a;b               | a path parameter",
                "a%3Bb             | an encoded semicolon",
                "a%00b             | a NUL",
                "../..             | segments that climb above the root",
                "caf%C3%A9         | a non-ASCII letter",
                "_catalog/a        | a reserved-looking component",
                "a/_layers         | a storage-layout-looking component",
                "<256>             | 256 characters",
        })
        @DisplayName("an invalid name is refused with 400 NAME_INVALID by every endpoint, and nothing is stored")
        void invalidName(String rawName, String why) {
            // given
            String name = rawName.equals("<256>") ? "a/".repeat(127) + "ab" : rawName;
            List<String> before = catalog();
            Blob blob = OciContent.uniqueBlob(10);
            Image image = OciContent.ociImage(0);

            // when
            List<Reply> replies = List.of(
                    registry.post("/v2/" + name + "/blobs/uploads/?digest=" + blob.digest(), blob.bytes()),
                    registry.post("/v2/" + name + "/blobs/uploads/", new byte[0]),
                    registry.putManifest(name, "latest", image.manifest()),
                    registry.get("/v2/" + name + "/manifests/latest"),
                    registry.get("/v2/" + name + "/blobs/" + blob.digest()),
                    registry.get("/v2/" + name + "/tags/list"),
                    registry.get("/v2/" + name + "/referrers/" + blob.digest()),
                    registry.delete("/v2/" + name + "/manifests/latest"));

            // then
            assertThat(replies).allSatisfy(reply -> assertError(reply, 400, "NAME_INVALID"));
            assertThat(catalog()).isEqualTo(before);
        }
    }

    // =============================================================================================================

    @Group
    @DisplayName("tags")
    class Tags {

        @ParameterizedTest(name = "{0}")
        @CsvSource({
                "latest",
                "v1.0.0",
                "1",
                "_private",
                "UPPER.lower-Mixed_9",
                "a..b",
                "a--b",
                "x__y",
                "sha256-<hex64>",
                "<hex128>",
        })
        @DisplayName("a valid tag is stored, resolved and listed")
        void validTag(String template) {
            // given
            String tag = expand(template);
            String name = repo("tag");
            Image image = OciContent.ociImage(1);

            // when
            registry.pushImage(name, tag, image);

            // then
            Reply reply = registry.get("/v2/" + name + "/manifests/" + tag);
            assertThat(reply.status()).as("%s", reply).isEqualTo(200);
            assertThat(reply.body()).isEqualTo(image.manifest().bytes());
            assertThat(tags(name)).containsExactly(tag);
        }

        @ParameterizedTest(name = "{0} ({1})")
        @CsvSource(delimiter = '|', value = {
                ".hidden           | a leading period",
                "-dash             | a leading dash",
                "<hex129>          | 129 characters",
                "a+b               | a plus",
                "a%20b             | a space",
                "caf%C3%A9         | a non-ASCII letter",
                "a%21              | an exclamation mark",
        })
        @DisplayName("pushing to an invalid tag is refused with 400 MANIFEST_INVALID, and no tag appears")
        void invalidTagOnPush(String template, String why) {
            // given
            String name = repo("bad-tag");
            Image image = OciContent.ociImage(1);
            registry.pushImage(name, "good", image);

            // when
            Reply reply = registry.putManifest(name, expand(template), image.manifest());

            // then
            assertError(reply, 400, "MANIFEST_INVALID");
            assertThat(tags(name)).containsExactly("good");
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource({
                ".INVALID_MANIFEST_NAME",
                "-dash",
                "<hex129>",
                "a+b",
        })
        @DisplayName("fetching or deleting an invalid tag answers 404 MANIFEST_UNKNOWN, as the conformance suite expects")
        void invalidTagOnPull(String template) {
            // given
            String name = repo("bad-tag");
            registry.pushImage(name, "good", OciContent.ociImage(1));
            String path = "/v2/" + name + "/manifests/" + expand(template);

            // when
            List<Reply> replies = List.of(registry.get(path), registry.head(path), registry.delete(path));

            // then
            assertThat(replies).allSatisfy(reply -> assertError(reply, 404, "MANIFEST_UNKNOWN"));
        }
    }

    // =============================================================================================================

    @Group
    @DisplayName("digests")
    class Digests {

        @Test
        @DisplayName("a sha512 blob can be pushed monolithically and in a session, and pulled by its sha512 digest")
        void sha512Blobs() {
            // given
            String name = repo("sha512");
            Blob monolithic = OciContent.uniqueBlob(300);
            Blob chunked = OciContent.uniqueBlob(400);
            String monolithicDigest = OciContent.sha512(monolithic.bytes());
            String chunkedDigest = OciContent.sha512(chunked.bytes());

            // when
            Reply post = registry.post("/v2/" + name + "/blobs/uploads/?digest=" + monolithicDigest, monolithic.bytes());
            String location = registry.startUpload(name);
            Reply patch = registry.patch(location, chunked.bytes());
            Reply put = registry.put(withQuery(patch.header("Location"), "digest", chunkedDigest), new byte[0]);

            // then
            assertThat(post.status()).as("%s", post).isEqualTo(201);
            assertThat(post.header("Docker-Content-Digest")).isEqualTo(monolithicDigest);
            assertThat(put.status()).as("%s", put).isEqualTo(201);
            assertThat(put.header("Docker-Content-Digest")).isEqualTo(chunkedDigest);
            Reply pulled = registry.get("/v2/" + name + "/blobs/" + chunkedDigest);
            assertThat(pulled.body()).isEqualTo(chunked.bytes());
            assertThat(pulled.header("Docker-Content-Digest")).isEqualTo(chunkedDigest);
            assertThat(registry.get("/v2/" + name + "/blobs/" + monolithicDigest).body()).isEqualTo(monolithic.bytes());
        }

        @Test
        @DisplayName("a manifest can be pushed and pulled by its sha512 digest")
        void sha512Manifest() {
            // given
            String name = repo("sha512");
            Image image = OciContent.ociImage(1);
            registry.pushBlobs(name, image.blobs().toArray(Blob[]::new));
            String digest = OciContent.sha512(image.manifest().bytes());

            // when
            Reply put = registry.putManifest(name, digest, image.manifest());

            // then
            assertThat(put.status()).as("%s", put).isEqualTo(201);
            assertThat(put.header("Docker-Content-Digest")).isEqualTo(digest);
            Reply pulled = registry.get("/v2/" + name + "/manifests/" + digest);
            assertThat(pulled.status()).isEqualTo(200);
            assertThat(pulled.body()).isEqualTo(image.manifest().bytes());
        }

        @ParameterizedTest(name = "{0} ({1})")
        @CsvSource(delimiter = '|', value = {
                "sha256:<hex63>              | too short",
                "sha256:<hex65>              | too long",
                "sha256:<HEX64>              | upper-case hex",
                "sha256:<hex60>zzzz          | not hex",
                "sha512:<hex64>              | a sha256 length for sha512",
                "SHA256:<hex64>              | an upper-case algorithm",
                "sha256:                     | no hex",
                ":<hex64>                    | no algorithm",
                "sha256:<hex32>:<hex31>      | two colons",
                "sha256%3A<hex64>x           | encoded colon and a stray character",
        })
        @DisplayName("a malformed digest is refused with 400 DIGEST_INVALID wherever a digest goes")
        void malformedDigest(String template, String why) {
            // given
            String digest = expand(template);
            String name = repo("bad-digest");
            String location = registry.startUpload(name);
            Image image = OciContent.ociImage(0);

            // when
            List<Reply> replies = List.of(
                    registry.get("/v2/" + name + "/blobs/" + digest),
                    registry.delete("/v2/" + name + "/blobs/" + digest),
                    registry.post(withQuery("/v2/" + name + "/blobs/uploads/", "digest", digest), bytes("x")),
                    registry.post(withQuery("/v2/" + name + "/blobs/uploads/?from=a", "mount", digest), new byte[0]),
                    registry.put(withQuery(location, "digest", digest), bytes("x")),
                    registry.putManifest(name, digest, image.manifest()),
                    registry.get("/v2/" + name + "/referrers/" + digest));

            // then
            assertThat(replies).allSatisfy(reply -> assertError(reply, 400, "DIGEST_INVALID"));
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource({
                "md5:<hex32>",
                "sha384:<hex96>",
                "blake3:<hex64>",
                "sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564",
        })
        @DisplayName("a well-formed digest of an algorithm the registry does not support is refused with UNSUPPORTED")
        void unsupportedAlgorithm(String template) {
            // given
            String digest = expand(template);
            String name = repo("algorithm");
            String location = registry.startUpload(name);

            // when
            List<Reply> replies = List.of(
                    registry.get("/v2/" + name + "/blobs/" + digest),
                    registry.post(withQuery("/v2/" + name + "/blobs/uploads/", "digest", digest), bytes("x")),
                    registry.put(withQuery(location, "digest", digest), bytes("x")));

            // then
            assertThat(replies).allSatisfy(reply -> assertError(reply, 400, "UNSUPPORTED"));
            // the referrers API answers any digest it cannot use with 400 (distribution-spec v1.1, listing referrers)
            assertThat(registry.get("/v2/" + name + "/referrers/" + digest).status()).isEqualTo(400);
        }
    }

    // =============================================================================================================

    @Group
    @DisplayName("pulling blobs")
    class BlobReads {

        private final String name = repo("pull");
        private final Blob blob = OciContent.randomBlob(42, 1000);
        private final Blob large = OciContent.randomBlob(43, 300_000);

        @BeforeEach
        void push() {
            registry.pushBlob(name, blob.bytes());
            registry.pushBlob(name, large.bytes());
        }

        @Test
        @DisplayName("HEAD answers 200 with Content-Length, Docker-Content-Digest, ETag and Accept-Ranges, and no body")
        void head() {
            // when
            Reply reply = registry.head("/v2/" + name + "/blobs/" + blob.digest());

            // then
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.body()).isEmpty();
            assertThat(reply.header("Content-Length")).isEqualTo("1000");
            assertThat(reply.header("Docker-Content-Digest")).isEqualTo(blob.digest());
            assertThat(reply.header("ETag")).isEqualTo("\"" + blob.digest() + "\"");
            assertThat(reply.header("Accept-Ranges")).isEqualTo("bytes");
        }

        @Test
        @DisplayName("GET answers 200 with the exact bytes and the same headers")
        void get() {
            // when
            Reply small = registry.get("/v2/" + name + "/blobs/" + blob.digest());
            Reply big = registry.get("/v2/" + name + "/blobs/" + large.digest());

            // then
            assertThat(small.status()).isEqualTo(200);
            assertThat(small.body()).isEqualTo(blob.bytes());
            assertThat(small.header("Content-Length")).isEqualTo("1000");
            assertThat(small.header("Docker-Content-Digest")).isEqualTo(blob.digest());
            assertThat(small.header("ETag")).isEqualTo("\"" + blob.digest() + "\"");
            assertThat(small.header("Accept-Ranges")).isEqualTo("bytes");
            assertThat(big.body()).isEqualTo(large.bytes());
        }

        @Test
        @DisplayName("If-None-Match with the ETag answers 304")
        void conditionalGet() {
            // when
            Reply reply = registry.get("/v2/" + name + "/blobs/" + blob.digest(), "If-None-Match", "\"" + blob.digest() + "\"");

            // then
            assertThat(reply.status()).isEqualTo(304);
            assertThat(reply.body()).isEmpty();
        }

        @ParameterizedTest(name = "{0} -> {1}-{2}")
        @CsvSource({
                "bytes=0-99,        0,   99",
                "bytes=0-0,         0,   0",
                "bytes=900-,        900, 999",
                "bytes=999-999,     999, 999",
                "bytes=990-5000,    990, 999",
                "bytes=-100,        900, 999",
                "bytes=-1,          999, 999",
                "bytes=-5000,       0,   999",
                "bytes=0-999,       0,   999",
        })
        @DisplayName("a satisfiable Range answers 206 with Content-Range and exactly those bytes")
        void partialContent(String range, int first, int last) {
            // when
            Reply reply = registry.get("/v2/" + name + "/blobs/" + blob.digest(), "Range", range);

            // then
            assertThat(reply.status()).as("%s", reply).isEqualTo(206);
            assertThat(reply.header("Content-Range")).isEqualTo("bytes " + first + "-" + last + "/1000");
            assertThat(reply.header("Content-Length")).isEqualTo(String.valueOf(last - first + 1));
            assertThat(reply.body()).isEqualTo(Arrays.copyOfRange(blob.bytes(), first, last + 1));
        }

        @Test
        @DisplayName("a Range in a blob served from a file (sendfile) answers the right slice")
        void partialContentOfALargeBlob() {
            // when
            Reply reply = registry.get("/v2/" + name + "/blobs/" + large.digest(), "Range", "bytes=100000-250000");

            // then
            assertThat(reply.status()).isEqualTo(206);
            assertThat(reply.header("Content-Range")).isEqualTo("bytes 100000-250000/300000");
            assertThat(reply.body()).isEqualTo(Arrays.copyOfRange(large.bytes(), 100_000, 250_001));
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource({
                "bytes=1000-",
                "bytes=1000-2000",
                "bytes=5000-6000",
                "bytes=-0",
        })
        @DisplayName("an unsatisfiable Range answers 416 with Content-Range: bytes */<size>")
        void rangeNotSatisfiable(String range) {
            // when
            Reply reply = registry.get("/v2/" + name + "/blobs/" + blob.digest(), "Range", range);

            // then
            assertThat(reply.status()).as("%s", reply).isEqualTo(416);
            assertThat(reply.header("Content-Range")).isEqualTo("bytes */1000");
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource(delimiter = '|', value = {
                "bytes=5-2",
                "items=0-1",
                "bytes=0-1,5-6",
                "bytes=a-b",
                "bytes=99999999999999999999-",
        })
        @DisplayName("a malformed or multi-part Range is ignored: 200 with the whole blob")
        void ignoredRange(String range) {
            // when
            Reply reply = registry.get("/v2/" + name + "/blobs/" + blob.digest(), "Range", range);

            // then
            assertThat(reply.status()).as("%s", reply).isEqualTo(200);
            assertThat(reply.body()).isEqualTo(blob.bytes());
        }

        @Test
        @DisplayName("an unknown blob answers 404 BLOB_UNKNOWN to GET and HEAD")
        void unknownBlob() {
            // when
            Reply get = registry.get("/v2/" + name + "/blobs/" + HELLO_DIGEST);
            Reply head = registry.head("/v2/" + name + "/blobs/" + HELLO_DIGEST);
            Reply unknownRepository = registry.get("/v2/" + repo("nothing") + "/blobs/" + blob.digest());

            // then
            assertError(get, 404, "BLOB_UNKNOWN");
            assertError(head, 404, "BLOB_UNKNOWN");
            assertError(unknownRepository, 404, "BLOB_UNKNOWN");
        }

        @Test
        @DisplayName("a blob pushed to one repository is not served through another")
        void repositoriesAreIsolated() {
            // given
            String other = repo("other");
            registry.pushBlob(other, OciContent.uniqueBlob(5).bytes());

            // when
            Reply reply = registry.get("/v2/" + other + "/blobs/" + blob.digest());

            // then
            assertError(reply, 404, "BLOB_UNKNOWN");
        }

        @Test
        @DisplayName("a manifest can also be fetched through the blob endpoint")
        void manifestThroughBlobEndpoint() {
            // given
            Image image = OciContent.ociImage(1);
            registry.pushImage(name, "blob-endpoint", image);

            // when
            Reply reply = registry.get("/v2/" + name + "/blobs/" + image.manifest().digest());

            // then
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.body()).isEqualTo(image.manifest().bytes());
        }
    }

    // =============================================================================================================

    @Group
    @DisplayName("deleting blobs")
    class BlobDeletes {

        @Test
        @DisplayName("DELETE answers 202, after which the repository no longer serves the blob")
        void deleteBlob() {
            // given
            String name = repo("delete-blob");
            Blob blob = OciContent.uniqueBlob(100);
            registry.pushBlob(name, blob.bytes());

            // when
            Reply reply = registry.delete("/v2/" + name + "/blobs/" + blob.digest());

            // then
            assertThat(reply.status()).as("%s", reply).isEqualTo(202);
            assertError(registry.head("/v2/" + name + "/blobs/" + blob.digest()), 404, "BLOB_UNKNOWN");
            assertError(registry.delete("/v2/" + name + "/blobs/" + blob.digest()), 404, "BLOB_UNKNOWN");
        }

        @Test
        @DisplayName("deleting a blob from one repository leaves it in another that holds it")
        void deleteIsPerRepository() {
            // given
            String first = repo("delete-blob");
            String second = repo("delete-blob");
            Blob blob = OciContent.uniqueBlob(100);
            registry.pushBlob(first, blob.bytes());
            registry.pushBlob(second, blob.bytes());

            // when
            registry.delete("/v2/" + first + "/blobs/" + blob.digest());

            // then
            Reply reply = registry.get("/v2/" + second + "/blobs/" + blob.digest());
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.body()).isEqualTo(blob.bytes());
        }

        @Test
        @DisplayName("deleting an unknown blob answers 404 BLOB_UNKNOWN")
        void deleteUnknownBlob() {
            // when
            Reply reply = registry.delete("/v2/" + repo("delete-blob") + "/blobs/" + HELLO_DIGEST);

            // then
            assertError(reply, 404, "BLOB_UNKNOWN");
        }
    }

    // =============================================================================================================

    @Group
    @DisplayName("blob uploads")
    class Uploads {

        private final String name = repo("upload");

        @Test
        @DisplayName("POST answers 202 with Location, Docker-Upload-UUID and Range 0-0")
        void startSession() {
            // when
            Reply reply = registry.post("/v2/" + name + "/blobs/uploads/", new byte[0]);

            // then
            assertThat(reply.status()).isEqualTo(202);
            String location = reply.header("Location");
            assertThat(location).matches("/v2/" + Pattern.quote(name) + "/blobs/uploads/[0-9a-f-]{36}");
            assertThat(reply.header("Docker-Upload-UUID")).isEqualTo(location.substring(location.lastIndexOf('/') + 1));
            assertThat(reply.header("Range")).isEqualTo("0-0");
        }

        @Test
        @DisplayName("POST ?digest= with the whole blob answers 201 with Location and Docker-Content-Digest")
        void monolithicPost() {
            // given
            Blob blob = OciContent.uniqueBlob(5000);

            // when
            Reply reply = registry.post("/v2/" + name + "/blobs/uploads/?digest=" + blob.digest(), blob.bytes(),
                    "Content-Type", "application/octet-stream");

            // then
            assertThat(reply.status()).isEqualTo(201);
            assertThat(reply.header("Location")).isEqualTo("/v2/" + name + "/blobs/" + blob.digest());
            assertThat(reply.header("Docker-Content-Digest")).isEqualTo(blob.digest());
            assertThat(registry.get(reply.header("Location")).body()).isEqualTo(blob.bytes());
        }

        @Test
        @DisplayName("POST ?digest= with a chunked (streamed) body answers 201")
        void monolithicPostStreamed() {
            // given
            Blob blob = OciContent.uniqueBlob(200_000);

            // when
            Reply reply = registry.send("POST", "/v2/" + name + "/blobs/uploads/?digest=" + blob.digest(),
                    V2Client.streamed(() -> new ByteArrayInputStream(blob.bytes())));

            // then
            assertThat(reply.status()).as("%s", reply).isEqualTo(201);
            assertThat(registry.get(reply.header("Location")).body()).isEqualTo(blob.bytes());
        }

        @Test
        @DisplayName("POST ?digest= labelled as a form still stores the body as the blob")
        void monolithicPostLabelledAsForm() {
            // given
            Blob blob = new Blob(bytes("a=1&b=2"));

            // when
            Reply reply = registry.post("/v2/" + name + "/blobs/uploads/?digest=" + blob.digest(), blob.bytes(),
                    "Content-Type", "application/x-www-form-urlencoded");

            // then
            assertThat(reply.status()).as("%s", reply).isEqualTo(201);
            assertThat(registry.get(reply.header("Location")).body()).isEqualTo(blob.bytes());
        }

        @Test
        @DisplayName("an empty blob can be uploaded")
        void emptyBlob() {
            // given
            Blob empty = new Blob(new byte[0]);
            String location = registry.startUpload(name);

            // when
            Reply reply = registry.put(withQuery(location, "digest", empty.digest()), new byte[0]);

            // then
            assertThat(reply.status()).as("%s", reply).isEqualTo(201);
            Reply head = registry.head("/v2/" + name + "/blobs/" + empty.digest());
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Content-Length")).isEqualTo("0");
        }

        @Test
        @DisplayName("POST, then PUT ?digest= with the whole blob, answers 201 with Location and Docker-Content-Digest")
        void postThenPut() {
            // given
            Blob blob = OciContent.uniqueBlob(3000);
            String location = registry.startUpload(name);

            // when
            Reply reply = registry.put(withQuery(location, "digest", blob.digest()), blob.bytes(),
                    "Content-Type", "application/octet-stream");

            // then
            assertThat(reply.status()).as("%s", reply).isEqualTo(201);
            assertThat(reply.header("Location")).isEqualTo("/v2/" + name + "/blobs/" + blob.digest());
            assertThat(reply.header("Docker-Content-Digest")).isEqualTo(blob.digest());
            assertThat(registry.get(reply.header("Location")).body()).isEqualTo(blob.bytes());
        }

        @Test
        @DisplayName("streamed PATCHes (chunked transfer encoding, no Content-Range) append, and PUT completes")
        void streamedPatches() {
            // given
            Blob blob = OciContent.uniqueBlob(300_000);
            byte[] first = Arrays.copyOfRange(blob.bytes(), 0, 100_000);
            byte[] second = Arrays.copyOfRange(blob.bytes(), 100_000, 300_000);
            String location = registry.startUpload(name);

            // when
            Reply one = registry.send("PATCH", location, V2Client.streamed(() -> new ByteArrayInputStream(first)),
                    "Content-Type", "application/octet-stream");
            Reply two = registry.send("PATCH", one.header("Location"), V2Client.streamed(() -> new ByteArrayInputStream(second)),
                    "Content-Type", "application/octet-stream");
            Reply done = registry.put(withQuery(two.header("Location"), "digest", blob.digest()), new byte[0]);

            // then
            assertThat(one.status()).as("%s", one).isEqualTo(202);
            assertThat(one.header("Range")).isEqualTo("0-99999");
            assertThat(two.status()).as("%s", two).isEqualTo(202);
            assertThat(two.header("Range")).isEqualTo("0-299999");
            assertThat(done.status()).as("%s", done).isEqualTo(201);
            assertThat(registry.get(done.header("Location")).body()).isEqualTo(blob.bytes());
        }

        @Test
        @DisplayName("chunked PATCHes with Content-Range answer 202 with Location and Range; GET answers 204 with the Range")
        void chunksWithContentRange() {
            // given
            Blob blob = OciContent.uniqueBlob(350);
            String location = registry.startUpload(name);

            // when
            Reply one = patchChunk(location, blob, 0, 100);
            Reply two = patchChunk(one.header("Location"), blob, 100, 300);
            Reply status = registry.get(two.header("Location"));
            Reply done = registry.put(withQuery(status.header("Location"), "digest", blob.digest()),
                    Arrays.copyOfRange(blob.bytes(), 300, 350),
                    "Content-Type", "application/octet-stream", "Content-Range", "300-349");

            // then
            assertThat(one.status()).as("%s", one).isEqualTo(202);
            assertThat(one.header("Range")).isEqualTo("0-99");
            assertThat(one.header("Location")).isEqualTo(location);
            assertThat(two.status()).as("%s", two).isEqualTo(202);
            assertThat(two.header("Range")).isEqualTo("0-299");
            assertThat(status.status()).isEqualTo(204);
            assertThat(status.header("Range")).isEqualTo("0-299");
            assertThat(status.header("Location")).isEqualTo(location);
            assertThat(status.header("Docker-Upload-UUID")).isEqualTo(location.substring(location.lastIndexOf('/') + 1));
            assertThat(done.status()).as("%s", done).isEqualTo(201);
            assertThat(done.header("Location")).isEqualTo("/v2/" + name + "/blobs/" + blob.digest());
            assertThat(done.header("Docker-Content-Digest")).isEqualTo(blob.digest());
            assertThat(registry.get(done.header("Location")).body()).isEqualTo(blob.bytes());
        }

        @Test
        @DisplayName("the closing PUT without a body completes a session whose last chunk came by PATCH")
        void closingPutWithoutBody() {
            // given
            Blob blob = OciContent.uniqueBlob(200);
            String location = registry.startUpload(name);
            Reply one = patchChunk(location, blob, 0, 150);
            Reply two = patchChunk(one.header("Location"), blob, 150, 200);

            // when
            Reply done = registry.put(withQuery(two.header("Location"), "digest", blob.digest()), new byte[0]);

            // then
            assertThat(done.status()).as("%s", done).isEqualTo(201);
            assertThat(done.header("Location")).isEqualTo("/v2/" + name + "/blobs/" + blob.digest());
            assertThat(done.header("Docker-Content-Digest")).isEqualTo(blob.digest());
            assertThat(registry.get(done.header("Location")).body()).isEqualTo(blob.bytes());
        }

        @ParameterizedTest(name = "{0} after 0-99")
        @CsvSource(delimiter = '|', value = {
                "200-299 | a gap",
                "50-149  | an overlap",
                "0-99    | the same chunk again",
                "99-198  | one byte of overlap",
        })
        @DisplayName("an out-of-order or overlapping chunk answers 416 with the current Range, and the session goes on")
        void outOfOrderChunk(String contentRange, String why) {
            // given
            Blob blob = OciContent.uniqueBlob(300);
            String location = registry.startUpload(name);
            patchChunk(location, blob, 0, 100);
            String[] bounds = contentRange.split("-");
            int start = Integer.parseInt(bounds[0]);
            int end = Integer.parseInt(bounds[1]) + 1;

            // when
            Reply reply = registry.patch(location, Arrays.copyOfRange(blob.bytes(), start, end),
                    "Content-Type", "application/octet-stream", "Content-Range", contentRange);

            // then
            assertError(reply, 416, "BLOB_UPLOAD_INVALID");
            assertThat(reply.header("Range")).isEqualTo("0-99");
            assertThat(reply.header("Location")).as("the refused chunk names its session").isEqualTo(location);
            assertThat(registry.get(location).header("Range")).isEqualTo("0-99");
            Reply next = patchChunk(location, blob, 100, 300);
            assertThat(next.status()).as("%s", next).isEqualTo(202);
            assertThat(registry.put(withQuery(location, "digest", blob.digest()), new byte[0]).status()).isEqualTo(201);
        }

        @ParameterizedTest(name = "Content-Range: {0}")
        @CsvSource(delimiter = '|', value = {
                "abc",
                "10-5",
                "-5",
                "0-",
                "0-99-100",
                "0-49",
                "0-999999999999999999",
                "99999999999999999999-1",
        })
        @DisplayName("a malformed Content-Range, or one that disagrees with the body's length, answers 416 and stores nothing")
        void malformedContentRange(String contentRange) {
            // given
            Blob blob = OciContent.uniqueBlob(100);
            String location = registry.startUpload(name);

            // when
            Reply reply = registry.patch(location, blob.bytes(),
                    "Content-Type", "application/octet-stream", "Content-Range", contentRange);

            // then
            assertError(reply, 416, "BLOB_UPLOAD_INVALID");
            assertThat(reply.header("Range")).isEqualTo("0-0");
            assertThat(registry.get(location).header("Range")).isEqualTo("0-0");
        }

        @Test
        @DisplayName("DELETE cancels a session with 204; afterwards it is unknown")
        void cancel() {
            // given
            Blob blob = OciContent.uniqueBlob(100);
            String location = registry.startUpload(name);
            patchChunk(location, blob, 0, 100);

            // when
            Reply reply = registry.delete(location);

            // then
            assertThat(reply.status()).isEqualTo(204);
            assertError(registry.get(location), 404, "BLOB_UPLOAD_UNKNOWN");
            assertError(registry.put(withQuery(location, "digest", blob.digest()), new byte[0]), 404, "BLOB_UPLOAD_UNKNOWN");
            assertError(registry.head("/v2/" + name + "/blobs/" + blob.digest()), 404, "BLOB_UNKNOWN");
        }

        @ParameterizedTest(name = "{0} on {1}")
        @CsvSource({
                "GET,    a never-issued id",
                "PATCH,  a never-issued id",
                "PUT,    a never-issued id",
                "DELETE, a never-issued id",
                "GET,    a malformed id",
                "PATCH,  a malformed id",
                "PUT,    a malformed id",
                "DELETE, a malformed id",
                "GET,    a session of another repository",
                "PATCH,  a session of another repository",
                "PUT,    a session of another repository",
                "DELETE, a session of another repository",
                "PATCH,  a completed session",
                "PUT,    a completed session",
        })
        @DisplayName("an unknown upload answers 404 BLOB_UPLOAD_UNKNOWN")
        void unknownUpload(String method, String which) {
            // given
            Blob blob = OciContent.uniqueBlob(10);
            String path = switch (which) {
                case "a never-issued id" -> "/v2/" + name + "/blobs/uploads/6f1a7a4e-0000-4000-8000-000000000000";
                case "a malformed id" -> "/v2/" + name + "/blobs/uploads/not-a-session";
                case "a session of another repository" ->
                        registry.startUpload(repo("elsewhere")).replaceFirst("/v2/.+/blobs/", "/v2/" + name + "/blobs/");
                default -> {
                    String location = registry.startUpload(name);
                    registry.put(withQuery(location, "digest", blob.digest()), blob.bytes());
                    yield location;
                }
            };
            String target = method.equals("PUT") ? withQuery(path, "digest", blob.digest()) : path;

            // when
            Reply reply = registry.send(method, target, BodyPublishers.ofByteArray(method.equals("PATCH") ? blob.bytes() : new byte[0]));

            // then
            assertError(reply, 404, "BLOB_UPLOAD_UNKNOWN");
        }

        @Test
        @DisplayName("a closing PUT whose digest does not match answers 400 DIGEST_INVALID and stores nothing")
        void digestMismatchOnClose() {
            // given
            Blob blob = OciContent.uniqueBlob(500);
            String claimed = OciContent.uniqueBlob(500).digest();
            String location = registry.startUpload(name);
            patchChunk(location, blob, 0, 500);

            // when
            Reply reply = registry.put(withQuery(location, "digest", claimed), new byte[0]);

            // then
            assertError(reply, 400, "DIGEST_INVALID");
            assertError(registry.head("/v2/" + name + "/blobs/" + claimed), 404, "BLOB_UNKNOWN");
            assertError(registry.head("/v2/" + name + "/blobs/" + blob.digest()), 404, "BLOB_UNKNOWN");
            assertError(registry.get(location), 404, "BLOB_UPLOAD_UNKNOWN");
        }

        @Test
        @DisplayName("a monolithic POST whose digest does not match answers 400 DIGEST_INVALID and stores nothing")
        void digestMismatchOnMonolithicPost() {
            // given
            Blob blob = OciContent.uniqueBlob(500);
            String claimed = OciContent.uniqueBlob(500).digest();

            // when
            Reply reply = registry.post("/v2/" + name + "/blobs/uploads/?digest=" + claimed, blob.bytes());

            // then
            assertError(reply, 400, "DIGEST_INVALID");
            assertError(registry.head("/v2/" + name + "/blobs/" + claimed), 404, "BLOB_UNKNOWN");
            assertError(registry.head("/v2/" + name + "/blobs/" + blob.digest()), 404, "BLOB_UNKNOWN");
        }

        @Test
        @DisplayName("a closing PUT without ?digest= answers 400 DIGEST_INVALID")
        void closeWithoutDigest() {
            // given
            String location = registry.startUpload(name);

            // when
            Reply reply = registry.put(location, bytes("abc"));

            // then
            assertError(reply, 400, "DIGEST_INVALID");
        }

        @Test
        @DisplayName("mounting a blob that the from repository holds answers 201 with Location and Docker-Content-Digest")
        void mountPresent() {
            // given
            String source = repo("mount-source");
            Blob blob = OciContent.uniqueBlob(700);
            registry.pushBlob(source, blob.bytes());

            // when
            Reply reply = registry.post("/v2/" + name + "/blobs/uploads/?mount=" + blob.digest() + "&from=" + source, new byte[0]);

            // then
            assertThat(reply.status()).as("%s", reply).isEqualTo(201);
            assertThat(reply.header("Location")).isEqualTo("/v2/" + name + "/blobs/" + blob.digest());
            assertThat(reply.header("Docker-Content-Digest")).isEqualTo(blob.digest());
            assertThat(registry.get("/v2/" + name + "/blobs/" + blob.digest()).body()).isEqualTo(blob.bytes());
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource({
                "the from repository does not hold it",
                "no blob has that digest",
                "no from repository is named",
                "the from name is invalid",
        })
        @DisplayName("a mount that cannot be done answers 202 with an upload session instead")
        void mountAbsent(String why) {
            // given
            String holder = repo("mount-holder");
            String empty = repo("mount-empty");
            Blob blob = OciContent.uniqueBlob(700);
            registry.pushBlob(holder, blob.bytes());
            registry.pushBlob(empty, OciContent.uniqueBlob(3).bytes());
            String query = switch (why) {
                case "the from repository does not hold it" -> "?mount=" + blob.digest() + "&from=" + empty;
                case "no blob has that digest" -> "?mount=" + HELLO_DIGEST + "&from=" + holder;
                case "no from repository is named" -> "?mount=" + blob.digest();
                default -> "?mount=" + blob.digest() + "&from=Not..Valid";
            };

            // when
            Reply reply = registry.post("/v2/" + name + "/blobs/uploads/" + query, new byte[0]);

            // then
            assertThat(reply.status()).as("%s", reply).isEqualTo(202);
            assertThat(reply.header("Location")).startsWith("/v2/" + name + "/blobs/uploads/");
            assertThat(registry.put(withQuery(reply.header("Location"), "digest", blob.digest()), blob.bytes()).status())
                    .isEqualTo(201);
        }

        private Reply patchChunk(String location, Blob blob, int from, int to) {
            return registry.patch(location, Arrays.copyOfRange(blob.bytes(), from, to),
                    "Content-Type", "application/octet-stream", "Content-Range", from + "-" + (to - 1));
        }
    }

    // =============================================================================================================

    @Group
    @DisplayName("manifests")
    class Manifests {

        private final String name = repo("manifests");

        /** Pushes what a manifest of the kind needs and returns the manifest, not yet pushed. */
        private Document prepare(String kind) {
            return switch (kind) {
                case "OCI image manifest" -> prepared(OciContent.ociImage(2));
                case "Docker schema 2 manifest" -> prepared(OciContent.dockerImage());
                case "OCI image index" -> OciContent.ociIndex(List.of(pushed(OciContent.ociImage(1)), pushed(OciContent.ociImage(1))),
                        "\"annotations\":{\"org.opencontainers.image.ref.name\":\"multi\"}");
                case "Docker manifest list" ->
                        OciContent.dockerList(List.of(pushed(OciContent.dockerImage()), pushed(OciContent.dockerImage())));
                case "OCI artifact manifest" -> {
                    Blob layer = OciContent.uniqueBlob(20);
                    registry.pushBlobs(name, EMPTY_JSON, layer);
                    yield OciContent.artifact("application/vnd.example.thing.v1", layer, (String) null, Map.of("k", "v"));
                }
                default -> throw new IllegalArgumentException(kind);
            };
        }

        private Document prepared(Image image) {
            registry.pushBlobs(name, image.blobs().toArray(Blob[]::new));
            return image.manifest();
        }

        private Document pushed(Image image) {
            Document manifest = prepared(image);
            registry.pushManifest(name, manifest.digest(), manifest);
            return manifest;
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource({
                "OCI image manifest",
                "OCI image index",
                "Docker schema 2 manifest",
                "Docker manifest list",
                "OCI artifact manifest",
        })
        @DisplayName("PUT by tag answers 201; GET and HEAD by tag and digest serve it; DELETE by tag, then digest")
        void lifecycle(String kind) {
            // given
            Document manifest = prepare(kind);
            String byTag = "/v2/" + name + "/manifests/" + "lifecycle";
            String byDigest = "/v2/" + name + "/manifests/" + manifest.digest();

            // when
            Reply put = registry.putManifest(name, "lifecycle", manifest);

            // then
            assertThat(put.status()).as("%s", put).isEqualTo(201);
            assertThat(put.header("Location")).isEqualTo(byDigest);
            assertThat(put.header("Docker-Content-Digest")).isEqualTo(manifest.digest());
            for (String path : List.of(byTag, byDigest)) {
                Reply get = registry.get(path);
                assertThat(get.status()).as("%s", get).isEqualTo(200);
                assertThat(get.body()).isEqualTo(manifest.bytes());
                assertThat(get.header("Content-Type")).isEqualTo(manifest.mediaType());
                assertThat(get.header("Docker-Content-Digest")).isEqualTo(manifest.digest());
                assertThat(get.header("Content-Length")).isEqualTo(String.valueOf(manifest.size()));
                Reply head = registry.head(path);
                assertThat(head.status()).as("%s", head).isEqualTo(200);
                assertThat(head.body()).isEmpty();
                assertThat(head.header("Content-Type")).isEqualTo(manifest.mediaType());
                assertThat(head.header("Docker-Content-Digest")).isEqualTo(manifest.digest());
                assertThat(head.header("Content-Length")).isEqualTo(String.valueOf(manifest.size()));
            }
            assertThat(registry.delete(byTag).status()).isEqualTo(202);
            assertError(registry.get(byTag), 404, "MANIFEST_UNKNOWN");
            assertThat(registry.get(byDigest).status()).isEqualTo(200);
            assertThat(registry.delete(byDigest).status()).isEqualTo(202);
            assertError(registry.get(byDigest), 404, "MANIFEST_UNKNOWN");
            assertError(registry.head(byDigest), 404, "MANIFEST_UNKNOWN");
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource({
                "OCI image manifest",
                "OCI image index",
                "Docker schema 2 manifest",
                "Docker manifest list",
                "OCI artifact manifest",
        })
        @DisplayName("PUT by digest answers 201 and leaves no tag")
        void putByDigest(String kind) {
            // given
            Document manifest = prepare(kind);
            List<String> tagsBefore = tags(name);

            // when
            Reply put = registry.putManifest(name, manifest.digest(), manifest);

            // then
            assertThat(put.status()).as("%s", put).isEqualTo(201);
            assertThat(put.header("Location")).isEqualTo("/v2/" + name + "/manifests/" + manifest.digest());
            assertThat(put.header("Docker-Content-Digest")).isEqualTo(manifest.digest());
            assertThat(registry.get("/v2/" + name + "/manifests/" + manifest.digest()).body()).isEqualTo(manifest.bytes());
            assertThat(tags(name)).isEqualTo(tagsBefore);
        }

        @Test
        @DisplayName("the exact bytes are stored: whitespace, key order and escapes survive, and the digest covers them")
        void exactBytes() {
            // given
            Blob config = OciContent.uniqueConfig();
            Blob layer = OciContent.uniqueBlob(10);
            registry.pushBlobs(name, config, layer);
            String text = "\n{  \"layers\" : [ " + layer.descriptor(OciContent.OCI_LAYER) + " ] ,\r\n\t\"schemaVersion\":2,"
                    + "\"config\":" + config.descriptor(OCI_CONFIG) + ",   \"mediaType\":\"" + OCI_MANIFEST + "\","
                    + "\"annotations\":{\"note\":\"caf\\u00e9 \u2615 \\\"quoted\\\"\",\"z\":\"1\",\"a\":\"2\"}}\n\n";
            Document manifest = new Document(OCI_MANIFEST, text);

            // when
            Reply put = registry.putManifest(name, "exact", manifest);

            // then
            assertThat(put.header("Docker-Content-Digest")).isEqualTo(manifest.digest());
            Reply get = registry.get("/v2/" + name + "/manifests/exact");
            assertThat(get.body()).isEqualTo(manifest.bytes());
            assertThat(get.header("Docker-Content-Digest")).isEqualTo(OciContent.sha256(get.body()));
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource(delimiter = '|', value = {
                "application/vnd.oci.image.manifest.v1+json                 | application/vnd.oci.image.manifest.v1+json",
                "application/vnd.oci.image.manifest.v1+json; charset=utf-8  | application/vnd.oci.image.manifest.v1+json",
                "Application/Vnd.OCI.Image.Manifest.v1+JSON                 | application/vnd.oci.image.manifest.v1+json",
        })
        @DisplayName("the Content-Type pushed is the one served (without parameters), even with no mediaType in the body")
        void contentTypeAsPushed(String pushedAs, String servedAs) {
            // given
            Blob config = OciContent.uniqueConfig();
            registry.pushBlobs(name, config);
            Document manifest = new Document(OCI_MANIFEST,
                    "{\"schemaVersion\":2,\"config\":" + config.descriptor(OCI_CONFIG) + ",\"layers\":[]}");

            // when
            Reply put = registry.put("/v2/" + name + "/manifests/typed", manifest.bytes(), "Content-Type", pushedAs);

            // then
            assertThat(put.status()).as("%s", put).isEqualTo(201);
            assertThat(registry.get("/v2/" + name + "/manifests/typed").header("Content-Type")).isEqualTo(servedAs);
            assertThat(registry.head("/v2/" + name + "/manifests/typed").header("Content-Type")).isEqualTo(servedAs);
        }

        @Test
        @DisplayName("pushing another manifest to a tag moves the tag")
        void retag() {
            // given
            Image first = OciContent.ociImage(1);
            Image second = OciContent.ociImage(1);
            registry.pushImage(name, "moving", first);

            // when
            registry.pushImage(name, "moving", second);

            // then
            assertThat(registry.get("/v2/" + name + "/manifests/moving").body()).isEqualTo(second.manifest().bytes());
            assertThat(registry.get("/v2/" + name + "/manifests/" + first.manifest().digest()).status()).isEqualTo(200);
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource(delimiter = '|', value = {
                "{                                  | truncated",
                "not json                           | not JSON",
                "[]                                 | an array",
                "\"text\"                           | a string",
                "{\"schemaVersion\":2}{}            | trailing content",
                "{\"schemaVersion\":\"2\"}          | a string schemaVersion",
                "{\"schemaVersion\":3}              | schemaVersion 3",
                "{\"schemaVersion\":2,\"config\":{},\"layers\":[]}      | an empty config descriptor",
                "{\"schemaVersion\":2,\"config\":7,\"layers\":[]}       | a config that is no object",
                "{\"schemaVersion\":2,\"layers\":[]}                      | no config",
                "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a/b\",\"digest\":\"sha256:<hex64>\",\"size\":-1},\"layers\":[]} | a negative size",
                "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a/b\",\"digest\":\"sha256:abc\",\"size\":1},\"layers\":[]}      | a bad digest",
                "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a/b\",\"digest\":\"sha256:<hex64>\",\"size\":1}}                | no layers",
                "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a/b\",\"digest\":\"sha256:<hex64>\",\"size\":1},\"layers\":{}}  | layers that are no array",
                "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a/b\",\"digest\":\"sha256:<hex64>\",\"size\":1},\"layers\":[],\"manifests\":[]} | manifests in an image manifest",
                "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a/b\",\"digest\":\"sha256:<hex64>\",\"size\":1},\"layers\":[],\"annotations\":{\"a\":1}} | a non-string annotation",
                "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a/b\",\"digest\":\"sha256:<hex64>\",\"size\":1e400},\"layers\":[]} | a size beyond any integer",
                "<nesting>                          | arrays nested 100000 deep",
        })
        @DisplayName("an invalid OCI manifest is refused with 400 MANIFEST_INVALID")
        void invalidManifest(String template, String why) {
            String body = template.equals("<nesting>") ? "[".repeat(100_000) + "]".repeat(100_000) : expand(template);

            // when
            Reply reply = registry.put("/v2/" + name + "/manifests/invalid", bytes(body), "Content-Type", OCI_MANIFEST);

            // then
            assertError(reply, 400, "MANIFEST_INVALID");
            assertError(registry.get("/v2/" + name + "/manifests/invalid"), 404, "MANIFEST_UNKNOWN");
        }

        @Test
        @DisplayName("an index with config or layers, or without manifests, is refused with 400 MANIFEST_INVALID")
        void invalidIndex() {
            // when
            Reply withLayers = registry.put("/v2/" + name + "/manifests/invalid",
                    bytes("{\"schemaVersion\":2,\"mediaType\":\"" + OCI_INDEX + "\",\"manifests\":[],\"layers\":[]}"),
                    "Content-Type", OCI_INDEX);
            Reply withoutManifests = registry.put("/v2/" + name + "/manifests/invalid",
                    bytes("{\"schemaVersion\":2,\"mediaType\":\"" + OCI_INDEX + "\"}"), "Content-Type", OCI_INDEX);

            // then
            assertError(withLayers, 400, "MANIFEST_INVALID");
            assertError(withoutManifests, 400, "MANIFEST_INVALID");
        }

        @ParameterizedTest(name = "Content-Type {0} for mediaType {1}")
        @CsvSource({
                "application/vnd.oci.image.index.v1+json,                     application/vnd.oci.image.manifest.v1+json",
                "application/vnd.docker.distribution.manifest.v2+json,        application/vnd.oci.image.manifest.v1+json",
                "application/vnd.oci.image.manifest.v1+json,                  application/vnd.docker.distribution.manifest.v2+json",
        })
        @DisplayName("a mediaType that differs from the Content-Type is refused with 400 MANIFEST_INVALID")
        void mediaTypeMismatch(String contentType, String mediaType) {
            // given
            Blob config = OciContent.uniqueConfig();
            registry.pushBlobs(name, config);
            byte[] body = bytes("{\"schemaVersion\":2,\"mediaType\":\"" + mediaType + "\",\"config\":"
                    + config.descriptor(OCI_CONFIG) + ",\"layers\":[]}");

            // when
            Reply reply = registry.put("/v2/" + name + "/manifests/mismatch", body, "Content-Type", contentType);

            // then
            assertError(reply, 400, "MANIFEST_INVALID");
        }

        @ParameterizedTest(name = "Content-Type: {0}")
        @CsvSource({
                "''",
                "application/octet-stream",
                "application/json",
                "text/plain",
        })
        @DisplayName("a manifest whose type is neither in Content-Type nor in the body, or unknown, is refused")
        void noUsableMediaType(String contentType) {
            // given
            Blob config = OciContent.uniqueConfig();
            registry.pushBlobs(name, config);
            byte[] body = bytes("{\"schemaVersion\":2,\"config\":" + config.descriptor(OCI_CONFIG) + ",\"layers\":[]}");

            // when
            Reply reply = contentType.isEmpty()
                    ? registry.put("/v2/" + name + "/manifests/untyped", body)
                    : registry.put("/v2/" + name + "/manifests/untyped", body, "Content-Type", contentType);

            // then
            assertError(reply, 400, "MANIFEST_INVALID");
        }

        @ParameterizedTest(name = "Content-Type: {0}")
        @CsvSource({
                "application/vnd.docker.distribution.manifest.v1+prettyjws",
                "application/vnd.docker.distribution.manifest.v1+json",
                "application/json",
                "application/vnd.oci.image.manifest.v1+json",
        })
        @DisplayName("a Docker schema 1 manifest is refused with 400 MANIFEST_INVALID")
        void schema1Refused(String contentType) {
            // given
            byte[] schema1 = bytes("""
                    {"schemaVersion":1,"name":"%s","tag":"old","architecture":"amd64",
                     "fsLayers":[{"blobSum":"%s"}],"history":[{"v1Compatibility":"{}"}],
                     "signatures":[{"header":{"alg":"ES256"},"signature":"c2ln","protected":"cHJvdA"}]}"""
                    .formatted(name, HELLO_DIGEST));

            // when
            Reply reply = registry.put("/v2/" + name + "/manifests/old", schema1, "Content-Type", contentType);

            // then
            assertError(reply, 400, "MANIFEST_INVALID");
            assertError(registry.get("/v2/" + name + "/manifests/old"), 404, "MANIFEST_UNKNOWN");
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource({
                "config",
                "first layer",
                "last layer",
                "blob held by another repository only",
        })
        @DisplayName("a manifest naming a blob the repository lacks is refused with MANIFEST_BLOB_UNKNOWN, and nothing is stored")
        void missingBlob(String missing) {
            // given
            Blob config = OciContent.uniqueConfig();
            Blob first = OciContent.uniqueBlob(10);
            Blob last = OciContent.uniqueBlob(11);
            Document manifest = OciContent.ociManifest(config, List.of(first, last), null);
            switch (missing) {
                case "config" -> registry.pushBlobs(name, first, last);
                case "first layer" -> registry.pushBlobs(name, config, last);
                case "last layer" -> registry.pushBlobs(name, config, first);
                default -> {
                    registry.pushBlobs(name, config, first);
                    registry.pushBlobs(repo("other"), last);
                }
            }

            // when
            Reply reply = registry.putManifest(name, "incomplete", manifest);

            // then
            assertError(reply, 400, "MANIFEST_BLOB_UNKNOWN");
            assertError(registry.get("/v2/" + name + "/manifests/incomplete"), 404, "MANIFEST_UNKNOWN");
            assertError(registry.get("/v2/" + name + "/manifests/" + manifest.digest()), 404, "MANIFEST_UNKNOWN");
        }

        @Test
        @DisplayName("an index naming a manifest the repository lacks is refused with MANIFEST_BLOB_UNKNOWN (spec: a manifest or blob)")
        void missingIndexChild() {
            // given
            Document present = pushed(OciContent.ociImage(1));
            Document absent = OciContent.ociImage(1).manifest();
            Document index = OciContent.ociIndex(List.of(present, absent), null);

            // when
            Reply reply = registry.putManifest(name, "index", index);

            // then
            assertError(reply, 400, "MANIFEST_BLOB_UNKNOWN");
            assertError(registry.get("/v2/" + name + "/manifests/index"), 404, "MANIFEST_UNKNOWN");
        }

        @Test
        @DisplayName("a manifest whose digest differs from the one in the URL is refused with 400 DIGEST_INVALID")
        void digestMismatch() {
            // given
            Image image = OciContent.ociImage(1);
            registry.pushBlobs(name, image.blobs().toArray(Blob[]::new));
            String other = OciContent.ociImage(1).manifest().digest();

            // when
            Reply reply = registry.putManifest(name, other, image.manifest());

            // then
            assertError(reply, 400, "DIGEST_INVALID");
            assertError(registry.get("/v2/" + name + "/manifests/" + other), 404, "MANIFEST_UNKNOWN");
            assertError(registry.get("/v2/" + name + "/manifests/" + image.manifest().digest()), 404, "MANIFEST_UNKNOWN");
        }

        @Test
        @DisplayName("a manifest of exactly 4 MiB is accepted and served whole")
        void fourMebibyteManifest() {
            // given
            Document manifest = paddedManifest(4 * 1024 * 1024);

            // when
            Reply put = registry.putManifest(name, "big", manifest);

            // then
            assertThat(put.status()).as("%s", put).isEqualTo(201);
            assertThat(registry.get("/v2/" + name + "/manifests/big").body()).isEqualTo(manifest.bytes());
        }

        @Test
        @DisplayName("a manifest over 4 MiB is refused with 413 MANIFEST_INVALID, with or without Content-Length")
        void tooLargeManifest() {
            // given
            Document manifest = paddedManifest(4 * 1024 * 1024 + 1);
            String path = "/v2/" + name + "/manifests/too-big";

            // when: one declares its length and sends no body, the other streams it without a length
            Reply declared;
            try (RawHttp raw = RawHttp.connect(port)) {
                declared = raw.head("PUT", path, "Content-Type", OCI_MANIFEST, "Content-Length", String.valueOf(manifest.size()))
                        .readResponse().asReply("PUT " + path);
            }
            Reply streamed = registry.send("PUT", path, V2Client.streamed(() -> new ByteArrayInputStream(manifest.bytes())),
                    "Content-Type", OCI_MANIFEST);

            // then: the declared one is refused before a byte of its body is read
            assertError(declared, 413, "MANIFEST_INVALID");
            V2Client.assertWellFormedError(declared);
            assertError(streamed, 413, "MANIFEST_INVALID");
            assertError(registry.get(path), 404, "MANIFEST_UNKNOWN");
        }

        private Document paddedManifest(int size) {
            Blob config = OciContent.uniqueConfig();
            registry.pushBlobs(name, config);
            String head = "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\",\"config\":" + config.descriptor(OCI_CONFIG)
                    + ",\"layers\":[],\"annotations\":{\"padding\":\"";
            String tail = "\"}}";
            return new Document(OCI_MANIFEST, head + "x".repeat(size - head.length() - tail.length()) + tail);
        }

        @Test
        @DisplayName("DELETE by digest removes the manifest and every tag pointing at it, and no other tag")
        void deleteByDigest() {
            // given
            Image deleted = OciContent.ociImage(1);
            Image kept = OciContent.ociImage(1);
            registry.pushImage(name, "a", deleted);
            registry.pushImage(name, "b", deleted);
            registry.pushImage(name, "c", kept);

            // when
            Reply reply = registry.delete("/v2/" + name + "/manifests/" + deleted.manifest().digest());

            // then
            assertThat(reply.status()).as("%s", reply).isEqualTo(202);
            assertError(registry.get("/v2/" + name + "/manifests/" + deleted.manifest().digest()), 404, "MANIFEST_UNKNOWN");
            assertError(registry.get("/v2/" + name + "/manifests/a"), 404, "MANIFEST_UNKNOWN");
            assertError(registry.get("/v2/" + name + "/manifests/b"), 404, "MANIFEST_UNKNOWN");
            assertThat(registry.get("/v2/" + name + "/manifests/c").body()).isEqualTo(kept.manifest().bytes());
            assertThat(tags(name)).containsExactly("c");
        }

        @Test
        @DisplayName("DELETE by tag removes only that tag")
        void deleteByTag() {
            // given
            Image image = OciContent.ociImage(1);
            registry.pushImage(name, "a", image);
            registry.pushImage(name, "b", image);

            // when
            Reply reply = registry.delete("/v2/" + name + "/manifests/a");

            // then
            assertThat(reply.status()).as("%s", reply).isEqualTo(202);
            assertError(registry.get("/v2/" + name + "/manifests/a"), 404, "MANIFEST_UNKNOWN");
            assertThat(registry.get("/v2/" + name + "/manifests/b").body()).isEqualTo(image.manifest().bytes());
            assertThat(registry.get("/v2/" + name + "/manifests/" + image.manifest().digest()).status()).isEqualTo(200);
            assertThat(tags(name)).containsExactly("b");
        }

        @Test
        @DisplayName("GET, HEAD and DELETE of an unknown manifest, tag or repository answer 404 MANIFEST_UNKNOWN")
        void unknownManifest() {
            // given
            registry.pushImage(name, "present", OciContent.ociImage(1));
            String unknownDigest = OciContent.ociImage(1).manifest().digest();

            // when
            List<Reply> replies = List.of(
                    registry.get("/v2/" + name + "/manifests/absent"),
                    registry.head("/v2/" + name + "/manifests/absent"),
                    registry.delete("/v2/" + name + "/manifests/absent"),
                    registry.get("/v2/" + name + "/manifests/" + unknownDigest),
                    registry.delete("/v2/" + name + "/manifests/" + unknownDigest),
                    registry.get("/v2/" + repo("nothing") + "/manifests/latest"),
                    registry.delete("/v2/" + repo("nothing") + "/manifests/" + unknownDigest));

            // then
            assertThat(replies).allSatisfy(reply -> assertError(reply, 404, "MANIFEST_UNKNOWN"));
        }
    }

    // =============================================================================================================

    @Group
    @DisplayName("referrers")
    class Referrers {

        private static final String SBOM = "application/vnd.example.sbom.v1";
        private static final String SIGNATURE_CONFIG = "application/vnd.example.signature.config.v1+json";

        private final String name = repo("referrers");
        private final Image subject = OciContent.ociImage(1);

        @BeforeEach
        void pushEmptyConfig() {
            registry.pushBlobs(name, EMPTY_JSON);
        }

        private Document pushArtifact(String artifactType, Map<String, String> annotations) {
            Blob layer = OciContent.uniqueBlob(30);
            registry.pushBlobs(name, layer);
            Document artifact = OciContent.artifact(artifactType, layer, subject.manifest(), annotations);
            registry.pushManifest(name, artifact.digest(), artifact);
            return artifact;
        }

        private JsonNode referrers(String query) {
            Reply reply = registry.get("/v2/" + name + "/referrers/" + subject.manifest().digest() + query);
            assertThat(reply.status()).as("%s", reply).isEqualTo(200);
            assertThat(reply.header("Content-Type")).isEqualTo(OCI_INDEX);
            return reply.json();
        }

        private static List<String> digests(JsonNode index) {
            List<String> digests = new ArrayList<>();
            index.path("manifests").forEach(d -> digests.add(d.path("digest").asString()));
            return digests;
        }

        @Test
        @DisplayName("a manifest whose subject does not exist yet is accepted, with OCI-Subject, and listed")
        void subjectMayComeLater() {
            // given
            Blob layer = OciContent.uniqueBlob(30);
            registry.pushBlobs(name, layer);
            Document artifact = OciContent.artifact(SBOM, layer, subject.manifest(), null);

            // when
            Reply put = registry.putManifest(name, "sbom", artifact);

            // then
            assertThat(put.status()).as("%s", put).isEqualTo(201);
            assertThat(put.header("OCI-Subject")).isEqualTo(subject.manifest().digest());
            assertThat(digests(referrers(""))).containsExactly(artifact.digest());
            registry.pushImage(name, "subject", subject);
            assertThat(digests(referrers(""))).containsExactly(artifact.digest());
        }

        @Test
        @DisplayName("a manifest without subject gets no OCI-Subject header")
        void noSubjectNoHeader() {
            // when
            Reply put = registry.putManifest(name, "plain", prepared(subject));

            // then
            assertThat(put.status()).isEqualTo(201);
            assertThat(put.header("OCI-Subject")).isNull();
        }

        private Document prepared(Image image) {
            registry.pushBlobs(name, image.blobs().toArray(Blob[]::new));
            return image.manifest();
        }

        @Test
        @DisplayName("the referrers are an OCI index of descriptors with mediaType, digest, size, artifactType and annotations")
        void descriptors() {
            // given: an artifact, a manifest typed by its config, and an index without artifactType
            registry.pushImage(name, "subject", subject);
            Document sbom = pushArtifact(SBOM, Map.of("org.example.kind", "sbom"));
            Blob signatureConfig = OciContent.uniqueConfig();
            registry.pushBlobs(name, signatureConfig);
            Document signature = new Document(OCI_MANIFEST, "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST
                    + "\",\"config\":" + signatureConfig.descriptor(SIGNATURE_CONFIG) + ",\"layers\":[],\"subject\":"
                    + subject.manifest().descriptor() + ",\"annotations\":{\"org.example.kind\":\"signature\"}}");
            registry.pushManifest(name, signature.digest(), signature);
            Document child = prepared(OciContent.ociImage(1));
            registry.pushManifest(name, child.digest(), child);
            Document index = OciContent.ociIndex(List.of(child),
                    "\"subject\":" + subject.manifest().descriptor() + ",\"annotations\":{\"org.example.kind\":\"bundle\"}");
            registry.pushManifest(name, index.digest(), index);

            // when
            JsonNode referrers = referrers("");

            // then
            assertThat(referrers.path("schemaVersion").asInt()).isEqualTo(2);
            assertThat(referrers.path("mediaType").asString()).isEqualTo(OCI_INDEX);
            Map<String, JsonNode> byDigest = new HashMap<>();
            referrers.path("manifests").forEach(d -> byDigest.put(d.path("digest").asString(), d));
            assertThat(byDigest).containsOnlyKeys(sbom.digest(), signature.digest(), index.digest());
            assertDescriptor(byDigest.get(sbom.digest()), sbom, SBOM, "sbom");
            assertDescriptor(byDigest.get(signature.digest()), signature, SIGNATURE_CONFIG, "signature");
            assertDescriptor(byDigest.get(index.digest()), index, null, "bundle");
        }

        private void assertDescriptor(JsonNode descriptor, Document manifest, String artifactType, String kind) {
            assertThat(descriptor.path("mediaType").asString()).isEqualTo(manifest.mediaType());
            assertThat(descriptor.path("size").asLong()).isEqualTo(manifest.size());
            if (artifactType == null) {
                assertThat(descriptor.has("artifactType")).as("an index without artifactType has none: %s", descriptor).isFalse();
            } else {
                assertThat(descriptor.path("artifactType").asString()).isEqualTo(artifactType);
            }
            assertThat(descriptor.path("annotations").path("org.example.kind").asString()).isEqualTo(kind);
        }

        @Test
        @DisplayName("?artifactType= lists only that type and answers OCI-Filters-Applied: artifactType")
        void filterByArtifactType() {
            // given
            Document sbom = pushArtifact(SBOM, null);
            pushArtifact("application/vnd.example.signature.v1", null);

            // when
            Reply filtered = registry.get("/v2/" + name + "/referrers/" + subject.manifest().digest()
                    + "?artifactType=" + URLEncoder.encode(SBOM, StandardCharsets.UTF_8));
            Reply none = registry.get("/v2/" + name + "/referrers/" + subject.manifest().digest() + "?artifactType=application/x-none");
            Reply unfiltered = registry.get("/v2/" + name + "/referrers/" + subject.manifest().digest());

            // then
            assertThat(filtered.header("OCI-Filters-Applied")).isEqualTo("artifactType");
            assertThat(digests(filtered.json())).containsExactly(sbom.digest());
            assertThat(none.header("OCI-Filters-Applied")).isEqualTo("artifactType");
            assertThat(digests(none.json())).isEmpty();
            assertThat(unfiltered.header("OCI-Filters-Applied")).isNull();
            assertThat(digests(unfiltered.json())).hasSize(2);
        }

        @Test
        @DisplayName("with no referrers, or no such repository, the answer is 200 with an empty index, never 404")
        void emptyIndex() {
            // given
            registry.pushImage(name, "subject", subject);

            // when
            Reply none = registry.get("/v2/" + name + "/referrers/" + subject.manifest().digest());
            Reply unknownRepository = registry.get("/v2/" + repo("nothing") + "/referrers/" + subject.manifest().digest());

            // then
            for (Reply reply : List.of(none, unknownRepository)) {
                assertThat(reply.status()).as("%s", reply).isEqualTo(200);
                assertThat(reply.header("Content-Type")).isEqualTo(OCI_INDEX);
                assertThat(reply.json().path("schemaVersion").asInt()).isEqualTo(2);
                assertThat(reply.json().path("mediaType").asString()).isEqualTo(OCI_INDEX);
                assertThat(reply.json().path("manifests").isArray()).isTrue();
                assertThat(reply.json().path("manifests")).isEmpty();
            }
        }

        @Test
        @DisplayName("deleting a referrer by digest removes it from the list; deleting a tag of it does not")
        void listFollowsDeletes() {
            // given
            Document first = pushArtifact(SBOM, null);
            Document second = pushArtifact(SBOM, null);
            registry.pushManifest(name, "second", second);

            // when
            Reply byDigest = registry.delete("/v2/" + name + "/manifests/" + first.digest());
            Reply byTag = registry.delete("/v2/" + name + "/manifests/second");

            // then
            assertThat(byDigest.status()).isEqualTo(202);
            assertThat(byTag.status()).isEqualTo(202);
            assertThat(digests(referrers(""))).containsExactly(second.digest());
        }

        @Test
        @DisplayName("a long list is paged with n and Link: <...>; rel=\"next\"")
        void paging() {
            // given
            List<String> all = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                all.add(pushArtifact(SBOM, null).digest());
            }

            // when
            List<String> seen = new ArrayList<>();
            String next = "/v2/" + name + "/referrers/" + subject.manifest().digest() + "?n=2";
            int pages = 0;
            while (next != null) {
                Reply page = registry.get(next);
                assertThat(page.status()).as("%s", page).isEqualTo(200);
                assertThat(page.json().path("manifests").size()).isLessThanOrEqualTo(2);
                seen.addAll(digests(page.json()));
                next = page.nextLink().orElse(null);
                pages++;
            }

            // then
            assertThat(seen).containsExactlyInAnyOrderElementsOf(all);
            assertThat(pages).isEqualTo(3);
        }
    }

    // =============================================================================================================

    @Group
    @DisplayName("listing tags")
    class TagListing {

        private static final List<String> TAGS = List.of("b", "a", "c1", "c0", "a-b", "a.b", "a_b", "9", "10");

        private final String name = repo("tag-list");

        @BeforeEach
        void pushTags() {
            Image image = OciContent.ociImage(1);
            registry.pushImage(name, TAGS.get(0), image);
            for (String tag : TAGS.subList(1, TAGS.size())) {
                registry.pushManifest(name, tag, image.manifest());
            }
        }

        private List<String> sorted() {
            List<String> sorted = new ArrayList<>(TAGS);
            Collections.sort(sorted);
            return sorted;
        }

        @Test
        @DisplayName("the tags are listed in lexical order with the repository's name")
        void sortedList() {
            // when
            Reply reply = registry.get("/v2/" + name + "/tags/list");

            // then
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.header("Content-Type")).startsWith("application/json");
            assertThat(reply.json().path("name").asString()).isEqualTo(name);
            assertThat(tags(name)).isEqualTo(sorted());
            assertThat(reply.header("Link")).isNull();
        }

        @ParameterizedTest(name = "n={0}")
        @CsvSource({"1", "2", "3", "4", "8"})
        @DisplayName("n pages the list: each page holds n tags and a Link to the next, until the last")
        void pagination(int n) {
            // when
            List<String> seen = new ArrayList<>();
            List<Integer> sizes = new ArrayList<>();
            String next = "/v2/" + name + "/tags/list?n=" + n;
            while (next != null) {
                Reply page = registry.get(next);
                assertThat(page.status()).as("%s", page).isEqualTo(200);
                List<String> tags = new ArrayList<>();
                page.json().path("tags").forEach(t -> tags.add(t.asString()));
                seen.addAll(tags);
                sizes.add(tags.size());
                next = page.nextLink().orElse(null);
                if (next != null) {
                    assertThat(page.header("Link")).isEqualTo("<" + next + ">; rel=\"next\"");
                    assertThat(next).startsWith("/v2/" + name + "/tags/list?");
                    assertThat(V2Client.query(next)).containsEntry("last", tags.getLast());
                    assertThat(tags).hasSize(n);
                }
            }

            // then
            assertThat(seen).isEqualTo(sorted());
            assertThat(sizes.subList(0, sizes.size() - 1)).allMatch(size -> size == n);
        }

        @Test
        @DisplayName("tags with capitals are listed case-insensitively, as the spec orders them, and n and last page through them")
        void caseInsensitiveOrder() {
            // given tags whose byte order differs from their case-insensitive order
            String mixed = repo("tag-case");
            List<String> pushed = List.of("beta", "Alpha", "ALPHA2", "a_b", "Zulu", "alpha1", "B", "x" + "Y".repeat(127));
            Image image = OciContent.ociImage(2);
            registry.pushImage(mixed, pushed.getFirst(), image);
            for (String tag : pushed.subList(1, pushed.size())) {
                registry.pushManifest(mixed, tag, image.manifest());
            }
            List<String> expected = new ArrayList<>(pushed);
            expected.sort(Comparator.comparing((String t) -> t.toLowerCase(Locale.ROOT)));

            // when
            List<String> all = tags(mixed);
            List<String> paged = new ArrayList<>();
            String next = "/v2/" + mixed + "/tags/list?n=3";
            while (next != null) {
                Reply page = registry.get(next);
                page.json().path("tags").forEach(t -> paged.add(t.asString()));
                next = page.nextLink().orElse(null);
            }
            Reply afterAlpha = registry.get("/v2/" + mixed + "/tags/list?last=Alpha");

            // then
            assertThat(all).isEqualTo(expected);
            assertThat(paged).isEqualTo(expected);
            assertThat(afterAlpha.json().path("tags").toString()).isEqualTo("[\"alpha1\",\"ALPHA2\",\"B\",\"beta\",\"x" + "Y".repeat(127) + "\",\"Zulu\"]");
            assertThat(registry.head("/v2/" + mixed + "/manifests/x" + "Y".repeat(127)).status()).isEqualTo(200);
        }

        @Test
        @DisplayName("last starts the list after that tag, exclusively, with or without n")
        void last() {
            // when
            Reply withN = registry.get("/v2/" + name + "/tags/list?n=2&last=a-b");
            Reply withoutN = registry.get("/v2/" + name + "/tags/list?last=b");
            Reply pastTheEnd = registry.get("/v2/" + name + "/tags/list?last=zzz");
            Reply notATag = registry.get("/v2/" + name + "/tags/list?last=a0");

            // then
            assertThat(withN.json().path("tags").toString()).isEqualTo("[\"a.b\",\"a_b\"]");
            assertThat(withoutN.json().path("tags").toString()).isEqualTo("[\"c0\",\"c1\"]");
            assertThat(pastTheEnd.json().path("tags")).isEmpty();
            assertThat(notATag.json().path("tags").toString()).isEqualTo("[\"a_b\",\"b\",\"c0\",\"c1\"]");
        }

        @Test
        @DisplayName("n=0 answers an empty list and no Link")
        void zero() {
            // when
            Reply reply = registry.get("/v2/" + name + "/tags/list?n=0");

            // then
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.json().path("tags")).isEmpty();
            assertThat(reply.header("Link")).isNull();
        }

        @Test
        @DisplayName("n larger than the list answers all tags and no Link")
        void moreThanThereIs() {
            // when
            Reply reply = registry.get("/v2/" + name + "/tags/list?n=100");

            // then
            assertThat(reply.json().path("tags")).hasSize(TAGS.size());
            assertThat(reply.header("Link")).isNull();
        }

        @ParameterizedTest(name = "n={0}")
        @CsvSource({"-1", "abc", "1.5", "''"})
        @DisplayName("an n that is no non-negative integer answers 400")
        void invalidN(String n) {
            // when
            Reply reply = registry.get("/v2/" + name + "/tags/list?n=" + n);

            // then
            if (n.isEmpty()) {
                assertThat(reply.status()).as("an empty n means no limit: %s", reply).isEqualTo(200);
            } else {
                assertThat(reply.status()).as("%s", reply).isEqualTo(400);
            }
        }

        @Test
        @DisplayName("an unknown repository answers 404 NAME_UNKNOWN")
        void unknownRepository() {
            // when
            Reply reply = registry.get("/v2/" + repo("nothing") + "/tags/list");

            // then
            assertError(reply, 404, "NAME_UNKNOWN");
        }

        @Test
        @DisplayName("a repository with blobs and no tags answers an empty list")
        void noTags() {
            // given
            String untagged = repo("untagged");
            registry.pushBlob(untagged, OciContent.uniqueBlob(5).bytes());

            // when
            Reply reply = registry.get("/v2/" + untagged + "/tags/list");

            // then
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.json().path("name").asString()).isEqualTo(untagged);
            assertThat(reply.json().path("tags")).isEmpty();
        }
    }

    // =============================================================================================================

    @Group
    @DisplayName("the catalog")
    class Catalog {

        @Test
        @DisplayName("repositories are listed in lexical order of their full names, nested ones included, paged with n and Link")
        void nestedNamesSortLexically() {
            // given: names that differ exactly where '-', '.', '/', '0' and '_' sort against each other
            String prefix = "catalog-" + SEQUENCE.incrementAndGet();
            List<String> names = new ArrayList<>(List.of("a", "a-b", "a.b", "a/b", "a/b/c", "a0", "a_b", "b", "b/a"));
            names.replaceAll(n -> prefix + "/" + n);
            List<String> shuffled = new ArrayList<>(names);
            Collections.shuffle(shuffled, new Random(7));
            shuffled.forEach(n -> registry.pushBlob(n, OciContent.uniqueBlob(3).bytes()));

            // when: paging from just before the prefix, two at a time
            List<String> seen = new ArrayList<>();
            String next = "/v2/_catalog?n=2&last=" + prefix;
            while (next != null) {
                Reply page = registry.get(next);
                assertThat(page.status()).as("%s", page).isEqualTo(200);
                assertThat(page.header("Content-Type")).startsWith("application/json");
                List<String> repositories = new ArrayList<>();
                page.json().path("repositories").forEach(n -> repositories.add(n.asString()));
                assertThat(repositories).hasSizeLessThanOrEqualTo(2);
                repositories.stream().filter(n -> n.startsWith(prefix + "/")).forEach(seen::add);
                boolean pastPrefix = repositories.stream().anyMatch(n -> !n.startsWith(prefix + "/"));
                next = pastPrefix ? null : page.nextLink().orElse(null);
                if (next != null) {
                    assertThat(next).startsWith("/v2/_catalog?");
                    assertThat(V2Client.query(next)).containsEntry("n", "2").containsEntry("last", repositories.getLast());
                }
            }

            // then
            List<String> sorted = new ArrayList<>(names);
            Collections.sort(sorted);
            assertThat(sorted).containsExactly(prefix + "/a", prefix + "/a-b", prefix + "/a.b", prefix + "/a/b",
                    prefix + "/a/b/c", prefix + "/a0", prefix + "/a_b", prefix + "/b", prefix + "/b/a");
            assertThat(seen).isEqualTo(sorted);
            assertThat(catalog()).containsSubsequence(sorted);
        }

        @Test
        @DisplayName("n=0 answers an empty list and no Link")
        void zero() {
            // given
            registry.pushBlob(repo("catalog"), OciContent.uniqueBlob(3).bytes());

            // when
            Reply reply = registry.get("/v2/_catalog?n=0");

            // then
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.json().path("repositories")).isEmpty();
            assertThat(reply.header("Link")).isNull();
        }

        @Test
        @DisplayName("a repository appears once something is pushed to it, and only then")
        void appearsOnPush() {
            // given
            String name = repo("catalog");
            assertThat(catalog()).doesNotContain(name);
            registry.startUpload(name);
            assertThat(catalog()).as("an upload session alone does not create a repository").doesNotContain(name);

            // when
            registry.pushBlob(name, OciContent.uniqueBlob(3).bytes());

            // then
            assertThat(catalog()).contains(name);
        }
    }

    // =============================================================================================================

    @Group
    @DisplayName("error bodies")
    class ErrorBodies {

        @ParameterizedTest(name = "{0} {1} -> {2} {3}")
        @CsvSource({
                "GET,    /v2/Invalid/tags/list,                  400, NAME_INVALID",
                "GET,    /v2/errors/blobs/sha256:<hex64>,        404, BLOB_UNKNOWN",
                "GET,    /v2/errors/blobs/sha256:abc,            400, DIGEST_INVALID",
                "GET,    /v2/errors/manifests/missing,           404, MANIFEST_UNKNOWN",
                "GET,    /v2/errors-none/tags/list,              404, NAME_UNKNOWN",
                "GET,    /v2/errors/blobs/uploads/missing,       404, BLOB_UPLOAD_UNKNOWN",
                "PUT,    /v2/errors/manifests/x,                 400, MANIFEST_INVALID",
                "DELETE, /v2/errors/blobs/sha256:<hex64>,        404, BLOB_UNKNOWN",
                "POST,   /v2/errors/manifests/x,                 405, UNSUPPORTED",
        })
        @DisplayName("a client mistake answers the spec's {\"errors\":[{code, message, detail}]} envelope")
        void envelope(String method, String path, int status, String code) {
            // given
            registry.pushBlob("errors", OciContent.uniqueBlob(1).bytes());

            // when
            Reply reply = registry.send(method, expand(path), BodyPublishers.ofByteArray(bytes("{")));

            // then
            assertError(reply, status, code);
            V2Client.assertWellFormedError(reply);
            JsonNode error = reply.json().path("errors").path(0);
            assertThat(error.path("message").asString()).isNotBlank();
            assertThat(error.has("detail")).isTrue();
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource({
                "/v2/a%zz/tags/list",
                "/v2/a%/tags/list",
                "/v2/a%00b/tags/list",
                "/v2/../../x/tags/list",
                "/v2/a/..%2f..%2f../x/tags/list",
        })
        @DisplayName("a path the web server cannot even parse still answers 400 NAME_INVALID in the envelope")
        void unparseablePath(String path) {
            // when
            Reply reply;
            try (RawHttp raw = RawHttp.connect(port)) {
                reply = raw.head("GET", path).readResponse().asReply("GET " + path);
            }

            // then
            assertError(reply, 400, "NAME_INVALID");
            V2Client.assertWellFormedError(reply);
        }

        @Test
        @DisplayName("an error names the offending digest in its detail")
        void detail() {
            // when
            Reply reply = registry.get("/v2/" + repo("errors") + "/blobs/" + HELLO_DIGEST);

            // then
            assertThat(reply.json().path("errors").path(0).path("detail").path("digest").asString()).isEqualTo(HELLO_DIGEST);
        }
    }

    // =============================================================================================================

    /**
     * The same registry with {@code registry.delete.enabled=false}. A context of its own, so a backend's test
     * class adds it as {@code @Nested class DeletesDisabled extends DeletesDisabledContract {}}: declared there,
     * the nested class inherits the backend's configuration, and this class adds the property.
     */
    @TestPropertySource(properties = "registry.delete.enabled=false")
    public abstract static class DeletesDisabledContract extends WithV2Client {

        @Test
        @DisplayName("DELETE of a blob answers 405 UNSUPPORTED, and the blob stays")
        void blobDeleteRefused() {
            // given
            String name = repo("no-delete");
            Blob blob = OciContent.uniqueBlob(10);
            registry.pushBlob(name, blob.bytes());

            // when
            Reply reply = registry.delete("/v2/" + name + "/blobs/" + blob.digest());

            // then
            assertError(reply, 405, "UNSUPPORTED");
            assertThat(registry.get("/v2/" + name + "/blobs/" + blob.digest()).body()).isEqualTo(blob.bytes());
        }

        @Test
        @DisplayName("DELETE of a manifest by digest or by tag answers 405 UNSUPPORTED, and both stay")
        void manifestDeleteRefused() {
            // given
            String name = repo("no-delete");
            Image image = OciContent.ociImage(1);
            registry.pushImage(name, "kept", image);

            // when
            Reply byDigest = registry.delete("/v2/" + name + "/manifests/" + image.manifest().digest());
            Reply byTag = registry.delete("/v2/" + name + "/manifests/kept");

            // then
            assertError(byDigest, 405, "UNSUPPORTED");
            assertError(byTag, 405, "UNSUPPORTED");
            assertThat(registry.get("/v2/" + name + "/manifests/kept").body()).isEqualTo(image.manifest().bytes());
        }

        @Test
        @DisplayName("cancelling an upload is still allowed")
        void cancelAllowed() {
            // given
            String location = registry.startUpload(repo("no-delete"));

            // when
            Reply reply = registry.delete(location);

            // then
            assertThat(reply.status()).isEqualTo(204);
        }
    }
}
