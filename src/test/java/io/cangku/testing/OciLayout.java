package io.cangku.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * An OCI image layout directory (image-spec {@code image-layout.md}): {@code oci-layout}, {@code index.json}
 * and {@code blobs/sha256/<hex>}. Tests write test images into one and hand it to skopeo or podman as
 * {@code oci:<dir>:<tag>}, and read the layout a client pulled into, to compare it byte for byte.
 *
 * <pre>
 * dir/
 * ├── oci-layout            {"imageLayoutVersion":"1.0.0"}
 * ├── index.json            one descriptor per tag, annotated org.opencontainers.image.ref.name=tag
 * └── blobs/sha256/&lt;hex&gt;   every manifest, index, config and layer, named by digest
 * </pre>
 */
public final class OciLayout {

    public static final String REF_NAME = "org.opencontainers.image.ref.name";

    private final Path root;

    private OciLayout(Path root) {
        this.root = root;
    }

    /** Creates an empty layout in {@code dir} (created if missing). */
    public static OciLayout create(Path dir) {
        try {
            Files.createDirectories(dir.resolve("blobs/sha256"));
            Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
            OciLayout layout = new OciLayout(dir);
            layout.writeIndex(new TreeMap<>());
            return layout;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Opens a layout someone else (a client) wrote. */
    public static OciLayout open(Path dir) {
        if (!Files.isRegularFile(dir.resolve("index.json"))) {
            throw new IllegalArgumentException(dir + " is not an OCI layout: no index.json");
        }
        return new OciLayout(dir);
    }

    public Path root() {
        return root;
    }

    /** The transport reference skopeo and podman understand: {@code oci:<dir>:<tag>}. */
    public String reference(String tag) {
        return "oci:" + root.toAbsolutePath() + ":" + tag;
    }

    public OciLayout add(TestImage image, String tag) {
        image.blobs().forEach(this::writeBlob);
        return tag(image.manifest(), tag);
    }

    public OciLayout add(TestIndex index, String tag) {
        index.blobs().forEach(this::writeBlob);
        return tag(index.index(), tag);
    }

    /** The descriptor {@code index.json} holds for a tag: its {@code digest}, {@code mediaType}, {@code size}. */
    public Optional<JsonNode> descriptor(String tag) {
        for (JsonNode descriptor : readIndex().path("manifests")) {
            if (tag.equals(descriptor.path("annotations").path(REF_NAME).asString(null))) {
                return Optional.of(descriptor);
            }
        }
        return Optional.empty();
    }

    /** The digest {@code tag} points at; fails if the layout has no such tag. */
    public String digestOf(String tag) {
        return descriptor(tag).map(d -> d.path("digest").asString())
                .orElseThrow(() -> new AssertionError("no tag " + tag + " in " + root + "/index.json"));
    }

    public boolean hasBlob(String digest) {
        return Files.isRegularFile(blobPath(digest));
    }

    public byte[] blob(String digest) {
        try {
            return Files.readAllBytes(blobPath(digest));
        } catch (IOException e) {
            throw new UncheckedIOException("no blob " + digest + " in " + root, e);
        }
    }

    /** Every blob file, by digest, so two layouts can be compared as a whole. */
    public Map<String, Path> blobs() {
        Map<String, Path> blobs = new TreeMap<>();
        try (Stream<Path> files = Files.list(root.resolve("blobs/sha256"))) {
            files.forEach(file -> blobs.put("sha256:" + file.getFileName(), file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return blobs;
    }

    private OciLayout tag(TestBlob manifest, String tag) {
        Map<String, JsonNode> byTag = new TreeMap<>();
        for (JsonNode descriptor : readIndex().path("manifests")) {
            byTag.put(descriptor.path("annotations").path(REF_NAME).asString(""), descriptor);
        }
        ObjectNode descriptor = manifest.descriptor();
        descriptor.putObject("annotations").put(REF_NAME, tag);
        byTag.put(tag, descriptor);
        writeIndex(byTag);
        return this;
    }

    private void writeIndex(Map<String, JsonNode> byTag) {
        ObjectNode index = JsonNodeFactory.instance.objectNode();
        index.put("schemaVersion", 2);
        index.put("mediaType", TestImages.OCI_INDEX);
        ArrayNode manifests = index.putArray("manifests");
        byTag.values().forEach(manifests::add);
        try {
            Files.write(root.resolve("index.json"), TestImages.JSON.writeValueAsBytes(index));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private JsonNode readIndex() {
        try {
            return TestImages.JSON.readTree(Files.readAllBytes(root.resolve("index.json")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeBlob(TestBlob blob) {
        try {
            Files.write(blobPath(blob.digest()), blob.content());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path blobPath(String digest) {
        if (!digest.matches("sha256:[0-9a-f]{64}")) {
            throw new IllegalArgumentException("not a sha256 digest: " + digest);
        }
        return root.resolve("blobs/sha256").resolve(digest.substring("sha256:".length()));
    }
}
