package io.cangku.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Builds realistic OCI images from seeded random layers, after zot's {@code pkg/test/image-utils}
 * ({@code CreateImageWith().RandomLayers(n, size)...}), so that tests need no fixture files:
 *
 * <pre>{@code
 * TestImage amd64 = TestImages.image().seed(1).randomLayers(3, 32 * 1024).build();
 * TestImage arm64 = TestImages.image().seed(2).randomLayers(2, 16 * 1024).platform("linux", "arm64").build();
 * TestIndex both = TestImages.index(amd64, arm64);
 * OciLayout.create(dir).add(amd64, "v1").add(both, "multi");
 * }</pre>
 *
 * Each layer is a gzip-compressed tar of a directory holding a text file and a random file; its diff_id in
 * the config is the sha256 of the uncompressed tar, as the image spec requires, so real clients (docker,
 * podman) accept, unpack and re-verify it. The same seed always gives the same bytes.
 */
public final class TestImages {

    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    public static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
    public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    public static final String DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    public static final String DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";

    static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String CREATED = "2024-01-01T00:00:00Z";

    private TestImages() {
    }

    public static Builder image() {
        return new Builder();
    }

    /** An index listing the images, one descriptor each with its platform. */
    public static TestIndex index(TestImage... images) {
        ObjectNode index = JsonNodeFactory.instance.objectNode();
        index.put("schemaVersion", 2);
        index.put("mediaType", OCI_INDEX);
        ArrayNode manifests = index.putArray("manifests");
        for (TestImage image : images) {
            ObjectNode descriptor = image.manifest().descriptor();
            ObjectNode platform = descriptor.putObject("platform");
            platform.put("architecture", image.architecture());
            platform.put("os", image.os());
            manifests.add(descriptor);
        }
        return new TestIndex(TestBlob.of(OCI_INDEX, JSON.writeValueAsBytes(index)), Arrays.asList(images));
    }

    /** Step builder for one single-platform image; defaults: seed 0, one 16 KiB layer, linux/amd64. */
    public static final class Builder {

        private long seed;
        private int layerCount = 1;
        private int layerSizeBytes = 16 * 1024;
        private String os = "linux";
        private String architecture = "amd64";
        private Long firstLayerSeed;

        private Builder() {
        }

        /** Images with different seeds share no layer; the same seed gives the same image. */
        public Builder seed(long value) {
            this.seed = value;
            return this;
        }

        /** {@code count} layers, each holding {@code sizeBytes} of random (incompressible) data. */
        public Builder randomLayers(int count, int sizeBytes) {
            if (count < 1 || sizeBytes < 0) {
                throw new IllegalArgumentException("need at least one layer and a non-negative size");
            }
            this.layerCount = count;
            this.layerSizeBytes = sizeBytes;
            return this;
        }

        /** The first layer is the one an image of seed {@code baseSeed} has: images sharing a base layer, as real ones do. */
        public Builder sharedFirstLayer(long baseSeed) {
            this.firstLayerSeed = baseSeed;
            return this;
        }

        public Builder platform(String os, String architecture) {
            this.os = os;
            this.architecture = architecture;
            return this;
        }

        public TestImage build() {
            List<TestBlob> layers = new ArrayList<>();
            List<String> diffIds = new ArrayList<>();
            for (int i = 1; i <= layerCount; i++) {
                byte[] tar = layerTar(i);
                diffIds.add(TestBlob.sha256(tar));
                layers.add(TestBlob.of(OCI_LAYER_GZIP, gzip(tar)));
            }
            TestBlob config = TestBlob.of(OCI_CONFIG, config(diffIds));

            ObjectNode manifest = JsonNodeFactory.instance.objectNode();
            manifest.put("schemaVersion", 2);
            manifest.put("mediaType", OCI_MANIFEST);
            manifest.set("config", config.descriptor());
            ArrayNode layerDescriptors = manifest.putArray("layers");
            layers.forEach(layer -> layerDescriptors.add(layer.descriptor()));
            TestBlob manifestBlob = TestBlob.of(OCI_MANIFEST, JSON.writeValueAsBytes(manifest));
            return new TestImage(manifestBlob, config, layers, diffIds, os, architecture);
        }

        private byte[] layerTar(int layer) {
            long seed = layer == 1 && firstLayerSeed != null ? firstLayerSeed : this.seed;
            // Seeded per image and layer, so two images never share a layer by accident.
            SplittableRandom random = new SplittableRandom(seed * 1_000_003L + layer);
            byte[] data = new byte[layerSizeBytes];
            random.nextBytes(data);
            String dir = "cangku-test/seed-" + seed + "/layer-" + layer;
            String readme = "layer " + layer + " of a Cangku test image (seed " + seed + ", " + os + "/"
                    + architecture + ")\n";
            ByteArrayOutputStream out = new ByteArrayOutputStream(layerSizeBytes + 4096);
            try (TarWriter tar = new TarWriter(out)) {
                tar.directory("cangku-test");
                tar.directory("cangku-test/seed-" + seed);
                tar.directory(dir);
                tar.file(dir + "/README.txt", readme.getBytes(StandardCharsets.UTF_8));
                tar.file(dir + "/random.bin", data);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out.toByteArray();
        }

        private byte[] config(List<String> diffIds) {
            ObjectNode config = JsonNodeFactory.instance.objectNode();
            config.put("created", CREATED);
            config.put("architecture", architecture);
            config.put("os", os);
            ObjectNode runtime = config.putObject("config");
            runtime.putArray("Env").add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
            runtime.putArray("Cmd").add("/bin/true");
            runtime.putObject("Labels").put("io.cangku.test.seed", Long.toString(seed));
            ObjectNode rootfs = config.putObject("rootfs");
            rootfs.put("type", "layers");
            ArrayNode ids = rootfs.putArray("diff_ids");
            diffIds.forEach(ids::add);
            ArrayNode history = config.putArray("history");
            for (int i = 1; i <= diffIds.size(); i++) {
                history.addObject().put("created", CREATED).put("created_by", "TestImages layer " + i);
            }
            return JSON.writeValueAsBytes(config);
        }
    }

    static byte[] gzip(byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length / 2 + 64);
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
