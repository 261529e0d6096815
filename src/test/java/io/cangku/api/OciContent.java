package io.cangku.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Builds the blobs and documents the API tests push: seeded random blobs, image manifests, indexes, Docker
 * schema 2 manifests and lists, and artifacts. Documents are written by hand as JSON text, so a test knows
 * their exact bytes; each one is unique (a fresh config), so tests never collide on a digest by accident.
 */
final class OciContent {

    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";
    static final String OCI_EMPTY = "application/vnd.oci.empty.v1+json";
    static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip";

    /** The empty JSON object {@code {}}: the config of artifacts (image-spec "Guidance for an empty descriptor"). */
    static final Blob EMPTY_JSON = new Blob("{}".getBytes(StandardCharsets.US_ASCII));

    private static final AtomicLong UNIQUE = new AtomicLong(System.nanoTime());

    private OciContent() {
    }

    /** Bytes with their sha256 digest. */
    record Blob(byte[] bytes) {

        String digest() {
            return sha256(bytes);
        }

        int size() {
            return bytes.length;
        }

        String descriptor(String mediaType) {
            return OciContent.descriptor(mediaType, digest(), size());
        }
    }

    /** A manifest or index: the exact bytes and the media type to push them as. */
    record Document(String mediaType, byte[] bytes) {

        Document(String mediaType, String json) {
            this(mediaType, json.getBytes(StandardCharsets.UTF_8));
        }

        String digest() {
            return sha256(bytes);
        }

        int size() {
            return bytes.length;
        }

        String descriptor() {
            return OciContent.descriptor(mediaType, digest(), size());
        }

        String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    /** A manifest together with the blobs it needs in the repository first. */
    record Image(Document manifest, List<Blob> blobs) {
    }

    static Blob randomBlob(long seed, int size) {
        byte[] bytes = new byte[size];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) random.nextInt(256);
        }
        return new Blob(bytes);
    }

    static Blob uniqueBlob(int size) {
        return randomBlob(UNIQUE.incrementAndGet(), size);
    }

    /** An image config no other test pushes. */
    static Blob uniqueConfig() {
        return new Blob(("{\"architecture\":\"amd64\",\"os\":\"linux\",\"author\":\"cangku-" + UNIQUE.incrementAndGet()
                + "\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}").getBytes(StandardCharsets.UTF_8));
    }

    /** An OCI image manifest with a unique config and {@code layerCount} small layers. */
    static Image ociImage(int layerCount) {
        Blob config = uniqueConfig();
        List<Blob> layers = new ArrayList<>();
        for (int i = 0; i < layerCount; i++) {
            layers.add(uniqueBlob(64 + i));
        }
        return new Image(ociManifest(config, layers, null), concat(config, layers));
    }

    static Document ociManifest(Blob config, List<Blob> layers, String extraFields) {
        return new Document(OCI_MANIFEST, """
                {"schemaVersion":2,"mediaType":"%s","config":%s,"layers":[%s]%s}"""
                .formatted(OCI_MANIFEST, config.descriptor(OCI_CONFIG), descriptors(layers, OCI_LAYER),
                        extraFields == null ? "" : "," + extraFields));
    }

    /** A Docker schema 2 image manifest. */
    static Image dockerImage() {
        Blob config = uniqueConfig();
        Blob layer = uniqueBlob(100);
        Document manifest = new Document(DOCKER_MANIFEST, """
                {"schemaVersion":2,"mediaType":"%s","config":%s,"layers":[%s]}"""
                .formatted(DOCKER_MANIFEST, config.descriptor(DOCKER_CONFIG), layer.descriptor(DOCKER_LAYER)));
        return new Image(manifest, List.of(config, layer));
    }

    /** An OCI index over {@code children}, which must be pushed first. */
    static Document ociIndex(List<Document> children, String extraFields) {
        return new Document(OCI_INDEX, """
                {"schemaVersion":2,"mediaType":"%s","manifests":[%s]%s}"""
                .formatted(OCI_INDEX, platformDescriptors(children), extraFields == null ? "" : "," + extraFields));
    }

    static Document dockerList(List<Document> children) {
        return new Document(DOCKER_LIST, """
                {"schemaVersion":2,"mediaType":"%s","manifests":[%s]}"""
                .formatted(DOCKER_LIST, platformDescriptors(children)));
    }

    /**
     * An artifact manifest (image-spec 1.1): {@code artifactType}, the empty config, one layer, optional
     * subject and annotations. Needs {@link #EMPTY_JSON} and {@code layer} in the repository.
     */
    static Document artifact(String artifactType, Blob layer, Document subject, Map<String, String> annotations) {
        return artifact(artifactType, layer, subject == null ? null : subject.descriptor(), annotations);
    }

    static Document artifact(String artifactType, Blob layer, String subjectDescriptor, Map<String, String> annotations) {
        StringBuilder json = new StringBuilder()
                .append("{\"schemaVersion\":2,\"mediaType\":\"").append(OCI_MANIFEST).append('"')
                .append(",\"artifactType\":\"").append(artifactType).append('"')
                .append(",\"config\":").append(EMPTY_JSON.descriptor(OCI_EMPTY))
                .append(",\"layers\":[").append(layer.descriptor("application/octet-stream")).append(']');
        if (subjectDescriptor != null) {
            json.append(",\"subject\":").append(subjectDescriptor);
        }
        if (annotations != null) {
            json.append(",\"annotations\":").append(annotationsJson(annotations));
        }
        return new Document(OCI_MANIFEST, json.append('}').toString());
    }

    static String descriptor(String mediaType, String digest, long size) {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + digest + "\",\"size\":" + size + "}";
    }

    static String annotationsJson(Map<String, String> annotations) {
        return annotations.entrySet().stream()
                .map(e -> "\"" + e.getKey() + "\":\"" + e.getValue() + "\"")
                .collect(Collectors.joining(",", "{", "}"));
    }

    static String sha256(byte[] bytes) {
        return "sha256:" + hex("SHA-256", bytes);
    }

    static String sha512(byte[] bytes) {
        return "sha512:" + hex("SHA-512", bytes);
    }

    static String hex(String algorithm, byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String descriptors(List<Blob> blobs, String mediaType) {
        return blobs.stream().map(b -> b.descriptor(mediaType)).collect(Collectors.joining(","));
    }

    private static String platformDescriptors(List<Document> children) {
        List<String> result = new ArrayList<>();
        for (int i = 0; i < children.size(); i++) {
            Document child = children.get(i);
            result.add("{\"mediaType\":\"" + child.mediaType() + "\",\"digest\":\"" + child.digest() + "\",\"size\":"
                    + child.size() + ",\"platform\":{\"architecture\":\"" + (i % 2 == 0 ? "amd64" : "arm64")
                    + "\",\"os\":\"linux\"}}");
        }
        return String.join(",", result);
    }

    private static List<Blob> concat(Blob first, List<Blob> rest) {
        List<Blob> all = new ArrayList<>(rest.size() + 1);
        all.add(first);
        all.addAll(rest);
        return all;
    }
}
