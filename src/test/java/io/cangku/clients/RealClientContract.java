package io.cangku.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

import com.marcnuri.helm.Helm;
import io.cangku.CangkuApplication;
import io.cangku.testing.DockerEngine;
import io.cangku.testing.OciLayout;
import io.cangku.testing.Processes;
import io.cangku.testing.RequestRecorder;
import io.cangku.testing.RequestRecorder.Exchange;
import io.cangku.testing.RequiresTool;
import io.cangku.testing.TestBlob;
import io.cangku.testing.TestImage;
import io.cangku.testing.TestImages;
import io.cangku.testing.TestIndex;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The registry as real clients see it: skopeo, podman and buildah (containers/image), the Docker engine, and
 * Helm push and pull images and charts, and every round trip must give back the very bytes that went in.
 * Images come from {@link TestImages} (seeded random layers), so no network and no fixture files are needed.
 *
 * <p>Backend-agnostic: a subclass points the registry at its storage and runs each group of client tests as
 * a {@code @Nested} class of its own:
 * <pre>{@code
 * class FilesystemRealClientTest extends RealClientContract {
 *     @DynamicPropertySource
 *     static void storage(DynamicPropertyRegistry registry) { Backends.filesystem(registry); }
 *
 *     @Nested class Skopeo extends SkopeoRoundTrips {}
 *     @Nested class Podman extends PodmanRoundTrips {}
 *     @Nested class Docker extends DockerRoundTrips {}
 *     @Nested class Helm extends HelmRoundTrips {}
 * }
 * }</pre>
 * Why the groups are abstract here and declared again there: Spring takes a {@code @Nested} class's test
 * configuration from its <em>enclosing</em> class, which Java fixes at compile time. {@code @Nested} classes
 * declared in this class would run in a context built from this class alone, without the subclass's
 * {@code @DynamicPropertySource}, i.e. silently against the default storage ({@code ./data}), whatever the
 * subclass says. {@link #concreteTestRunsEveryGroup()} fails if a subclass forgets a group.
 *
 * <p>All tests share one registry; each uses repositories of its own. A test needing a program that is
 * missing is skipped locally and fails under {@code CI=true} ({@link RequiresTool}).
 */
// Pages of two tags, so that listing tags takes a real client across pages by the Link header.
@SpringBootTest(classes = CangkuApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = {"registry.listing.max-page-size=2", "registry.auth.mode=none"})
@Import(RequestRecorder.class)
public abstract class RealClientContract {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern PUSHED_DIGEST = Pattern.compile("digest: (sha256:[0-9a-f]{64}) size: \\d+");

    @LocalServerPort
    int port;

    @Autowired
    RequestRecorder requests;

    /** {@code 127.0.0.1:PORT}: a loopback registry, which every client here may reach over plain HTTP. */
    String registry() {
        return "127.0.0.1:" + port;
    }

    /** A containers/image reference to a repository and tag in the registry under test. */
    String docker(String repositoryAndTag) {
        return "docker://" + registry() + "/" + repositoryAndTag;
    }

    RegistryContent content() {
        return new RegistryContent(registry());
    }

    @Test
    @DisplayName("the concrete test runs every group of client tests as a @Nested class")
    void concreteTestRunsEveryGroup() {
        List<Class<?>> groups = Arrays.stream(RealClientContract.class.getDeclaredClasses())
                .filter(type -> Modifier.isAbstract(type.getModifiers()))
                .toList();
        List<Class<?>> run = Arrays.stream(getClass().getDeclaredClasses())
                .filter(type -> type.isAnnotationPresent(Nested.class))
                .<Class<?>>map(Class::getSuperclass)
                .toList();
        assertThat(run).as("groups extended by @Nested classes of %s", getClass().getSimpleName())
                .containsExactlyInAnyOrderElementsOf(groups);
    }

    /** skopeo copy (OCI, Docker schema 2, an index with --all), inspect, list-tags and delete. */
    @RequiresTool("skopeo")
    protected abstract class SkopeoRoundTrips {

        @Test
        @DisplayName("copies a multi-layer OCI image in and out byte for byte")
        void copiesMultiLayerOciImageInAndOut(@TempDir Path tmp) {
            // given
            ClientWorkspace workspace = ClientWorkspace.in(tmp);
            TestImage image = TestImages.image().seed(101).randomLayers(3, 2 * 1024 * 1024).build();
            OciLayout source = OciLayout.create(tmp.resolve("source")).add(image, "v1");

            // when
            workspace.skopeo("copy", "--dest-tls-verify=false", source.reference("v1"), docker("skopeo/oci:v1"))
                    .run();
            workspace.skopeo("copy", "--src-tls-verify=false", docker("skopeo/oci:v1"),
                    "oci:" + tmp.resolve("pulled") + ":v1").run();

            // then
            assertServesExactly("skopeo/oci", "v1", image);
            OciLayout pulled = OciLayout.open(tmp.resolve("pulled"));
            assertThat(pulled.digestOf("v1")).isEqualTo(image.manifest().digest());
            assertHoldsExactly(pulled, image.blobs());
        }

        @Test
        @DisplayName("copies a Docker schema 2 image (--format v2s2) in and out byte for byte")
        void copiesDockerSchema2ImageInAndOut(@TempDir Path tmp) throws IOException {
            // given
            ClientWorkspace workspace = ClientWorkspace.in(tmp);
            TestImage image = TestImages.image().seed(102).randomLayers(2, 48 * 1024).build();
            OciLayout source = OciLayout.create(tmp.resolve("source")).add(image, "v1");

            // when
            workspace.skopeo("copy", "--format", "v2s2", "--dest-tls-verify=false", source.reference("v1"),
                    docker("skopeo/v2s2:v1")).run();
            // dir: keeps the manifest as served; oci: would convert it back to OCI and change its digest
            Path pulled = tmp.resolve("pulled");
            workspace.skopeo("copy", "--src-tls-verify=false", docker("skopeo/v2s2:v1"), "dir:" + pulled).run();

            // then the registry holds a schema 2 manifest over the very same config and layer blobs
            RegistryContent.Manifest served = content().manifest("skopeo/v2s2", "v1");
            JsonNode manifest = served.json();
            assertThat(served.mediaType()).isEqualTo(TestImages.DOCKER_MANIFEST);
            assertThat(TestBlob.sha256(served.content())).isEqualTo(served.digestHeader());
            assertThat(manifest.path("config").path("mediaType").asString()).isEqualTo(TestImages.DOCKER_CONFIG);
            assertThat(manifest.path("config").path("digest").asString()).isEqualTo(image.config().digest());
            assertThat(manifest.path("layers")).extracting(
                            layer -> layer.path("mediaType").asString(), layer -> layer.path("digest").asString())
                    .containsExactlyElementsOf(image.layers().stream()
                            .map(layer -> tuple(TestImages.DOCKER_LAYER_GZIP, layer.digest())).toList());
            assertThat(content().blob("skopeo/v2s2", image.config().digest())).isEqualTo(image.config().content());
            for (TestBlob layer : image.layers()) {
                assertThat(TestBlob.sha256(content().blob("skopeo/v2s2", layer.digest()))).isEqualTo(layer.digest());
            }
            // and the pulled copy is byte-identical to what was pushed
            assertThat(TestBlob.sha256(Files.readAllBytes(pulled.resolve("manifest.json"))))
                    .isEqualTo(served.digestHeader());
            assertThat(TestBlob.sha256(Files.readAllBytes(pulled.resolve(image.config().hex()))))
                    .isEqualTo(image.config().digest());
            for (TestBlob layer : image.layers()) {
                assertThat(TestBlob.sha256(Files.readAllBytes(pulled.resolve(layer.hex())))).isEqualTo(layer.digest());
            }
        }

        @Test
        @DisplayName("copies a two-platform OCI index with --all in and out byte for byte")
        void copiesTwoPlatformIndexWithAll(@TempDir Path tmp) {
            // given
            ClientWorkspace workspace = ClientWorkspace.in(tmp);
            TestIndex index = TestImages.index(
                    TestImages.image().seed(103).randomLayers(2, 32 * 1024).platform("linux", "amd64").build(),
                    TestImages.image().seed(104).randomLayers(3, 16 * 1024).platform("linux", "arm64").build());
            OciLayout source = OciLayout.create(tmp.resolve("source")).add(index, "multi");

            // when
            workspace.skopeo("copy", "--all", "--dest-tls-verify=false", source.reference("multi"),
                    docker("skopeo/multi:v1")).run();
            workspace.skopeo("copy", "--all", "--src-tls-verify=false", docker("skopeo/multi:v1"),
                    "oci:" + tmp.resolve("pulled") + ":v1").run();

            // then
            RegistryContent.Manifest served = content().manifest("skopeo/multi", "v1");
            assertThat(served.mediaType()).isEqualTo(TestImages.OCI_INDEX);
            assertThat(TestBlob.sha256(served.content())).isEqualTo(index.index().digest());
            assertThat(served.digestHeader()).isEqualTo(index.index().digest());
            for (TestImage image : index.images()) {
                assertServesExactly("skopeo/multi", image.manifest().digest(), image);
            }
            OciLayout pulled = OciLayout.open(tmp.resolve("pulled"));
            assertThat(pulled.digestOf("v1")).isEqualTo(index.index().digest());
            assertHoldsExactly(pulled, index.blobs());
        }

        @Test
        @DisplayName("inspects an image, its raw manifest and its raw config")
        void inspectsImage(@TempDir Path tmp) {
            // given
            ClientWorkspace workspace = ClientWorkspace.in(tmp);
            TestImage image = TestImages.image().seed(105).randomLayers(2, 8 * 1024).build();
            pushWithSkopeo(workspace, image, "skopeo/inspect:v1");

            // when
            JsonNode inspected = JSON.readTree(
                    workspace.skopeo("inspect", "--tls-verify=false", docker("skopeo/inspect:v1")).run().stdout());
            String rawManifest = workspace.skopeo("inspect", "--raw", "--tls-verify=false",
                    docker("skopeo/inspect:v1")).run().stdout();
            String rawConfig = workspace.skopeo("inspect", "--config", "--raw", "--tls-verify=false",
                    docker("skopeo/inspect:v1")).run().stdout();

            // then
            assertThat(inspected.path("Digest").asString()).isEqualTo(image.manifest().digest());
            assertThat(inspected.path("Architecture").asString()).isEqualTo("amd64");
            assertThat(inspected.path("Os").asString()).isEqualTo("linux");
            assertThat(inspected.path("Labels").path("io.cangku.test.seed").asString()).isEqualTo("105");
            assertThat(inspected.path("Layers")).extracting(JsonNode::asString)
                    .containsExactlyElementsOf(image.layerDigests());
            assertThat(inspected.path("RepoTags")).extracting(JsonNode::asString).containsExactly("v1");
            assertThat(TestBlob.sha256(rawManifest.getBytes(StandardCharsets.UTF_8)))
                    .isEqualTo(image.manifest().digest());
            assertThat(TestBlob.sha256(rawConfig.getBytes(StandardCharsets.UTF_8)))
                    .isEqualTo(image.config().digest());
        }

        @Test
        @DisplayName("inspects one platform of an index")
        void inspectsOnePlatformOfIndex(@TempDir Path tmp) {
            // given
            ClientWorkspace workspace = ClientWorkspace.in(tmp);
            TestIndex index = TestImages.index(
                    TestImages.image().seed(106).platform("linux", "amd64").build(),
                    TestImages.image().seed(107).platform("linux", "arm64").build());
            OciLayout source = OciLayout.create(tmp.resolve("source")).add(index, "multi");
            workspace.skopeo("copy", "--all", "--dest-tls-verify=false", source.reference("multi"),
                    docker("skopeo/platforms:v1")).run();

            // when
            JsonNode arm64 = JSON.readTree(workspace.skopeo("inspect", "--override-arch", "arm64",
                    "--tls-verify=false", docker("skopeo/platforms:v1")).run().stdout());
            String raw = workspace.skopeo("inspect", "--raw", "--tls-verify=false",
                    docker("skopeo/platforms:v1")).run().stdout();

            // then
            // skopeo reports the digest of what the tag names (the index) and the layers of the chosen platform
            assertThat(arm64.path("Digest").asString()).isEqualTo(index.index().digest());
            assertThat(arm64.path("Architecture").asString()).isEqualTo("arm64");
            assertThat(arm64.path("Layers")).extracting(JsonNode::asString)
                    .containsExactlyElementsOf(index.image("arm64").layerDigests());
            assertThat(TestBlob.sha256(raw.getBytes(StandardCharsets.UTF_8))).isEqualTo(index.index().digest());
        }

        @Test
        @DisplayName("lists the tags of a repository in lexical order, page by page")
        void listsTags(@TempDir Path tmp) {
            // given: one image under three tags, the later two copied registry-to-registry
            ClientWorkspace workspace = ClientWorkspace.in(tmp);
            TestImage image = TestImages.image().seed(108).build();
            pushWithSkopeo(workspace, image, "skopeo/tags:v1");
            for (String tag : List.of("v2", "latest")) {
                workspace.skopeo("copy", "--src-tls-verify=false", "--dest-tls-verify=false",
                        docker("skopeo/tags:v1"), docker("skopeo/tags:" + tag)).run();
            }

            // when
            JsonNode listed = JSON.readTree(workspace.skopeo("list-tags", "--tls-verify=false",
                    "docker://" + registry() + "/skopeo/tags").run().stdout());

            // then
            assertThat(listed.path("Repository").asString()).isEqualTo(registry() + "/skopeo/tags");
            assertThat(listed.path("Tags")).extracting(JsonNode::asString).containsExactly("latest", "v1", "v2");
            assertThat(requests.forRepository("skopeo/tags"))
                    .filteredOn(exchange -> exchange.path().endsWith("/tags/list") && exchange.status() == 200)
                    .extracting(exchange -> exchange.queryParameter("last"))
                    .containsExactlyInAnyOrder(null, "v1");   // recorded as each ends, so not always in order
            for (String tag : List.of("v1", "v2", "latest")) {
                assertThat(content().manifest("skopeo/tags", tag).digestHeader())
                        .isEqualTo(image.manifest().digest());
            }
        }

        @Test
        @DisplayName("deletes an image by tag: its manifest and tag are gone, other images stay")
        void deletesImage(@TempDir Path tmp) {
            // given
            ClientWorkspace workspace = ClientWorkspace.in(tmp);
            TestImage kept = TestImages.image().seed(109).build();
            TestImage deleted = TestImages.image().seed(110).build();
            pushWithSkopeo(workspace, kept, "skopeo/delete:kept");
            pushWithSkopeo(workspace, deleted, "skopeo/delete:deleted");

            // when
            workspace.skopeo("delete", "--tls-verify=false", docker("skopeo/delete:deleted")).run();

            // then
            assertThat(content().manifestStatus("skopeo/delete", deleted.manifest().digest())).isEqualTo(404);
            assertThat(content().manifestStatus("skopeo/delete", "deleted")).isEqualTo(404);
            Processes.Output inspectDeleted = workspace.skopeo("inspect", "--tls-verify=false",
                    docker("skopeo/delete:deleted")).runAllowingFailure();
            assertThat(inspectDeleted.succeeded()).as(inspectDeleted.describe()).isFalse();
            assertThat(inspectDeleted.stderr()).containsIgnoringCase("manifest unknown");
            JsonNode listed = JSON.readTree(workspace.skopeo("list-tags", "--tls-verify=false",
                    "docker://" + registry() + "/skopeo/delete").run().stdout());
            assertThat(listed.path("Tags")).extracting(JsonNode::asString).containsExactly("kept");
            assertServesExactly("skopeo/delete", "kept", kept);
        }
    }

    /** podman push and pull; buildah builds from scratch and pushes, mounting blobs across repositories. */
    @RequiresTool({"podman", "buildah"})
    protected abstract class PodmanRoundTrips {

        @Test
        @DisplayName("podman pushes an image and pulls it back with the same digest and content")
        void podmanPushesAndPulls(@TempDir Path tmp) throws IOException {
            // given: the image in podman's storage, read from an OCI layout
            ClientWorkspace workspace = ClientWorkspace.in(tmp);
            TestImage image = TestImages.image().seed(201).randomLayers(3, 512 * 1024).build();
            OciLayout source = OciLayout.create(tmp.resolve("source")).add(image, "v1");
            String target = registry() + "/podman/app:v1";
            workspace.podman("pull", source.reference("v1")).run();
            workspace.podman("tag", image.config().hex(), target).run();

            // when
            Path digestFile = tmp.resolve("pushed.digest");
            workspace.podman("push", "--tls-verify=false", "--digestfile", digestFile.toString(), target).run();
            workspace.podman("rmi", "--all", "--force").run();
            workspace.podman("pull", "--tls-verify=false", target).run();

            // then
            String pushed = Files.readString(digestFile).trim();
            assertThat(assertServesSameImage("podman/app", "v1", image)).isEqualTo(pushed);
            String[] pulled = workspace.podman("image", "inspect", "--format", "{{.Id}} {{.Digest}}", target)
                    .run().stdout().trim().split(" ");
            assertThat(pulled).containsExactly(image.config().hex(), pushed);
        }

        @Test
        @DisplayName("buildah builds from scratch, and pushing to a second repository mounts the blobs")
        void buildahPushToSecondRepositoryMountsBlobs(@TempDir Path tmp) throws IOException {
            // given: an image built from scratch and pushed to a first repository
            ClientWorkspace workspace = ClientWorkspace.in(tmp);
            Path files = Files.createDirectories(tmp.resolve("files/app"));
            Files.writeString(files.resolve("hello.txt"), "hello from buildah\n");
            byte[] data = new byte[96 * 1024];
            new SplittableRandom(202).nextBytes(data);
            Files.write(files.resolve("data.bin"), data);
            String container = workspace.buildah("from", "scratch").run().stdout().trim();
            workspace.buildah("copy", container, files.toString(), "/app").run();
            workspace.buildah("config", "--label", "io.cangku.test=buildah", container).run();
            workspace.buildah("commit", container, "localhost/cangku-test:built").run();
            workspace.buildah("rm", container).run();
            Path firstDigest = tmp.resolve("first.digest");
            workspace.buildah("push", "--tls-verify=false", "--digestfile", firstDigest.toString(),
                    "localhost/cangku-test:built", docker("buildah/first:v1")).run();

            // when
            Path secondDigest = tmp.resolve("second.digest");
            workspace.buildah("push", "--tls-verify=false", "--digestfile", secondDigest.toString(),
                    "localhost/cangku-test:built", docker("buildah/second:v1")).run();

            // then the layer was mounted from the first repository, not uploaded again
            List<Exchange> mounts = requests.forRepository("buildah/second").stream()
                    .filter(exchange -> exchange.method().equals("POST")
                            && exchange.queryParameter("mount") != null)
                    .toList();
            assertThat(mounts).as("mount requests among %s", requests.forRepository("buildah/second"))
                    .isNotEmpty()
                    .allSatisfy(mount -> {
                        assertThat(mount.queryParameter("from")).isEqualTo("buildah/first");
                        assertThat(mount.status()).isEqualTo(201);
                    });
            RegistryContent.Manifest first = content().manifest("buildah/first", "v1");
            RegistryContent.Manifest second = content().manifest("buildah/second", "v1");
            assertThat(first.digestHeader()).isEqualTo(Files.readString(firstDigest).trim());
            assertThat(second.digestHeader()).isEqualTo(Files.readString(secondDigest).trim());
            List<String> layers = layerDigests(second.json());
            assertThat(layers).isEqualTo(layerDigests(first.json()))
                    .containsAll(mounts.stream().map(mount -> mount.queryParameter("mount")).toList());
            for (String layer : layers) {
                assertThat(TestBlob.sha256(content().blob("buildah/second", layer))).isEqualTo(layer);
            }
            // and podman pulls the mounted image back
            workspace.podman("rmi", "--all", "--force").run();
            workspace.podman("pull", "--tls-verify=false", registry() + "/buildah/second:v1").run();
            assertThat(workspace.podman("image", "inspect", "--format", "{{.Digest}}",
                    registry() + "/buildah/second:v1").run().stdout().trim()).isEqualTo(second.digestHeader());
        }
    }

    /** A real Docker engine, started once for the group: push, pull, mounts, and multi-platform images. */
    @RequiresTool({"dockerd", "docker", "skopeo"})
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    protected abstract class DockerRoundTrips {

        private DockerEngine engine;

        @BeforeAll
        void startEngine(@TempDir Path dir) {
            engine = DockerEngine.start(dir, registry());
        }

        @AfterAll
        void stopEngine() {
            if (engine != null) {
                engine.close();
            }
        }

        @Test
        @DisplayName("pushes and pulls a single-platform image")
        void pushesAndPullsSinglePlatformImage(@TempDir Path tmp) {
            // given: the image loaded into the engine from a docker-archive
            ClientWorkspace workspace = ClientWorkspace.in(tmp);
            Path config = tmp.resolve("docker-config");
            TestImage image = TestImages.image().seed(301).randomLayers(2, 1024 * 1024).build();
            String reference = registry() + "/docker/single:v1";
            loadIntoEngine(workspace, config, image, reference);

            // when
            String pushed = pushedDigest(engine.docker(config, "push", reference).run().stdout());
            engine.docker(config, "rmi", reference).run();
            String pullOutput = engine.docker(config, "pull", reference).run().stdout();
            engine.docker(config, "pull", registry() + "/docker/single@" + pushed).run();

            // then
            assertThat(assertServesSameImage("docker/single", "v1", image)).isEqualTo(pushed);
            assertThat(pullOutput).contains("Digest: " + pushed);
            JsonNode pulled = inspectInEngine(config, reference);
            assertThat(pulled.path("Id").asString()).isEqualTo(image.config().digest());
            assertThat(pulled.path("RepoDigests")).extracting(JsonNode::asString)
                    .containsExactly(registry() + "/docker/single@" + pushed);
            assertThat(pulled.path("RootFS").path("Layers")).extracting(JsonNode::asString)
                    .containsExactlyElementsOf(image.diffIds());
        }

        @Test
        @DisplayName("pushes to a second repository by mounting the layers it pushed to the first")
        void pushesToSecondRepositoryByMount(@TempDir Path tmp) {
            // given: an image the engine pushed to a first repository
            ClientWorkspace workspace = ClientWorkspace.in(tmp);
            Path config = tmp.resolve("docker-config");
            TestImage image = TestImages.image().seed(306).randomLayers(2, 64 * 1024).build();
            String first = registry() + "/docker/mount-first:v1";
            String second = registry() + "/docker/mount-second:v1";
            loadIntoEngine(workspace, config, image, first);
            String firstDigest = pushedDigest(engine.docker(config, "push", first).run().stdout());
            engine.docker(config, "tag", first, second).run();

            // when
            String pushOutput = engine.docker(config, "push", second).run().stdout();

            // then every layer was mounted from the first repository
            List<Exchange> mounts = requests.forRepository("docker/mount-second").stream()
                    .filter(exchange -> exchange.method().equals("POST")
                            && exchange.queryParameter("mount") != null)
                    .toList();
            assertThat(mounts).as("mount requests among %s", requests.forRepository("docker/mount-second"))
                    .hasSize(image.layers().size())
                    .allSatisfy(mount -> {
                        assertThat(mount.queryParameter("from")).isEqualTo("docker/mount-first");
                        assertThat(mount.status()).isEqualTo(201);
                    });
            assertThat(pushOutput).contains("Mounted from docker/mount-first");
            assertThat(pushedDigest(pushOutput)).isEqualTo(firstDigest);
            assertThat(assertServesSameImage("docker/mount-second", "v1", image)).isEqualTo(firstDigest);
        }

        @Test
        @DisplayName("pushes a multi-platform image with docker manifest and pulls each platform")
        void pushesMultiPlatformImageWithDockerManifest(@TempDir Path tmp) {
            // given: one image per platform, pushed by the engine
            ClientWorkspace workspace = ClientWorkspace.in(tmp);
            Path config = tmp.resolve("docker-config");
            TestImage amd64 = TestImages.image().seed(302).randomLayers(2, 16 * 1024).build();
            TestImage arm64 = TestImages.image().seed(303).platform("linux", "arm64").build();
            String repository = registry() + "/docker/multi";
            loadIntoEngine(workspace, config, amd64, repository + ":amd64");
            loadIntoEngine(workspace, config, arm64, repository + ":arm64");
            String amd64Digest = pushedDigest(engine.docker(config, "push", repository + ":amd64").run().stdout());
            String arm64Digest = pushedDigest(engine.docker(config, "push", repository + ":arm64").run().stdout());
            engine.docker(config, "rmi", repository + ":amd64", repository + ":arm64").run();

            // when
            engine.docker(config, "manifest", "create", "--insecure", repository + ":v1",
                    repository + ":amd64", repository + ":arm64").run();
            String listOutput = engine.docker(config, "manifest", "push", "--insecure", repository + ":v1")
                    .run().stdout().trim();
            engine.docker(config, "pull", repository + ":v1").run();
            String pulledDefault = inspectInEngine(config, repository + ":v1").path("Id").asString();
            engine.docker(config, "pull", "--platform", "linux/arm64", repository + ":v1").run();
            String pulledArm64 = inspectInEngine(config, repository + ":v1").path("Id").asString();

            // then
            RegistryContent.Manifest served = content().manifest("docker/multi", "v1");
            assertThat(served.mediaType()).isEqualTo(TestImages.DOCKER_MANIFEST_LIST);
            assertThat(TestBlob.sha256(served.content())).isEqualTo(served.digestHeader());
            assertThat(listOutput).endsWith(served.digestHeader());
            assertThat(served.json().path("manifests")).extracting(
                            entry -> entry.path("platform").path("architecture").asString(),
                            entry -> entry.path("digest").asString())
                    .containsExactlyInAnyOrder(tuple("amd64", amd64Digest), tuple("arm64", arm64Digest));
            assertThat(assertServesSameImage("docker/multi", amd64Digest, amd64)).isEqualTo(amd64Digest);
            assertThat(assertServesSameImage("docker/multi", arm64Digest, arm64)).isEqualTo(arm64Digest);
            assertThat(pulledDefault).isEqualTo(amd64.config().digest());
            assertThat(pulledArm64).isEqualTo(arm64.config().digest());
        }

        @Test
        @DisplayName("pulls an OCI index that skopeo pushed, choosing its own platform")
        void pullsOciIndexPushedBySkopeo(@TempDir Path tmp) {
            // given
            ClientWorkspace workspace = ClientWorkspace.in(tmp);
            Path config = tmp.resolve("docker-config");
            TestIndex index = TestImages.index(
                    TestImages.image().seed(304).randomLayers(2, 16 * 1024).platform("linux", "amd64").build(),
                    TestImages.image().seed(305).randomLayers(2, 16 * 1024).platform("linux", "arm64").build());
            OciLayout source = OciLayout.create(tmp.resolve("source")).add(index, "multi");
            workspace.skopeo("copy", "--all", "--dest-tls-verify=false", source.reference("multi"),
                    docker("docker/oci-index:v1")).run();
            String reference = registry() + "/docker/oci-index:v1";

            // when
            String pullOutput = engine.docker(config, "pull", reference).run().stdout();

            // then
            TestImage amd64 = index.image("amd64");
            assertThat(pullOutput).contains("Digest: " + index.index().digest());
            JsonNode pulled = inspectInEngine(config, reference);
            assertThat(pulled.path("Id").asString()).isEqualTo(amd64.config().digest());
            assertThat(pulled.path("RepoDigests")).extracting(JsonNode::asString)
                    .containsExactly(registry() + "/docker/oci-index@" + index.index().digest());
            assertThat(pulled.path("RootFS").path("Layers")).extracting(JsonNode::asString)
                    .containsExactlyElementsOf(amd64.diffIds());
        }

        /** docker cannot read an OCI layout, so skopeo turns it into a docker-archive first. */
        private void loadIntoEngine(ClientWorkspace workspace, Path config, TestImage image, String reference) {
            String name = image.config().hex().substring(0, 12);
            OciLayout layout = OciLayout.create(workspace.resolve("layout-" + name)).add(image, "v1");
            Path archive = workspace.resolve("image-" + name + ".tar");
            workspace.skopeo("copy", layout.reference("v1"), "docker-archive:" + archive + ":" + reference).run();
            engine.docker(config, "load", "-i", archive.toString()).run();
        }

        private JsonNode inspectInEngine(Path config, String reference) {
            return JSON.readTree(engine.docker(config, "image", "inspect", "--format", "{{json .}}", reference)
                    .run().stdout());
        }

        private String pushedDigest(String pushOutput) {
            Matcher matcher = PUSHED_DIGEST.matcher(pushOutput);
            assertThat(matcher.find()).as("a digest in the output of docker push:\n%s", pushOutput).isTrue();
            return matcher.group(1);
        }
    }

    /** Helm (in the JVM through helm-java) pushes a chart as an OCI artifact and reads it back. */
    protected abstract class HelmRoundTrips {

        private static final String CHART_CONFIG = "application/vnd.cncf.helm.config.v1+json";
        private static final String CHART_CONTENT = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";

        @Test
        @DisplayName("pushes a chart as an OCI artifact and pulls it back")
        void pushesAndPullsChart(@TempDir Path tmp) throws IOException {
            // given: a packaged chart
            Helm chart = Helm.create().withName("cangku-demo").withDir(tmp).call();
            Path packaged = Files.createDirectories(tmp.resolve("packaged"));
            chart.packageIt().withDestination(packaged).call();
            Path tgz = packaged.resolve("cangku-demo-0.1.0.tgz");
            String remoteChart = "oci://" + registry() + "/charts/cangku-demo";

            // when
            String pushOutput = Helm.push().withChart(tgz).withRemote(URI.create("oci://" + registry() + "/charts"))
                    .plainHttp().call();
            // helm-java has no `helm pull`; `show` and `template` fetch the chart from the registry the same way
            String shown = Helm.show(remoteChart).chart().withVersion("0.1.0").plainHttp().call();
            String rendered = Helm.template(remoteChart).withVersion("0.1.0").withName("demo").plainHttp().call();
            List<Exchange> helmRequests = requests.forRepository("charts/cangku-demo");

            // then the registry holds the chart archive byte for byte
            RegistryContent.Manifest served = content().manifest("charts/cangku-demo", "0.1.0");
            JsonNode manifest = served.json();
            assertThat(TestBlob.sha256(served.content())).isEqualTo(served.digestHeader());
            assertThat(pushOutput).contains(served.digestHeader());
            assertThat(manifest.path("config").path("mediaType").asString()).isEqualTo(CHART_CONFIG);
            assertThat(manifest.path("layers")).hasSize(1);
            JsonNode layer = manifest.path("layers").get(0);
            assertThat(layer.path("mediaType").asString()).isEqualTo(CHART_CONTENT);
            String chartDigest = TestBlob.sha256(Files.readAllBytes(tgz));
            assertThat(layer.path("digest").asString()).isEqualTo(chartDigest);
            assertThat(TestBlob.sha256(content().blob("charts/cangku-demo", chartDigest))).isEqualTo(chartDigest);
            // and Helm downloaded it back (show and template each fetch the archive) and read it
            assertThat(helmRequests).filteredOn(exchange -> exchange.method().equals("GET")
                            && exchange.path().endsWith("/blobs/" + chartDigest) && exchange.status() == 200)
                    .hasSize(2);
            assertThat(shown).contains("name: cangku-demo").contains("version: 0.1.0");
            assertThat(rendered).contains("name: demo-cangku-demo");
        }
    }

    /** Pushes a test image with skopeo, unchanged (OCI stays OCI). */
    void pushWithSkopeo(ClientWorkspace workspace, TestImage image, String repositoryAndTag) {
        OciLayout layout = OciLayout.create(workspace.resolve("push-" + image.config().hex().substring(0, 12)))
                .add(image, "v1");
        workspace.skopeo("copy", "--dest-tls-verify=false", layout.reference("v1"), docker(repositoryAndTag)).run();
    }

    /** The registry serves the image exactly as built: the same manifest bytes and the same blobs. */
    void assertServesExactly(String repository, String reference, TestImage image) {
        RegistryContent.Manifest served = content().manifest(repository, reference);
        assertThat(TestBlob.sha256(served.content())).as("manifest of %s:%s", repository, reference)
                .isEqualTo(image.manifest().digest());
        assertThat(served.digestHeader()).isEqualTo(image.manifest().digest());
        assertThat(served.mediaType()).isEqualTo(image.manifest().mediaType());
        assertThat(content().blob(repository, image.config().digest())).isEqualTo(image.config().content());
        for (TestBlob layer : image.layers()) {
            assertThat(TestBlob.sha256(content().blob(repository, layer.digest()))).isEqualTo(layer.digest());
        }
    }

    /**
     * For clients that rebuild the manifest and recompress layers (docker, podman): the registry serves a
     * manifest matching its digest header, the very same config, and layers that match their digests and
     * unpack to the original tars (their diff_ids). Returns the manifest digest.
     */
    String assertServesSameImage(String repository, String reference, TestImage image) {
        RegistryContent.Manifest served = content().manifest(repository, reference);
        assertThat(TestBlob.sha256(served.content())).as("manifest of %s:%s", repository, reference)
                .isEqualTo(served.digestHeader());
        JsonNode manifest = served.json();
        assertThat(manifest.path("config").path("digest").asString()).isEqualTo(image.config().digest());
        assertThat(content().blob(repository, image.config().digest())).isEqualTo(image.config().content());
        List<String> diffIds = new ArrayList<>();
        for (String layer : layerDigests(manifest)) {
            byte[] compressed = content().blob(repository, layer);
            assertThat(TestBlob.sha256(compressed)).isEqualTo(layer);
            diffIds.add(TestBlob.sha256(gunzip(compressed)));
        }
        assertThat(diffIds).containsExactlyElementsOf(image.diffIds());
        return served.digestHeader();
    }

    /** The layout holds exactly these blobs, each byte-identical (a blob file's sha256 is its name). */
    static void assertHoldsExactly(OciLayout layout, List<TestBlob> blobs) {
        assertThat(layout.blobs().keySet())
                .containsExactlyInAnyOrderElementsOf(blobs.stream().map(TestBlob::digest).distinct().toList());
        for (TestBlob blob : blobs) {
            assertThat(TestBlob.sha256(layout.blob(blob.digest()))).isEqualTo(blob.digest());
        }
    }

    static List<String> layerDigests(JsonNode manifest) {
        List<String> digests = new ArrayList<>();
        manifest.path("layers").forEach(layer -> digests.add(layer.path("digest").asString()));
        return digests;
    }

    static byte[] gunzip(byte[] compressed) {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
