package io.cangku.conformance;

import static io.cangku.conformance.TestContent.DUMMY_DIGEST;
import static io.cangku.conformance.TestContent.EMPTY_JSON;
import static io.cangku.conformance.TestContent.EMPTY_JSON_DIGEST;
import static io.cangku.conformance.TestContent.INDEX;
import static io.cangku.conformance.TestContent.MANIFEST;
import static io.cangku.conformance.TestContent.OCTET_STREAM;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import io.cangku.conformance.RegistryHttp.Response;
import io.cangku.conformance.TestContent.Blob;
import io.cangku.conformance.TestContent.Manifest;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import tools.jackson.databind.JsonNode;

/**
 * A JUnit port of the four workflows of the OCI distribution-spec conformance suite (the Go/ginkgo suite of
 * the v1.1 line, {@code conformance/0[1-4]_*_test.go} and {@code setup.go} in opencontainers/distribution-spec):
 * Pull, Push, Content Discovery and Content Management, with the same requests in the same order, accepting
 * the same statuses. Where revisions of that suite differ (v1.1.1 against the later classic main branch), the
 * stricter check is kept, so a registry passing this class passes each of them: setup pushes must answer
 * exactly 201 with a Location, a manifest PUT answers {@code OCI-Subject} exactly when the manifest has a
 * subject, the tag list must be sorted and {@code last} must be exclusive, and teardown expects a deleted
 * manifest to answer 404. Checks the suite only warns about (a manifest without layers refused, referrers not
 * filtered) print a warning here too.
 *
 * <p>Each workflow seeds what it needs with content of its own (unique configs, layers and tags), so the
 * workflows can run in any order against one registry; within a workflow the steps are ordered and share
 * state, as in the suite. The workflows share one repository and Content Management counts its tags, so they
 * run one at a time.
 *
 * <p>A subclass says where the registry is; the other hooks mirror the suite's environment variables. The
 * nested workflows take their Spring test configuration from this class (their enclosing class), not from the
 * subclass, so a {@code @SpringBootTest} on the subclass never reaches them: start the application yourself,
 * as {@link CangkuConformance} does with a {@link io.cangku.testing.RegistryContext}:
 * <pre>{@code
 * class FilesystemConformanceTest extends CangkuConformance {
 *     @Override
 *     protected RegistryContext startRegistry() {
 *         return RegistryContext.startOpen(Backends.filesystemArguments(Backends.newTempDir("cangku-conformance-")));
 *     }
 * }
 * }</pre>
 */
@Execution(ExecutionMode.SAME_THREAD)
public abstract class ConformanceWorkflows {

    /** The error codes the suite accepts in an error body (spec "Error Codes" table, minus TOOMANYREQUESTS). */
    static final List<String> ERROR_CODES = List.of(
            "BLOB_UNKNOWN", "BLOB_UPLOAD_INVALID", "BLOB_UPLOAD_UNKNOWN", "DIGEST_INVALID",
            "MANIFEST_BLOB_UNKNOWN", "MANIFEST_INVALID", "MANIFEST_UNKNOWN", "MANIFEST_UNVERIFIED",
            "NAME_INVALID", "NAME_UNKNOWN", "SIZE_INVALID", "TAG_INVALID", "UNAUTHORIZED", "DENIED",
            "UNSUPPORTED");

    /** A reference no manifest can have: it is not even a valid tag. The suite expects 404 for it, not 400. */
    static final String NONEXISTENT_MANIFEST = ".INVALID_MANIFEST_NAME";

    static final String ANNOTATION_KEY = "org.opencontainers.conformance.test";
    static final String ARTIFACT_TYPE_A = "application/vnd.nhl.peanut.butter.bagel";
    static final String ARTIFACT_TYPE_B = "application/vnd.nba.strawberry.jam.croissant";
    static final String ARTIFACT_TYPE_INDEX = "application/vnd.food.stand";

    /** Base URL such as http://127.0.0.1:PORT (no trailing slash). */
    protected abstract URI registryUri();

    /**
     * Optional basic credentials (OCI_USERNAME / OCI_PASSWORD). When present, requests answered 401 with a
     * Bearer challenge are retried with a token fetched from the realm, as the suite's client does.
     */
    protected Optional<Credentials> credentials() {
        return Optional.empty();
    }

    public record Credentials(String username, String password) {
    }

    /** OCI_NAMESPACE: the repository every workflow works in. */
    protected String namespace() {
        return "conformance/test";
    }

    /** OCI_CROSSMOUNT_NAMESPACE: the repository blobs are mounted into. */
    protected String crossmountNamespace() {
        return "conformance/other";
    }

    /**
     * OCI_AUTOMATIC_CROSSMOUNT: empty (the default, variable unset) skips the two mount-without-{@code from}
     * checks; {@code true} expects such a mount of a known blob to answer 201, {@code false} expects 202.
     */
    protected Optional<Boolean> automaticCrossmount() {
        return Optional.empty();
    }

    /** OCI_DELETE_MANIFEST_BEFORE_BLOBS: the teardown order; true is the suite's default. */
    protected boolean deleteManifestBeforeBlobs() {
        return true;
    }

    /** OCI_AUTH_SCOPE: a token scope to ask for instead of the one the challenge names. */
    protected Optional<String> authScope() {
        return Optional.empty();
    }

    /**
     * Whether request bodies go out with {@code Transfer-Encoding: chunked} and no Content-Length, as the
     * Go suite's bodies do. Turn off only to diagnose a failure.
     */
    protected boolean chunkedRequestBodies() {
        return true;
    }

