package io.cangku.registry;

import io.cangku.oci.MediaTypes;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import tools.jackson.databind.json.JsonMapper;

import java.nio.charset.StandardCharsets;

/** Parsing and validating a manifest at PUT: an image manifest with a few or many layers. */
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ManifestParseBenchmark {

    @Param({"3", "100"})
    int layers;

    private final JsonMapper json = JsonMapper.builder().build();
    private byte[] body;

    @Setup
    public void setUp() {
        StringBuilder layerList = new StringBuilder();
        for (int i = 0; i < layers; i++) {
            if (i > 0) {
                layerList.append(',');
            }
            layerList.append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:")
                    .append(String.format("%064x", i)).append("\",\"size\":").append(1000 + i).append('}');
        }
        body = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:"
                + "a".repeat(64) + "\",\"size\":123},\"layers\":[" + layerList + "],"
                + "\"annotations\":{\"org.opencontainers.image.created\":\"2026-01-01T00:00:00Z\"}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Benchmark
    public ParsedManifest parse() {
        return ParsedManifest.parse(json, body, MediaTypes.OCI_MANIFEST);
    }
}
