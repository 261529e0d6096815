package io.cangku.registry;

import io.cangku.oci.Descriptor;
import io.cangku.oci.Digest;
import io.cangku.oci.MediaTypes;
import io.cangku.oci.OciError;
import io.cangku.oci.RegistryException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the registry needs to know of a manifest: its media type, the blobs it references (config and
 * layers), the manifests it references (an index's children), its subject and artifact type. Parsed only to
 * validate and to find references; the stored bytes are always the client's, never re-serialised.
 */
record ParsedManifest(String mediaType, Descriptor config, List<Descriptor> layers, List<Descriptor> manifests,
                      Descriptor subject, String artifactType, Map<String, String> annotations) {

    boolean isIndex() {
        return MediaTypes.INDEXES.contains(mediaType);
    }

    /** The artifact type the referrers API reports: {@code artifactType}, else the config's media type. */
    String effectiveArtifactType() {
        if (artifactType != null && !artifactType.isEmpty()) {
            return artifactType;
        }
        return config == null ? null : config.mediaType();
    }

    /**
     * Parses and validates a manifest body against the {@code Content-Type} it came with.
     *
     * @throws RegistryException MANIFEST_INVALID with a message naming what is wrong
     */
    static ParsedManifest parse(JsonMapper json, byte[] body, String contentType) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JacksonException e) {
            throw invalid("the manifest is not well-formed JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw invalid("the manifest must be a JSON object");
        }
        String declared = text(root, "mediaType");
        String headerType = MediaTypes.essence(contentType);
        if (headerType != null && (headerType.isEmpty() || headerType.equals("application/octet-stream"))) {
            headerType = null;
        }
        JsonNode schemaVersion = root.get("schemaVersion");
        if (MediaTypes.isSchema1(headerType) || MediaTypes.isSchema1(declared)
                || (schemaVersion != null && schemaVersion.isNumber() && schemaVersion.asInt() == 1)) {
            throw invalid("Docker image manifest schema 1 is deprecated and not supported; push schema 2 or OCI "
                    + "(e.g. skopeo copy --format v2s2, or a current Docker client)");
        }
        if (schemaVersion == null || !schemaVersion.isIntegralNumber() || schemaVersion.asInt() != 2) {
            throw invalid("the manifest must have \"schemaVersion\": 2");
        }
        String mediaType = headerType != null ? headerType : declared;
        if (mediaType == null) {
            throw invalid("send the manifest's media type in Content-Type (or as \"mediaType\" in the body)");
        }
        if (declared != null && !declared.equals(mediaType)) {
            throw invalid("Content-Type " + mediaType + " does not match the manifest's mediaType " + declared);
        }
        if (!MediaTypes.IMAGE_MANIFESTS.contains(mediaType) && !MediaTypes.INDEXES.contains(mediaType)) {
            throw invalid("unsupported manifest media type " + mediaType + "; expected one of "
                    + String.join(", ", MediaTypes.OCI_MANIFEST, MediaTypes.OCI_INDEX, MediaTypes.DOCKER_MANIFEST,
                    MediaTypes.DOCKER_MANIFEST_LIST));
        }
        Descriptor subject = root.has("subject") && !root.get("subject").isNull() ? descriptor(root.get("subject"), "subject") : null;
        String artifactType = text(root, "artifactType");
        Map<String, String> annotations = annotations(root.get("annotations"), "annotations");
        if (MediaTypes.INDEXES.contains(mediaType)) {
            if (root.has("config") || root.has("layers")) {
                throw invalid("an image index has \"manifests\", not \"config\" or \"layers\"");
            }
            List<Descriptor> children = descriptors(root.get("manifests"), "manifests", true);
            return new ParsedManifest(mediaType, null, List.of(), children, subject, artifactType, annotations);
        }
        if (root.has("manifests")) {
            throw invalid("an image manifest has \"config\" and \"layers\", not \"manifests\"");
        }
        JsonNode configNode = root.get("config");
        if (configNode == null || configNode.isNull()) {
            throw invalid("the manifest has no \"config\" descriptor");
        }
        Descriptor config = descriptor(configNode, "config");
        // Docker schema 2 requires layers; OCI artifacts may have none but must still carry the array.
        List<Descriptor> layers = descriptors(root.get("layers"), "layers", true);
        return new ParsedManifest(mediaType, config, layers, List.of(), subject, artifactType, annotations);
    }

    private static List<Descriptor> descriptors(JsonNode array, String field, boolean required) {
        if (array == null || array.isNull()) {
            if (required) {
                throw invalid("the manifest has no \"" + field + "\" array");
            }
            return List.of();
        }
        if (!array.isArray()) {
            throw invalid("\"" + field + "\" must be an array");
        }
        List<Descriptor> result = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            result.add(descriptor(array.get(i), field + "[" + i + "]"));
        }
        return result;
    }

    private static Descriptor descriptor(JsonNode node, String where) {
        if (!node.isObject()) {
            throw invalid(where + " must be a descriptor object");
        }
        String mediaType = text(node, "mediaType");
        if (mediaType == null || mediaType.isEmpty()) {
            throw invalid(where + " has no mediaType");
        }
        String digestText = text(node, "digest");
        Digest digest;
        try {
            digest = Digest.parse(digestText);
        } catch (RegistryException e) {
            throw invalid(where + " has an invalid digest: " + e.getMessage());
        }
        JsonNode size = node.get("size");
        if (size == null || !size.isIntegralNumber() || size.asLong() < 0) {
            throw invalid(where + " needs a non-negative integer \"size\"");
        }
        return new Descriptor(mediaType, digest.toString(), size.asLong(), text(node, "artifactType"),
                annotations(node.get("annotations"), where + ".annotations"));
    }

    private static Map<String, String> annotations(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw invalid(where + " must be an object of strings");
        }
        Map<String, String> result = new LinkedHashMap<>();
        for (var entry : node.properties()) {
            if (!entry.getValue().isString()) {
                throw invalid(where + "." + entry.getKey() + " must be a string");
            }
            result.put(entry.getKey(), entry.getValue().asString());
        }
        return result;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isString()) {
            throw invalid("\"" + field + "\" must be a string");
        }
        return value.asString();
    }

    private static RegistryException invalid(String message) {
        return new RegistryException(OciError.MANIFEST_INVALID, message);
    }
}
