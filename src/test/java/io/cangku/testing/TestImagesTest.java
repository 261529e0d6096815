package io.cangku.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

class TestImagesTest {

    @Test
    void sameSeedGivesByteIdenticalImage() {
        // given
        TestImages.Builder builder = TestImages.image().seed(7).randomLayers(2, 4096);

        // when
        TestImage first = builder.build();
        TestImage second = builder.build();

        // then
        assertThat(second.manifest().digest()).isEqualTo(first.manifest().digest());
        assertThat(second.layerDigests()).isEqualTo(first.layerDigests());
    }

    @Test
    void differentSeedsShareNoLayer() {
        // when
        TestImage one = TestImages.image().seed(1).randomLayers(3, 1024).build();
        TestImage two = TestImages.image().seed(2).randomLayers(3, 1024).build();

        // then
        assertThat(one.layerDigests()).doesNotContainAnyElementsOf(two.layerDigests());
        assertThat(one.layerDigests()).doesNotHaveDuplicates();
    }

    @Test
    void configRecordsDiffIdsAndManifestReferencesEveryBlob() throws IOException {
        // when
        TestImage image = TestImages.image().seed(3).randomLayers(2, 2048).platform("linux", "arm64").build();

        // then the diff_ids are the digests of the uncompressed layers
        for (int i = 0; i < image.layers().size(); i++) {
            byte[] compressed = image.layers().get(i).content();
            try (GZIPInputStream tar = new GZIPInputStream(new ByteArrayInputStream(compressed))) {
                assertThat(TestBlob.sha256(tar.readAllBytes())).isEqualTo(image.diffIds().get(i));
            }
        }
        JsonNode config = TestImages.JSON.readTree(image.config().content());
        assertThat(config.path("architecture").asString()).isEqualTo("arm64");
        assertThat(config.path("rootfs").path("diff_ids")).extracting(JsonNode::asString)
                .containsExactlyElementsOf(image.diffIds());
        JsonNode manifest = TestImages.JSON.readTree(image.manifest().content());
        assertThat(manifest.path("config").path("digest").asString()).isEqualTo(image.config().digest());
        assertThat(manifest.path("layers")).extracting(layer -> layer.path("digest").asString())
                .containsExactlyElementsOf(image.layerDigests());
    }

    @Test
    @RequiresTool("tar")
    void layersAreTarArchivesThatTarReads(@TempDir Path tmp) throws IOException {
        // given
        TestImage image = TestImages.image().seed(4).randomLayers(1, 3000).build();
        Path layer = Files.write(tmp.resolve("layer.tar.gz"), image.layers().get(0).content());

        // when
        String listing = Processes.command("tar", "-tvzf", layer.toString()).run().stdout();

        // then
        assertThat(listing.lines().map(line -> line.substring(line.lastIndexOf(' ') + 1)).toList())
                .containsExactly("cangku-test/", "cangku-test/seed-4/", "cangku-test/seed-4/layer-1/",
                        "cangku-test/seed-4/layer-1/README.txt", "cangku-test/seed-4/layer-1/random.bin");
        assertThat(listing).contains("root/root").contains(" 3000 ");
    }

    @Test
    void layoutHoldsEveryBlobUnderItsDigestAndTagsInIndexJson(@TempDir Path tmp) {
        // given
        TestIndex index = TestImages.index(
                TestImages.image().seed(5).platform("linux", "amd64").build(),
                TestImages.image().seed(6).platform("linux", "arm64").build());

        // when
        OciLayout layout = OciLayout.create(tmp).add(index, "multi").add(index.image("amd64"), "single");

        // then
        assertThat(layout.digestOf("multi")).isEqualTo(index.index().digest());
        assertThat(layout.digestOf("single")).isEqualTo(index.image("amd64").manifest().digest());
        List<String> expected = index.blobs().stream().map(TestBlob::digest).toList();
        assertThat(layout.blobs().keySet()).containsExactlyInAnyOrderElementsOf(expected);
        expected.forEach(digest -> assertThat(TestBlob.sha256(layout.blob(digest))).isEqualTo(digest));
        JsonNode manifests = TestImages.JSON.readTree(index.index().content()).path("manifests");
        assertThat(manifests).extracting(entry -> entry.path("platform").path("architecture").asString())
                .containsExactly("amd64", "arm64");
    }
}