    private RegistryHttp http;

    protected final RegistryHttp http() {
        if (http == null) {
            http = new RegistryHttp(registryUri(), credentials(), authScope(), chunkedRequestBodies());
        }
        return http;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Pull
    // ---------------------------------------------------------------------------------------------------------

    @Nested
    @DisplayName("Pull")
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    class Pull {

        private final String tag = "pull-tagtest0";
        private final Blob config0 = TestContent.config();
        private final Blob config1 = TestContent.config();
        private final Blob layer = TestContent.layer();
        private final Manifest manifest0 = TestContent.image(config0, List.of(layer));
        private final Manifest manifest1 = TestContent.image(config1, List.of(layer));
        private final List<String> blobRefs = new ArrayList<>();
        private final List<String> manifestRefs = new ArrayList<>();

        @Test
        @Order(1)
        @DisplayName("Setup: populates the registry with two config blobs and a layer")
        void setupBlobs() {
            pushBlob(namespace(), config0, blobRefs);
            pushBlob(namespace(), config1, blobRefs);
            pushBlob(namespace(), layer, blobRefs);
        }

        @Test
        @Order(2)
        @DisplayName("Setup: populates the registry with a manifest by tag and another by digest")
        void setupManifests() {
            pushManifest(tag, manifest0, manifestRefs);
            pushManifest(manifest1.digest(), manifest1, manifestRefs);
        }

        @Test
        @Order(10)
        @DisplayName("HEAD on a nonexistent blob answers 404")
        void headNonexistentBlob() {
            assertStatus(http().head(blobPath(namespace(), DUMMY_DIGEST)).send(), 404);
        }

        @Test
        @Order(11)
        @DisplayName("HEAD on an existing blob answers 200, with its Docker-Content-Digest if any")
        void headExistingBlob() {
            Response response = http().head(blobPath(namespace(), config0.digest())).send();
            assertStatus(response, 200);
            assertDigestHeaderIfPresent(response, config0.digest());
        }

        @Test
        @Order(12)
        @DisplayName("GET on a nonexistent blob answers 404")
        void getNonexistentBlob() {
            assertStatus(http().get(blobPath(namespace(), DUMMY_DIGEST)).send(), 404);
        }

        @Test
        @Order(13)
        @DisplayName("GET on an existing blob answers 200")
        void getExistingBlob() {
            assertStatus(http().get(blobPath(namespace(), config0.digest())).send(), 200);
        }

        @Test
        @Order(20)
        @DisplayName("HEAD on a nonexistent manifest answers 404")
        void headNonexistentManifest() {
            assertStatus(http().head(manifestPath(namespace(), NONEXISTENT_MANIFEST)).send(), 404);
        }

        @Test
        @Order(21)
        @DisplayName("HEAD on the first manifest by digest answers 200, with its Docker-Content-Digest if any")
        void headFirstManifestByDigest() {
            Response response = http().head(manifestPath(namespace(), manifest0.digest()))
                    .header("Accept", MANIFEST).send();
            assertStatus(response, 200);
            assertDigestHeaderIfPresent(response, manifest0.digest());
        }

        @Test
        @Order(22)
        @DisplayName("HEAD on the second manifest by digest answers 200, with its Docker-Content-Digest if any")
        void headSecondManifestByDigest() {
            Response response = http().head(manifestPath(namespace(), manifest1.digest()))
                    .header("Accept", MANIFEST).send();
            assertStatus(response, 200);
            assertDigestHeaderIfPresent(response, manifest1.digest());
        }

        @Test
        @Order(23)
        @DisplayName("HEAD on a manifest by tag answers 200, with the tagged digest if Docker-Content-Digest is set")
        void headManifestByTag() {
            Response response = http().head(manifestPath(namespace(), tag)).header("Accept", MANIFEST).send();
            assertStatus(response, 200);
            assertDigestHeaderIfPresent(response, manifest0.digest());
        }

        @Test
        @Order(24)
        @DisplayName("GET on a nonexistent manifest answers 404")
        void getNonexistentManifest() {
            assertStatus(http().get(manifestPath(namespace(), NONEXISTENT_MANIFEST)).send(), 404);
        }

        @Test
        @Order(25)
        @DisplayName("GET on the first manifest by digest answers 200")
        void getFirstManifestByDigest() {
            assertStatus(http().get(manifestPath(namespace(), manifest0.digest()))
                    .header("Accept", MANIFEST).send(), 200);
        }

        @Test
        @Order(26)
        @DisplayName("GET on the second manifest by digest answers 200")
        void getSecondManifestByDigest() {
            assertStatus(http().get(manifestPath(namespace(), manifest1.digest()))
                    .header("Accept", MANIFEST).send(), 200);
        }

        @Test
        @Order(27)
        @DisplayName("GET on a manifest by tag answers 200")
        void getManifestByTag() {
            assertStatus(http().get(manifestPath(namespace(), tag)).header("Accept", MANIFEST).send(), 200);
        }

        @Test
        @Order(30)
        @DisplayName("A malformed digest reference answers 404, or 400 with an OCI error code in the body")
        void malformedDigestAnswersConformingError() {
            // The suite sends this GET with a Content-Type and a body.
            Response response = http().get(manifestPath(namespace(), "sha256:totallywrong"))
                    .header("Content-Type", MANIFEST)
                    .body("blablabla".getBytes())
                    .send();
            assertStatus(response, 400, 404);
            if (response.status() == 400) {
                assertThat(errorCodes(response)).as("error codes of %s", response).isNotEmpty();
                assertThat(ERROR_CODES).as("first error code of %s", response).contains(errorCodes(response).get(0));
            }
        }

        @Test
        @Order(100)
        @DisplayName("Teardown: deletes the manifests and blobs it created")
        void teardown() {
            ConformanceWorkflows.this.teardown(manifestRefs, blobRefs);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Push
    // ---------------------------------------------------------------------------------------------------------

    @Nested
    @DisplayName("Push")
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    class Push {

        private static final int CHUNKED_BLOB_SIZE = 42;

        private final Blob streamed = TestContent.randomBlob(42);
        private final Blob config = TestContent.config();
        private final Blob layer = TestContent.layer();
        private final Manifest manifest = TestContent.image(config, List.of(layer));
        private final Manifest noLayers = TestContent.imageWithoutLayersOrMediaType(config);
        private final List<String> tags = List.of("push-test0", "push-test1", "push-test2", "push-test3");
        private final String noLayersTag = "push-emptylayer";

        private Blob chunked = TestContent.randomBlob(CHUNKED_BLOB_SIZE);
        private Response lastResponse;
        private Response sessionResponse;
        private Response monolithicPost;
        private Response mountResponse;
        private boolean noLayersPushed;

        @Test
        @Order(1)
        @DisplayName("Streamed upload: a PATCH with the whole blob in its body answers 202")
        void streamedPatch() {
            Response post = http().post(uploadsPath(namespace())).send();
            assertThat(post.location()).as("Location of %s", post).isNotEmpty();
            Response patch = http().patch(post.relativeLocation())
                    .header("Content-Type", OCTET_STREAM)
                    .body(streamed.content())
                    .send();
            assertStatus(patch, 202);
            lastResponse = patch;
        }

        @Test
        @Order(2)
        @DisplayName("Streamed upload: a bodiless PUT with the digest closes the session with 201 and a Location")
        void streamedPut() {
            assertThat(lastResponse).as("the streamed PATCH response").isNotNull();
            Response put = http().put(lastResponse.relativeLocation())
                    .query("digest", streamed.digest())
                    .header("Content-Type", OCTET_STREAM)
                    .header("Content-Length", streamed.sizeText())
                    .send();
            assertStatus(put, 201);
            assertThat(put.location()).as("Location of %s", put).isNotEmpty();
        }

        @Test
        @Order(10)
        @DisplayName("Monolithic upload: GET on a nonexistent blob answers 404")
        void monolithicNonexistentBlob() {
            assertStatus(http().get(blobPath(namespace(), DUMMY_DIGEST)).send(), 404);
        }

        @Test
        @Order(11)
        @DisplayName("Monolithic upload: a POST with the digest and the blob answers 201, or 202 to fall back")
        void monolithicSinglePost() {
            Response post = http().post(uploadsPath(namespace()))
                    .query("digest", config.digest())
                    .header("Content-Type", OCTET_STREAM)
                    .header("Content-Length", config.sizeText())
                    .body(config.content())
                    .send();
            assertThat(post.location()).as("Location of %s", post).isNotEmpty();
            assertStatus(post, 201, 202);
            monolithicPost = post;
        }

        @Test
        @Order(12)
        @DisplayName("Monolithic upload: the blob is there after a 201, and absent after a 202")
        void monolithicSinglePostOutcome() {
            assertThat(monolithicPost).as("the single-POST response").isNotNull();
            Response get = http().get(blobPath(namespace(), config.digest())).send();
            assertStatus(get, monolithicPost.status() == 202 ? 404 : 200);
        }

        @Test
        @Order(13)
        @DisplayName("Monolithic upload: a bare POST answers 202 and opens a session")
        void monolithicPostOpensSession() {
            Response post = http().post(uploadsPath(namespace())).send();
            assertStatus(post, 202);
            sessionResponse = post;
        }

        @Test
        @Order(14)
        @DisplayName("Monolithic upload: a PUT of the blob with its digest answers 201 and a Location")
        void monolithicPut() {
            assertThat(sessionResponse).as("the session POST response").isNotNull();
            Response put = http().put(sessionResponse.relativeLocation())
                    .query("digest", config.digest())
                    .header("Content-Type", OCTET_STREAM)
                    .header("Content-Length", config.sizeText())
                    .body(config.content())
                    .send();
            assertThat(put.location()).as("Location of %s", put).isNotEmpty();
            assertStatus(put, 201);
        }

        @Test
        @Order(15)
        @DisplayName("Monolithic upload: the uploaded blob answers GET with 200")
        void monolithicBlobReadable() {
            assertStatus(http().get(blobPath(namespace(), config.digest())).send(), 200);
        }

        @Test
        @Order(16)
        @DisplayName("Monolithic upload: a POST then PUT of a layer answers 201 and a Location")
        void monolithicLayer() {
            Response post = http().post(uploadsPath(namespace())).send();
            Response put = http().put(post.relativeLocation())
                    .query("digest", layer.digest())
                    .header("Content-Type", OCTET_STREAM)
                    .header("Content-Length", layer.sizeText())
                    .body(layer.content())
                    .send();
            assertThat(put.location()).as("Location of %s", put).isNotEmpty();
            assertStatus(put, 201);
        }

        @Test
        @Order(17)
        @DisplayName("Monolithic upload: the uploaded layer answers GET with 200")
        void monolithicLayerReadable() {
            assertStatus(http().get(blobPath(namespace(), layer.digest())).send(), 200);
        }

        @Test
        @Order(20)
        @DisplayName("Chunked upload: a first chunk that does not start at 0 answers 416")
        void chunkedOutOfOrder() {
            Response post = http().post(uploadsPath(namespace())).header("Content-Length", "0").send();
            assertThat(post.location()).as("Location of %s", post).isNotEmpty();
            String minimum = post.header("OCI-Chunk-Min-Length");
            if (!minimum.isEmpty() && Integer.parseInt(minimum) > firstChunk().length) {
                // The suite rebuilds its blob so that the first chunk is exactly the advertised minimum.
                chunked = TestContent.randomBlob(Integer.parseInt(minimum) * 2 - 2);
            }
            Response patch = http().patch(post.relativeLocation())
                    .header("Content-Type", OCTET_STREAM)
                    .header("Content-Length", Integer.toString(secondChunk().length))
                    .header("Content-Range", secondChunkRange())
                    .body(secondChunk())
                    .send();
            assertStatus(patch, 416);
        }

        @Test
        @Order(21)
        @DisplayName("Chunked upload: the first chunk answers 202 with Range covering it")
        void chunkedFirstChunk() {
            Response post = http().post(uploadsPath(namespace())).header("Content-Length", "0").send();
            assertThat(post.location()).as("Location of %s", post).isNotEmpty();
            sessionResponse = post;
            Response patch = http().patch(post.relativeLocation())
                    .header("Content-Type", OCTET_STREAM)
                    .header("Content-Length", Integer.toString(firstChunk().length))
                    .header("Content-Range", firstChunkRange())
                    .body(firstChunk())
                    .send();
            assertStatus(patch, 202);
            assertThat(patch.header("Range")).as("Range of %s", patch).isEqualTo(firstChunkRange());
            lastResponse = patch;
        }

        @Test
        @Order(22)
        @DisplayName("Chunked upload: resending the first chunk to the session's first URL answers 416")
        void chunkedRetryAnswers416() {
            assertThat(sessionResponse).as("the chunked session POST response").isNotNull();
            // The URL is the one the POST returned, not the one the first PATCH returned.
            Response patch = http().patch(sessionResponse.relativeLocation())
                    .header("Content-Type", OCTET_STREAM)
                    .header("Content-Length", Integer.toString(firstChunk().length))
                    .header("Content-Range", firstChunkRange())
                    .body(firstChunk())
                    .send();
            assertStatus(patch, 416);
        }

        @Test
        @Order(23)
        @DisplayName("Chunked upload: GET on the session's first URL answers 204 with a Location and the Range so far")
        void chunkedStatus() {
            Response status = http().get(sessionResponse.relativeLocation()).send();
            assertStatus(status, 204);
            assertThat(status.location()).as("Location of %s", status).isNotEmpty();
            assertThat(status.header("Range")).as("Range of %s", status).isEqualTo(firstChunkRange());
            lastResponse = status;
        }

        @Test
        @Order(24)
        @DisplayName("Chunked upload: the second chunk answers 202 with a Location and Range over the whole blob")
        void chunkedSecondChunk() {
            Response patch = http().patch(lastResponse.relativeLocation())
                    .header("Content-Length", Integer.toString(secondChunk().length))
                    .header("Content-Range", secondChunkRange())
                    .header("Content-Type", OCTET_STREAM)
                    .body(secondChunk())
                    .send();
            assertStatus(patch, 202);
            assertThat(patch.location()).as("Location of %s", patch).isNotEmpty();
            // Checked by newer suite revisions only; the spec requires it of every 202 to a PATCH.
            assertThat(patch.header("Range")).as("Range of %s", patch).isEqualTo("0-" + (chunked.size() - 1));
            lastResponse = patch;
        }

        @Test
        @Order(25)
        @DisplayName("Chunked upload: a bodiless PUT with the digest answers 201 and a Location")
        void chunkedClose() {
            Response put = http().put(lastResponse.relativeLocation())
                    .query("digest", chunked.digest())
                    .header("Content-Length", "0")
                    .header("Content-Type", OCTET_STREAM)
                    .send();
            assertStatus(put, 201);
            assertThat(put.location()).as("Location of %s", put).isNotEmpty();
        }

        @Test
        @Order(30)
        @DisplayName("Cross-mount: a mount of an unknown digest without from answers 202 with a session Location")
        void mountUnknownWithoutFrom() {
            Response post = http().post(uploadsPath(crossmountNamespace())).query("mount", DUMMY_DIGEST).send();
            assertStatus(post, 202);
            assertThat(post.location()).as("Location of %s", post).isNotEmpty();
        }

        @Test
        @Order(31)
        @DisplayName("Cross-mount: a mount of another repository's blob answers 201, or 202 to fall back")
        void mountFromOtherRepository() {
            Response post = http().post(uploadsPath(crossmountNamespace()))
                    .query("mount", streamed.digest())
                    .query("from", namespace())
                    .send();
            assertStatus(post, 201, 202);
            mountResponse = post;
        }

        @Test
        @Order(32)
        @DisplayName("Cross-mount: a 201 names exactly the blob's path, which answers 200; a 202 names an upload "
                + "session of the target repository")
        void mountOutcomeIsUsable() {
            assertThat(mountResponse).as("the mount request of the previous step").isNotNull();
            if (mountResponse.status() == 201) {
                assertThat(mountResponse.relativeLocation())
                        .isEqualTo("/v2/" + crossmountNamespace() + "/blobs/" + streamed.digest());
                assertStatus(http().get(mountResponse.relativeLocation()).send(), 200);
            } else {
                assertThat(mountResponse.relativeLocation()).startsWith("/v2/" + crossmountNamespace() + "/blobs/uploads/");
            }
        }

        @Test
        @Order(34)
        @DisplayName("Cross-mount: without from, a mount answers 201 only where automatic mounting is declared "
                + "enabled, otherwise 202, even though the blob is already in the target repository")
        void mountWithoutFrom() {
            Response post = http().post(uploadsPath(crossmountNamespace())).query("mount", streamed.digest()).send();
            // OCI_AUTOMATIC_CROSSMOUNT unset: the suite accepts either answer
            if (automaticCrossmount().isEmpty()) {
                assertStatus(post, 201, 202);
            } else {
                assertStatus(post, automaticCrossmount().get() ? 201 : 202);
            }
        }

        @Test
        @Order(40)
        @DisplayName("Manifest upload: GET on a nonexistent manifest answers 404")
        void nonexistentManifest() {
            assertStatus(http().get(manifestPath(namespace(), NONEXISTENT_MANIFEST)).send(), 404);
        }

        @Test
        @Order(41)
        @DisplayName("Manifest upload: a PUT under each of four tags answers 201 and a Location")
        void putManifestUnderTags() {
            for (String tag : tags) {
                Response put = http().put(manifestPath(namespace(), tag))
                        .header("Content-Type", MANIFEST)
                        .body(manifest.content())
                        .send();
                assertThat(put.location()).as("Location of %s", put).isNotEmpty();
                assertStatus(put, 201);
            }
        }

        @Test
        @Order(42)
        @DisplayName("Manifest upload: a manifest with no layers (and no mediaType field) is accepted with 201")
        void putManifestWithoutLayers() {
            Response put = http().put(manifestPath(namespace(), noLayersTag))
                    .header("Content-Type", MANIFEST)
                    .body(noLayers.content())
                    .send();
            if (put.status() == 201) {
                assertThat(put.location()).as("Location of %s", put).isNotEmpty();
                noLayersPushed = true;
            } else {
                warn("image manifest with no layers is not supported: " + put);
            }
        }

        @Test
        @Order(43)
        @DisplayName("Manifest upload: the pushed manifest answers GET by digest with 200")
        void getPushedManifest() {
            assertStatus(http().get(manifestPath(namespace(), manifest.digest()))
                    .header("Accept", MANIFEST).send(), 200);
        }

        @Test
        @Order(100)
        @DisplayName("Teardown: deletes the manifests and blobs it created")
        void teardown() {
            Runnable manifests = () -> {
                assertStatus(http().delete(manifestPath(namespace(), manifest.digest())).send(), 202, 405);
                if (noLayersPushed) {
                    assertStatus(http().delete(manifestPath(namespace(), noLayers.digest())).send(), 202, 405);
                }
            };
            Runnable blobs = () -> {
                assertStatus(http().delete(blobPath(namespace(), config.digest())).send(), 202, 404, 405);
                assertStatus(http().delete(blobPath(namespace(), layer.digest())).send(), 202, 404, 405);
                // Not deleted by the suite; cleaned here so repeated runs do not accumulate.
                assertStatus(http().delete(blobPath(namespace(), streamed.digest())).send(), 202, 404, 405);
                assertStatus(http().delete(blobPath(namespace(), chunked.digest())).send(), 202, 404, 405);
                assertStatus(http().delete(blobPath(crossmountNamespace(), streamed.digest())).send(), 202, 404, 405);
            };
            (deleteManifestBeforeBlobs() ? List.of(manifests, blobs) : List.of(blobs, manifests))
                    .forEach(Runnable::run);
        }

        private byte[] firstChunk() {
            return Arrays.copyOfRange(chunked.content(), 0, chunked.size() / 2 + 1);
        }

        private byte[] secondChunk() {
            return Arrays.copyOfRange(chunked.content(), chunked.size() / 2 + 1, chunked.size());
        }

        /** No "bytes " prefix: the suite sends and expects the bare {@code <start>-<end>} form. */
        private String firstChunkRange() {
            return "0-" + (firstChunk().length - 1);
        }

        private String secondChunkRange() {
            return firstChunk().length + "-" + (chunked.size() - 1);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Content Discovery
    // ---------------------------------------------------------------------------------------------------------

    @Nested
    @DisplayName("Content Discovery")
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    class ContentDiscovery {

        private final Blob layer = TestContent.layer();
        private final Blob taggedConfig = TestContent.config();
        private final Manifest tagged = TestContent.image(taggedConfig, List.of(layer));
        private final Blob subjectConfig = TestContent.config();
        /** The suite's manifests[4]: the subject of five referrers. */
        private final Manifest subject = TestContent.image(subjectConfig, List.of(layer));
        /** The suite's manifests[3] as seen from here: a subject that is never pushed. */
        private final Manifest missingSubject = TestContent.image(TestContent.config(), List.of(layer));
        private final String subjectTag = "disc-tagtest0";

        private final Blob refBlobA = Blob.of("NHL Peanut Butter on my NHL bagel".getBytes());
        private final Blob refBlobB = Blob.of("NBA Strawberry Jam on my NBA croissant".getBytes());
        private final Manifest configArtifactA = TestContent.artifactByConfigType(
                ARTIFACT_TYPE_A, refBlobA, subject, ANNOTATION_KEY, "test config a");
        private final Manifest layerArtifactA = TestContent.artifactByArtifactType(
                ARTIFACT_TYPE_A, refBlobA, subject, ANNOTATION_KEY, "test layer a");
        private final Manifest artifactIndex = TestContent.artifactIndex(
                ARTIFACT_TYPE_INDEX, List.of(configArtifactA, layerArtifactA), subject, ANNOTATION_KEY, "test index");
        private final Manifest configArtifactB = TestContent.artifactByConfigType(
                ARTIFACT_TYPE_B, refBlobB, subject, ANNOTATION_KEY, "test config b");
        private final Manifest layerArtifactB = TestContent.artifactByArtifactType(
                ARTIFACT_TYPE_B, refBlobB, subject, ANNOTATION_KEY, "test layer b");
        private final Manifest danglingArtifact = TestContent.artifactByArtifactType(
                ARTIFACT_TYPE_B, refBlobB, missingSubject, null, null);
        private final Map<String, String> annotationByDigest = Map.of(
                configArtifactA.digest(), "test config a",
                layerArtifactA.digest(), "test layer a",
                artifactIndex.digest(), "test index",
                configArtifactB.digest(), "test config b",
                layerArtifactB.digest(), "test layer b");

        private final List<String> blobRefs = new ArrayList<>();
        private final List<String> manifestRefs = new ArrayList<>();
        private List<String> tagList = List.of();
        private int numTags;

        @Test
        @Order(1)
        @DisplayName("Setup: populates the registry with a config blob and a layer")
        void setupBlobs() {
            pushBlob(namespace(), taggedConfig, blobRefs);
            pushBlob(namespace(), layer, blobRefs);
        }

        @Test
        @Order(2)
        @DisplayName("Setup: tags one manifest eight times, in lower and upper case")
        void setupTags() {
            for (int i = 0; i < 4; i++) {
                for (String tag : List.of("disc-test" + i, "DISC-TEST" + i)) {
                    pushManifest(tag, tagged, manifestRefs);
                }
            }
        }

        @Test
        @Order(3)
        @DisplayName("Setup: pushes five referrers of one subject, some before the subject exists, and one "
                + "referrer of a subject that never does")
        void setupReferrers() {
            assertThat(EMPTY_JSON.digest()).isEqualTo(EMPTY_JSON_DIGEST);
            pushBlob(namespace(), EMPTY_JSON, blobRefs);
            pushBlob(namespace(), refBlobA, blobRefs);
            pushManifest(configArtifactA.digest(), configArtifactA, manifestRefs);
            pushManifest(layerArtifactA.digest(), layerArtifactA, manifestRefs);
            pushManifest(artifactIndex.digest(), artifactIndex, manifestRefs);
            pushBlob(namespace(), subjectConfig, blobRefs);
            pushBlob(namespace(), layer, blobRefs);
            pushManifest(subjectTag, subject, manifestRefs);
            pushBlob(namespace(), refBlobB, blobRefs);
            pushManifest(configArtifactB.digest(), configArtifactB, manifestRefs);
            pushManifest(layerArtifactB.digest(), layerArtifactB, manifestRefs);
            pushManifest(danglingArtifact.digest(), danglingArtifact, manifestRefs);
        }

        @Test
        @Order(10)
        @DisplayName("The tag list answers 200, sorted case-insensitively (or, tolerated, byte-wise)")
        void tagListSorted() {
            Response response = http().get(tagsPath(namespace())).send();
            assertStatus(response, 200);
            tagList = tags(response);
            numTags = tagList.size();
            List<String> lexical = new ArrayList<>(tagList);
            lexical.sort(Comparator.comparing(tag -> tag.toLowerCase(Locale.ROOT)));
            List<String> bytewise = new ArrayList<>(tagList);
            bytewise.sort(Comparator.naturalOrder());
            assertThat(tagList).as("tag order of %s", response).satisfiesAnyOf(
                    list -> assertThat(list).isEqualTo(lexical),
                    list -> assertThat(list).isEqualTo(bytewise));
        }

        @Test
        @Order(11)
        @DisplayName("The tag list is limited by the n query parameter")
        void tagListLimited() {
            int n = numTags / 2;
            Response response = http().get(tagsPath(namespace())).query("n", Integer.toString(n)).send();
            assertStatus(response, 200);
            assertThat(tags(response)).as("tags of %s", response).hasSize(n);
        }

        @Test
        @Order(12)
        @DisplayName("The tag list starts after the tag named by the last query parameter")
        void tagListContinuesAfterLast() {
            int n = numTags / 2;
            Response first = http().get(tagsPath(namespace())).query("n", Integer.toString(n)).send();
            assertStatus(first, 200);
            List<String> page = tags(first);
            assertThat(page).as("tags of %s", first).hasSizeGreaterThanOrEqualTo(n);
            String last = page.get(n - 1);
            Response next = http().get(tagsPath(namespace()))
                    .query("n", Integer.toString(n))
                    .query("last", last)
                    .send();
            assertStatus(next, 200);
            assertThat(tags(next)).as("tags of %s", next).hasSizeLessThanOrEqualTo(n).doesNotContain(last);
        }

        @Test
        @Order(20)
        @DisplayName("Referrers of an unknown digest answer 200 with an empty image index")
        void referrersOfUnknownDigest() {
            Response response = http().get(referrersPath(namespace(), DUMMY_DIGEST)).send();
            assertReferrersIndex(response);
            assertThat(referrers(response)).as("manifests of %s", response).isEmpty();
        }

        @Test
        @Order(21)
        @DisplayName("Referrers of the subject answer 200 with all five, each carrying its annotation")
        void referrersOfSubject() {
            Response response = http().get(referrersPath(namespace(), subject.digest())).send();
            assertReferrersIndex(response);
            List<JsonNode> referrers = referrers(response);
            assertThat(referrers).as("manifests of %s", response).hasSize(5);
            assertThat(digestOf(referrers.get(0))).isNotEqualTo(digestOf(referrers.get(1)));
            assertAnnotations(referrers, response);
        }

        @Test
        @Order(22)
        @DisplayName("Referrers filtered by artifactType answer the two of that type with OCI-Filters-Applied, "
                + "or (tolerated) all five without it")
        void referrersFilteredByArtifactType() {
            Response response = http().get(referrersPath(namespace(), subject.digest()))
                    .query("artifactType", ARTIFACT_TYPE_A)
                    .send();
            assertReferrersIndex(response);
            List<JsonNode> referrers = referrers(response);
            if (!response.header("OCI-Filters-Applied").isEmpty()) {
                assertThat(referrers).as("manifests of %s", response).hasSize(2);
                assertThat(response.header("OCI-Filters-Applied")).isEqualTo("artifactType");
            } else {
                assertThat(referrers).as("manifests of %s", response).hasSize(5);
                warn("filtering by artifact-type is not implemented");
            }
            assertAnnotations(referrers, response);
        }

        @Test
        @Order(23)
        @DisplayName("Referrers of a subject that was never pushed answer 200 with the one referrer")
        void referrersOfMissingSubject() {
            Response response = http().get(referrersPath(namespace(), missingSubject.digest())).send();
            assertReferrersIndex(response);
            List<JsonNode> referrers = referrers(response);
            assertThat(referrers).as("manifests of %s", response).hasSize(1);
            assertThat(digestOf(referrers.get(0))).isEqualTo(danglingArtifact.digest());
        }

        @Test
        @Order(100)
        @DisplayName("Teardown: deletes the manifests, tags and blobs it created")
        void teardown() {
            ConformanceWorkflows.this.teardown(manifestRefs, blobRefs);
        }

        private void assertReferrersIndex(Response response) {
            assertStatus(response, 200);
            // Compared as a whole: a charset or other parameter fails the suite.
            assertThat(response.header("Content-Type")).as("Content-Type of %s", response).isEqualTo(INDEX);
        }

        private List<JsonNode> referrers(Response response) {
            List<JsonNode> out = new ArrayList<>();
            response.json().path("manifests").forEach(out::add);
            return out;
        }

        private void assertAnnotations(List<JsonNode> referrers, Response response) {
            for (JsonNode referrer : referrers) {
                JsonNode annotations = referrer.path("annotations");
                assertThat(annotations.size()).as("annotations of %s in %s", referrer, response).isEqualTo(1);
                assertThat(annotations.path(ANNOTATION_KEY).asString(""))
                        .as("annotation of %s", referrer)
                        .isEqualTo(annotationByDigest.get(digestOf(referrer)));
            }
        }

        private String digestOf(JsonNode descriptor) {
            return descriptor.path("digest").asString("");
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Content Management
    // ---------------------------------------------------------------------------------------------------------

    @Nested
    @DisplayName("Content Management")
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    class ContentManagement {

        private final String tag = "mgmt-tagtest0";
        private final Blob config = TestContent.config();
        private final Blob layer = TestContent.layer();
        private final Manifest manifest = TestContent.image(config, List.of(layer));
        private int numTags;
        private boolean blobDeleteAllowed = true;

        @Test
        @Order(1)
        @DisplayName("Setup: populates the registry with a config blob, a layer and a tagged manifest")
        void setup() {
            List<String> ignored = new ArrayList<>();
            pushBlob(namespace(), config, ignored);
            pushBlob(namespace(), layer, ignored);
            pushManifest(tag, manifest, ignored);
        }

        @Test
        @Order(2)
        @DisplayName("Setup: counts the tags before anything is deleted")
        void countTags() {
            Response response = http().get(tagsPath(namespace())).send();
            assertStatus(response, 200);
            numTags = tags(response).size();
        }

        @Test
        @Order(10)
        @DisplayName("DELETE of a tag answers 202, or refuses with 400 UNSUPPORTED or 405")
        void deleteTag() {
            Response response = http().delete(manifestPath(namespace(), tag)).send();
            assertStatus(response, 202, 400, 405);
            if (response.status() == 400) {
                assertThat(errorCodes(response)).as("error codes of %s", response).isNotEmpty();
                assertThat(errorCodes(response).get(0)).as("first error code of %s", response).isEqualTo("UNSUPPORTED");
            }
        }

        @Test
        @Order(11)
        @DisplayName("DELETE of the manifest by digest answers 202, or 404 if deleting the tag removed it")
        void deleteManifestByDigest() {
            assertStatus(http().delete(manifestPath(namespace(), manifest.digest())).send(), 202, 404);
        }

        @Test
        @Order(12)
        @DisplayName("GET on the deleted manifest answers 404 (200 tolerated where deletion is disallowed)")
        void deletedManifestGone() {
            assertStatus(http().get(manifestPath(namespace(), manifest.digest())).send(), 404, 200);
        }

        @Test
        @Order(13)
        @DisplayName("The tag list has fewer tags than before the deletions")
        void tagListReflectsDeletion() {
            Response response = http().get(tagsPath(namespace())).send();
            assertStatus(response, 200);
            assertThat(tags(response)).as("tags of %s", response).hasSizeLessThan(numTags);
        }

        @Test
        @Order(20)
        @DisplayName("DELETE of the config and layer blobs answers 202 (404 or 405 tolerated)")
        void deleteBlobs() {
            assertStatus(http().delete(blobPath(namespace(), config.digest())).send(), 202, 404, 405);
            Response layerDelete = http().delete(blobPath(namespace(), layer.digest())).send();
            assertStatus(layerDelete, 202, 404, 405);
            // As in the suite, only the layer's answer decides whether the next check runs.
            blobDeleteAllowed = layerDelete.status() != 405;
        }

        @Test
        @Order(21)
        @DisplayName("GET on the deleted config blob answers 404")
        void deletedBlobGone() {
            assumeTrue(blobDeleteAllowed, "blob deletion answered 405");
            assertStatus(http().get(blobPath(namespace(), config.digest())).send(), 404);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Shared steps
    // ---------------------------------------------------------------------------------------------------------

    static String blobPath(String repository, String digest) {
        return "/v2/" + repository + "/blobs/" + digest;
    }

    static String uploadsPath(String repository) {
        return "/v2/" + repository + "/blobs/uploads/";
    }

    static String manifestPath(String repository, String reference) {
        return "/v2/" + repository + "/manifests/" + reference;
    }

    static String tagsPath(String repository) {
        return "/v2/" + repository + "/tags/list";
    }

    static String referrersPath(String repository, String digest) {
        return "/v2/" + repository + "/referrers/" + digest;
    }

    /** POST then PUT of a whole blob: the POST answers 202 (or 201), the PUT exactly 201. */
    protected void pushBlob(String repository, Blob blob, List<String> blobRefs) {
        Response post = http().post(uploadsPath(repository)).send();
        assertStatus(post, 202, 201);
        Response put = http().put(post.relativeLocation())
                .query("digest", blob.digest())
                .header("Content-Type", OCTET_STREAM)
                .header("Content-Length", blob.sizeText())
                .body(blob.content())
                .send();
        assertStatus(put, 201);
        blobRefs.add(blob.digest());
    }

    /**
     * PUT of a manifest under a tag or its digest: 201 with a Location, and {@code OCI-Subject} equal to the
     * subject's digest exactly when the manifest has one (the oldest revisions require it, the newest allow it
     * to be absent) and absent otherwise. Records the references to delete at teardown.
     */
    protected void pushManifest(String reference, Manifest manifest, List<String> manifestRefs) {
        Response put = http().put(manifestPath(namespace(), reference))
                .header("Content-Type", manifest.mediaType())
                .body(manifest.content())
                .send();
        assertStatus(put, 201);
        assertThat(put.location()).as("Location of %s", put).isNotEmpty();
        assertThat(put.header("OCI-Subject")).as("OCI-Subject of %s", put).isEqualTo(manifest.subject().orElse(""));
        manifestRefs.add(reference);
        if (!reference.equals(manifest.digest())) {
            manifestRefs.add(manifest.digest());
        }
    }

    /** The suite's teardown: manifests then blobs, or the other way round, each list last-pushed first. */
    protected void teardown(List<String> manifestRefs, List<String> blobRefs) {
        if (deleteManifestBeforeBlobs()) {
            deleteManifests(manifestRefs);
            deleteBlobs(blobRefs);
        } else {
            deleteBlobs(blobRefs);
            deleteManifests(manifestRefs);
        }
    }

    /**
     * For each reference, newest first: if it still answers GET with 200, DELETE it (202, or 405 where
     * deletion is disallowed) and expect GET to answer 404 afterwards.
     */
    protected void deleteManifests(List<String> manifestRefs) {
        for (int i = manifestRefs.size() - 1; i >= 0; i--) {
            String path = manifestPath(namespace(), manifestRefs.get(i));
            if (http().get(path).send().status() != 200) {
                continue;
            }
            assertStatus(http().delete(path).send(), 202, 405);
            assertStatus(http().get(path).send(), 404);
        }
    }

    /** Each blob, newest first: 202, or 404/405. Blobs pushed twice are deleted twice, as in the suite. */
    protected void deleteBlobs(List<String> blobRefs) {
        for (int i = blobRefs.size() - 1; i >= 0; i--) {
            assertStatus(http().delete(blobPath(namespace(), blobRefs.get(i))).send(), 202, 404, 405);
        }
    }

    static void assertStatus(Response response, Integer... accepted) {
        assertThat(response.status()).as("status of %s", response).isIn((Object[]) accepted);
    }

    static void assertDigestHeaderIfPresent(Response response, String digest) {
        String header = response.header("Docker-Content-Digest");
        if (!header.isEmpty()) {
            assertThat(header).as("Docker-Content-Digest of %s", response).isEqualTo(digest);
        }
    }

    /** The {@code tags} of a tag-list body; an unparseable body counts as no tags, as in the suite. */
    static List<String> tags(Response response) {
        List<String> tags = new ArrayList<>();
        try {
            response.json().path("tags").forEach(tag -> tags.add(tag.asString("")));
        } catch (RuntimeException e) {
            return List.of();
        }
        return tags;
    }

    /** The {@code code} of each entry of an OCI error body's {@code errors} array. */
    static List<String> errorCodes(Response response) {
        List<String> codes = new ArrayList<>();
        response.json().path("errors").forEach(error -> codes.add(error.path("code").asString("")));
        return codes;
    }

    static void warn(String message) {
        System.err.println("WARNING (tolerated by the conformance suite): " + message);
    }
}
