package io.cangku.testing;

import java.util.ArrayList;
import java.util.List;

/**
 * A single-platform OCI image made by {@link TestImages}: its manifest, config and gzip layers, plus the
 * diff_ids the config records (the sha256 of each layer uncompressed), so that a test can check a layer a
 * client recompressed still holds the same tar.
 */
public record TestImage(TestBlob manifest, TestBlob config, List<TestBlob> layers, List<String> diffIds,
                        String os, String architecture) {

    public TestImage {
        layers = List.copyOf(layers);
        diffIds = List.copyOf(diffIds);
    }

    /** Config first, then the layers, then the manifest: the order a client pushes them in. */
    public List<TestBlob> blobs() {
        List<TestBlob> blobs = new ArrayList<>();
        blobs.add(config);
        blobs.addAll(layers);
        blobs.add(manifest);
        return blobs;
    }

    public List<String> layerDigests() {
        return layers.stream().map(TestBlob::digest).toList();
    }

    /** {@code os/architecture}, as docker's {@code --platform} spells it. */
    public String platform() {
        return os + "/" + architecture;
    }
}
