package io.cangku.conformance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Builds the blobs, image manifests, artifact manifests and indexes the conformance workflows push, shaped
 * like the ones of the OCI conformance suite: every config is unique (random author), descriptors carry an
 * unknown {@code newUnspecifiedField} (set on the config descriptor, {@code null} elsewhere) and the config
 * descriptor embeds its content in {@code data}, and all documents are pretty-printed so that a registry
 * that re-serialises instead of storing bytes verbatim gets a different digest.
 */
final class TestContent {

    static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String INDEX = "application/vnd.oci.image.index.v1+json";
    static final String CONFIG = "application/vnd.oci.image.config.v1+json";
    static final String LAYER_TAR_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
    static final String EMPTY_JSON_TYPE = "application/vnd.oci.empty.v1+json";
    static final String OCTET_STREAM = "application/octet-stream";

    static final Blob EMPTY_JSON = Blob.of("{}".getBytes(StandardCharsets.UTF_8));
    /** The digest of {@code {}}; the suite asserts it before using the empty descriptor. */
    static final String EMPTY_JSON_DIGEST = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
    /** A digest no workflow ever pushes: that of {@code hello world}, as in the suite. */
    static final String DUMMY_DIGEST = Blob.of("hello world".getBytes(StandardCharsets.UTF_8)).digest();

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] HELLO_WORLD = "hello world".getBytes(StandardCharsets.UTF_8);

    private TestContent() {
    }

    /** A blob: its bytes and their sha256 digest. */
    record Blob(byte[] content, String digest) {
        static Blob of(byte[] content) {
            return new Blob(content, TestContent.digest(content));
        }

        int size() {
            return content.length;
        }

        String sizeText() {
            return Integer.toString(content.length);
        }
    }

    /**
     * A manifest or index as pushed: its bytes, digest, the Content-Type to push it with and the digest of
     * its subject, if it has one.
     */
    record Manifest(byte[] content, String digest, String mediaType, Optional<String> subject) {
        static Manifest of(byte[] content, String mediaType, Optional<String> subject) {
            return new Manifest(content, TestContent.digest(content), mediaType, subject);
        }

        int size() {
            return content.length;
        }
    }

    static String digest(byte[] content) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static Blob randomBlob(int size) {
        byte[] bytes = new byte[size];
        RANDOM.nextBytes(bytes);
        return Blob.of(bytes);
    }

    static String randomString(int length) {
        String letters = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-";
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            out.append(letters.charAt(RANDOM.nextInt(letters.length())));
        }
        return out.toString();
    }

    /** An image config unique to this call: linux/amd64, no diff_ids, a random author. */
    static Blob config() {
        ObjectNode config = JSON.createObjectNode();
        config.put("author", randomString(16));
        config.put("architecture", "amd64");
        config.put("os", "linux");
        ObjectNode rootfs = config.putObject("rootfs");
        rootfs.put("type", "layers");
        rootfs.putArray("diff_ids");
        return Blob.of(pretty(config));
    }

    /** A small gzip-compressed tarball holding one file of random text, unique to this call. */
    static Blob layer() {
        byte[] file = ("cangku conformance layer " + randomString(32) + "\n").getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(tar("conformance.txt", file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Blob.of(gz.toByteArray());
    }

    /** An image manifest naming its config (with {@code data}) and layers, with {@code mediaType} set. */
    static Manifest image(Blob config, List<Blob> layers) {
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", MANIFEST);
        manifest.set("config", configDescriptor(config));
        ArrayNode layerArray = manifest.putArray("layers");
        for (Blob layer : layers) {
            layerArray.add(descriptor(LAYER_TAR_GZIP, layer.digest(), layer.size()));
        }
        return Manifest.of(pretty(manifest), MANIFEST, Optional.empty());
    }

    /**
     * An image manifest with an empty {@code layers} list and no {@code mediaType} field, like the suite's
     * "manifest upload with no layers": only the Content-Type header says what it is.
     */
    static Manifest imageWithoutLayersOrMediaType(Blob config) {
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("schemaVersion", 2);
        manifest.set("config", configDescriptor(config));
        manifest.putArray("layers");
        return Manifest.of(pretty(manifest), MANIFEST, Optional.empty());
    }

    /**
     * An artifact whose type is its config media type ({@code config.mediaType = artifactType}, no
     * {@code artifactType} field), one empty-JSON layer, a subject and one annotation.
     */
    static Manifest artifactByConfigType(String artifactType, Blob configBlob, Manifest subject,
                                         String annotationKey, String annotationValue) {
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", MANIFEST);
        manifest.set("config", descriptor(artifactType, configBlob.digest(), configBlob.size()));
        manifest.putArray("layers").add(emptyJsonDescriptor());
        manifest.set("subject", descriptor(subject.mediaType(), subject.digest(), subject.size()));
        manifest.putObject("annotations").put(annotationKey, annotationValue);
        return Manifest.of(pretty(manifest), MANIFEST, Optional.of(subject.digest()));
    }

    /**
     * An artifact typed by its {@code artifactType} field, with the empty-JSON config, one layer of that type
     * and a subject; the annotation is optional (the suite's dangling-subject artifact has none).
     */
    static Manifest artifactByArtifactType(String artifactType, Blob layerBlob, String subjectMediaType,
                                           String subjectDigest, int subjectSize,
                                           String annotationKey, String annotationValue) {
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", MANIFEST);
        manifest.put("artifactType", artifactType);
        manifest.set("config", emptyJsonDescriptor());
        manifest.putArray("layers").add(descriptor(artifactType, layerBlob.digest(), layerBlob.size()));
        manifest.set("subject", descriptor(subjectMediaType, subjectDigest, subjectSize));
        if (annotationKey != null) {
            manifest.putObject("annotations").put(annotationKey, annotationValue);
        }
        return Manifest.of(pretty(manifest), MANIFEST, Optional.of(subjectDigest));
    }

    static Manifest artifactByArtifactType(String artifactType, Blob layerBlob, Manifest subject,
                                           String annotationKey, String annotationValue) {
        return artifactByArtifactType(artifactType, layerBlob, subject.mediaType(), subject.digest(),
                subject.size(), annotationKey, annotationValue);
    }

    /** An image index with an {@code artifactType}, image-manifest children, a subject and one annotation. */
    static Manifest artifactIndex(String artifactType, List<Manifest> children, Manifest subject,
                                  String annotationKey, String annotationValue) {
        ObjectNode index = JSON.createObjectNode();
        index.put("schemaVersion", 2);
        index.put("mediaType", INDEX);
        index.put("artifactType", artifactType);
        ArrayNode manifests = index.putArray("manifests");
        for (Manifest child : children) {
            manifests.add(descriptor(child.mediaType(), child.digest(), child.size()));
        }
        index.set("subject", descriptor(subject.mediaType(), subject.digest(), subject.size()));
        index.putObject("annotations").put(annotationKey, annotationValue);
        return Manifest.of(pretty(index), INDEX, Optional.of(subject.digest()));
    }

    private static ObjectNode configDescriptor(Blob config) {
        ObjectNode descriptor = JSON.createObjectNode();
        descriptor.put("mediaType", CONFIG);
        descriptor.put("digest", config.digest());
        descriptor.put("size", config.size());
        descriptor.put("data", Base64.getEncoder().encodeToString(config.content()));
        descriptor.put("newUnspecifiedField", Base64.getEncoder().encodeToString(HELLO_WORLD));
        return descriptor;
    }

    private static ObjectNode emptyJsonDescriptor() {
        return descriptor(EMPTY_JSON_TYPE, EMPTY_JSON.digest(), EMPTY_JSON.size());
    }

    private static ObjectNode descriptor(String mediaType, String digest, long size) {
        ObjectNode descriptor = JSON.createObjectNode();
        descriptor.put("mediaType", mediaType);
        descriptor.put("digest", digest);
        descriptor.put("size", size);
        descriptor.putNull("newUnspecifiedField");
        return descriptor;
    }

    private static byte[] pretty(ObjectNode node) {
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(node);
    }

    /** A ustar archive of one regular file. */
    private static byte[] tar(String name, byte[] content) {
        byte[] header = new byte[512];
        putText(header, 0, name);
        putText(header, 100, "0000644");
        putText(header, 108, "0000000");
        putText(header, 116, "0000000");
        putText(header, 124, String.format("%011o", content.length));
        putText(header, 136, String.format("%011o", 1_700_000_000L));
        Arrays.fill(header, 148, 156, (byte) ' ');
        header[156] = '0';
        putText(header, 257, "ustar");
        putText(header, 263, "00");
        long checksum = 0;
        for (byte b : header) {
            checksum += b & 0xff;
        }
        putText(header, 148, String.format("%06o", checksum));
        header[154] = 0;
        header[155] = ' ';

        int padded = (content.length + 511) / 512 * 512;
        byte[] archive = new byte[512 + padded + 1024];
        System.arraycopy(header, 0, archive, 0, 512);
        System.arraycopy(content, 0, archive, 512, content.length);
        return archive;
    }

    private static void putText(byte[] target, int offset, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, target, offset, bytes.length);
    }
}
