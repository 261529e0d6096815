package io.cangku.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import io.cangku.testing.Backends;
import io.cangku.testing.DockerEngine;
import io.cangku.testing.OciLayout;
import io.cangku.testing.Processes;
import io.cangku.testing.RegistryContext;
import io.cangku.testing.RequiresTool;
import io.cangku.testing.TestBlob;
import io.cangku.testing.TestImage;
import io.cangku.testing.TestImages;
import io.cangku.testing.TestIndex;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Issue 7's acceptance as a user would check it: real clients push two images sharing base layers, a
 * two-platform index and a signature-like referrer; one image is deleted with {@code skopeo delete}; the
 * {@code gc} command (a JVM of its own, beside the running registry) frees exactly what only that image used;
 * everything else still pulls byte-identical with skopeo, podman and the Docker engine (each platform of the
 * index too), the referrer is still listed and serves its bytes, and the emptied repository leaves the catalog.
 */
@RequiresTool({"skopeo", "podman", "dockerd", "docker"})
class GarbageCollectionClientsTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String GRACE = "2s";

    @Test
    @DisplayName("after skopeo delete and gc, the folder shrinks by what only that image used and the rest pulls intact")
    void gcFreesOnlyWhatTheDeletedImageUsed(@TempDir Path tmp) throws Exception {
        // given: two images on one base, an index and a referrer, pushed by skopeo
        Path root = Backends.newTempDir("cangku-gc-clients-");
        List<String> storage = Backends.filesystemArguments(root);
        TestImage base = TestImages.image().seed(7301).randomLayers(2, 256 * 1024).build();
        TestImage gone = onBase(base, TestImages.image().seed(7302).randomLayers(1, 128 * 1024).build());
        TestImage kept = onBase(base, TestImages.image().seed(7303).randomLayers(1, 96 * 1024).build());
        TestIndex multi = TestImages.index(TestImages.image().seed(7304).randomLayers(1, 64 * 1024).build(),
                TestImages.image().seed(7305).randomLayers(1, 64 * 1024).platform("linux", "arm64").build());
        OciLayout layout = OciLayout.create(tmp.resolve("source")).add(gone, "gone").add(kept, "kept").add(multi, "multi");
        ClientWorkspace workspace = ClientWorkspace.in(tmp.resolve("clients"));
        try (RegistryContext registry = RegistryContext.startOpen(storage, "--registry.gc.grace-period=" + GRACE)) {
            String host = registry.hostPort();
            workspace.skopeo("copy", "--dest-tls-verify=false", layout.reference("gone"), "docker://" + host + "/gc/gone:v1").run();
            workspace.skopeo("copy", "--dest-tls-verify=false", layout.reference("kept"), "docker://" + host + "/gc/kept:v1").run();
            workspace.skopeo("copy", "--all", "--dest-tls-verify=false", layout.reference("multi"),
                    "docker://" + host + "/gc/multi:v1").run();
            TestBlob signature = pushReferrer(registry.uri(), "gc/kept", kept.manifest());
            long before = bytesUnder(root.resolve("blobs"));

            // when: the one image goes, and gc runs past the grace period
            workspace.skopeo("delete", "--tls-verify=false", "docker://" + host + "/gc/gone:v1").run();
            Thread.sleep(3000);
            Processes.Output gc = runGcCommand(root);
            long after = bytesUnder(root.resolve("blobs"));

            // then: exactly what only the deleted image used is gone
            long onlyGone = gone.config().size() + gone.manifest().size() + gone.layers().get(2).size();
            System.out.printf("GC clients: blobs/ held %d bytes, %d after skopeo delete and gc (freed %d; the deleted "
                    + "image alone used %d)%n", before, after, before - after, onlyGone);
            // stdout is the run record alone (the log goes to stderr), as `gc | jq .` needs
            assertThat(JSON.readTree(gc.stdout()).path("state").asString()).as("%s", gc.describe()).isEqualTo("succeeded");
            assertThat(before - after).as("bytes freed under blobs/").isEqualTo(onlyGone);

            // and the rest pulls byte-identical with skopeo
            RegistryContent content = new RegistryContent(host);
            assertThat(content.manifest("gc/kept", "v1").content()).isEqualTo(kept.manifest().content());
            Path pulled = tmp.resolve("pulled");
            workspace.skopeo("copy", "--src-tls-verify=false", "docker://" + host + "/gc/kept:v1", "oci:" + pulled + ":kept").run();
            workspace.skopeo("copy", "--all", "--src-tls-verify=false", "docker://" + host + "/gc/multi:v1",
                    "oci:" + pulled + ":multi").run();
            OciLayout copy = OciLayout.open(pulled);
            assertThat(copy.digestOf("kept")).isEqualTo(kept.manifest().digest());
            assertThat(copy.digestOf("multi")).isEqualTo(multi.index().digest());
            List<TestBlob> expected = new ArrayList<>(kept.blobs());
            expected.addAll(multi.blobs());
            for (TestBlob blob : expected) {
                assertThat(copy.blob(blob.digest())).as("%s pulled by skopeo", blob).isEqualTo(blob.content());
            }
            String signatureRaw = workspace.skopeo("inspect", "--raw", "--tls-verify=false",
                    "docker://" + host + "/gc/kept@" + signature.digest()).run().stdout();
            assertThat(signatureRaw.trim()).isEqualTo(new String(signature.content(), StandardCharsets.UTF_8).trim());

            // and with podman (which unpacks the layers and checks them against the config's diff_ids)
            workspace.podman("pull", "--tls-verify=false", host + "/gc/kept:v1").run();
            workspace.podman("pull", "--tls-verify=false", "--arch", "arm64", host + "/gc/multi:v1").run();
            String keptId = workspace.podman("image", "inspect", "--format", "{{.Id}}", host + "/gc/kept:v1").run().stdout().trim();
            String multiId = workspace.podman("image", "inspect", "--format", "{{.Id}}", host + "/gc/multi:v1").run().stdout().trim();
            assertThat(keptId).isEqualTo(kept.config().hex());
            assertThat(multiId).isEqualTo(multi.image("arm64").config().hex());

            // and with the Docker engine (which checks every layer against its digest and the config's diff_ids)
            try (DockerEngine engine = DockerEngine.start(tmp.resolve("docker"), host)) {
                Path config = tmp.resolve("docker-config");
                String keptPull = engine.docker(config, "pull", host + "/gc/kept:v1").run().stdout();
                JsonNode keptInEngine = inspectInEngine(engine, config, host + "/gc/kept:v1");
                assertThat(keptPull).contains("Digest: " + kept.manifest().digest());
                assertThat(keptInEngine.path("Id").asString()).isEqualTo(kept.config().digest());
                assertThat(keptInEngine.path("RootFS").path("Layers").valueStream().map(JsonNode::asString).toList())
                        .containsExactlyElementsOf(kept.diffIds());
                for (String architecture : List.of("amd64", "arm64")) {
                    String multiPull = engine.docker(config, "pull", "--platform", "linux/" + architecture, host + "/gc/multi:v1").run().stdout();
                    JsonNode multiInEngine = inspectInEngine(engine, config, host + "/gc/multi:v1");
                    assertThat(multiPull).contains("Digest: " + multi.index().digest());
                    assertThat(multiInEngine.path("Id").asString()).as("docker pull of %s", architecture)
                            .isEqualTo(multi.image(architecture).config().digest());
                    assertThat(multiInEngine.path("RootFS").path("Layers").valueStream().map(JsonNode::asString).toList())
                            .containsExactlyElementsOf(multi.image(architecture).diffIds());
                }
            }

            // and the referrer is still listed and serves its payload, while the emptied repository left the catalog
            String payload = JSON.readTree(signature.content()).path("layers").path(0).path("digest").asString();
            HttpResponse<byte[]> payloadReply = send(HttpRequest.newBuilder(registry.uri().resolve("/v2/gc/kept/blobs/" + payload)),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(payloadReply.statusCode()).isEqualTo(200);
            assertThat(TestBlob.sha256(payloadReply.body())).isEqualTo(payload);
            JsonNode referrers = JSON.readTree(send(HttpRequest.newBuilder(registry.uri().resolve("/v2/gc/kept/referrers/" + kept.manifest().digest()))).body());
            assertThat(referrers.path("manifests").valueStream().map(m -> m.path("digest").asString()).toList())
                    .containsExactly(signature.digest());
            JsonNode catalog = JSON.readTree(send(HttpRequest.newBuilder(registry.uri().resolve("/v2/_catalog"))).body());
            assertThat(catalog.path("repositories").valueStream().map(JsonNode::asString).toList())
                    .contains("gc/kept", "gc/multi").doesNotContain("gc/gone");
        }
    }

    /** An image whose layers are {@code base}'s then {@code top}'s, with a config naming all their diff_ids. */
    private static TestImage onBase(TestImage base, TestImage top) {
        List<TestBlob> layers = new ArrayList<>(base.layers());
        layers.addAll(top.layers());
        List<String> diffIds = new ArrayList<>(base.diffIds());
        diffIds.addAll(top.diffIds());
        ObjectNode config = (ObjectNode) JSON.readTree(top.config().content());
        ArrayNode ids = ((ObjectNode) config.path("rootfs")).putArray("diff_ids");
        diffIds.forEach(ids::add);
        ArrayNode history = config.putArray("history");
        diffIds.forEach(id -> history.addObject().put("created", "2024-01-01T00:00:00Z").put("created_by", "layer " + id));
        TestBlob configBlob = TestBlob.of(TestImages.OCI_CONFIG, JSON.writeValueAsBytes(config));
        ObjectNode manifest = JsonNodeFactory.instance.objectNode();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", TestImages.OCI_MANIFEST);
        manifest.set("config", configBlob.descriptor());
        ArrayNode descriptors = manifest.putArray("layers");
        layers.forEach(layer -> descriptors.add(layer.descriptor()));
        TestBlob manifestBlob = TestBlob.of(TestImages.OCI_MANIFEST, JSON.writeValueAsBytes(manifest));
        return new TestImage(manifestBlob, configBlob, layers, diffIds, top.os(), top.architecture());
    }

    /**
     * A signature-like artifact (the empty config, one payload layer, {@code subject} = the image) pushed over
     * HTTP by digest, as cosign and notation do.
     */
    private static TestBlob pushReferrer(URI registry, String repository, TestBlob subject) {
        TestBlob empty = TestBlob.of("application/vnd.oci.empty.v1+json", "{}".getBytes(StandardCharsets.UTF_8));
        TestBlob payload = TestBlob.of("application/vnd.cangku.test.signature.v1+json",
                ("{\"signed\":\"" + subject.digest() + "\"}").getBytes(StandardCharsets.UTF_8));
        ObjectNode manifest = JsonNodeFactory.instance.objectNode();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", TestImages.OCI_MANIFEST);
        manifest.put("artifactType", "application/vnd.cangku.test.signature.v1+json");
        manifest.set("config", empty.descriptor());
        manifest.putArray("layers").add(payload.descriptor());
        manifest.set("subject", subject.descriptor());
        TestBlob signature = TestBlob.of(TestImages.OCI_MANIFEST, JSON.writeValueAsBytes(manifest));
        for (TestBlob blob : List.of(empty, payload)) {
            HttpResponse<String> reply = send(HttpRequest.newBuilder(registry.resolve(
                    "/v2/" + repository + "/blobs/uploads/?digest=" + blob.digest()))
                    .header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(blob.content())));
            assertThat(reply.statusCode()).as("%s", reply.body()).isEqualTo(201);
        }
        HttpResponse<String> reply = send(HttpRequest.newBuilder(registry.resolve(
                "/v2/" + repository + "/manifests/" + signature.digest()))
                .header("Content-Type", TestImages.OCI_MANIFEST)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(signature.content())));
        assertThat(reply.statusCode()).as("%s", reply.body()).isEqualTo(201);
        return signature;
    }

    private static JsonNode inspectInEngine(DockerEngine engine, Path config, String reference) {
        return JSON.readTree(engine.docker(config, "image", "inspect", reference).run().stdout()).path(0);
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) {
        return send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static <T> HttpResponse<T> send(HttpRequest.Builder request, HttpResponse.BodyHandler<T> body) {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(request.timeout(Duration.ofSeconds(30)).build(), body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Bytes of every file under {@code dir}, as {@code du --apparent-size} counts them. */
    private static long bytesUnder(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(file -> file.toFile().length()).sum();
        }
    }

    /** {@code java -cp <test classpath> io.cangku.CangkuApplication gc} against the same storage. */
    private static Processes.Output runGcCommand(Path root) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), "io.cangku.CangkuApplication", "gc",
                "--registry.auth.mode=none", "--registry.gc.grace-period=" + GRACE));
        command.addAll(Backends.filesystemArguments(root));
        return Processes.command(command).timeout(Duration.ofMinutes(2)).run();
    }
}
