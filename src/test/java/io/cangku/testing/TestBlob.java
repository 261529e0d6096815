package io.cangku.testing;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A small blob of a test image (a layer, config, manifest or index) with its media type and sha256 digest.
 * Test images are kilobytes, so the bytes are held in memory; server code never does this.
 */
public record TestBlob(String mediaType, byte[] content, String digest) {

    public static TestBlob of(String mediaType, byte[] content) {
        return new TestBlob(mediaType, content, sha256(content));
    }

    public long size() {
        return content.length;
    }

    /** The digest's hex part, which is also the blob's file name in an OCI layout. */
    public String hex() {
        return digest.substring("sha256:".length());
    }

    /** An OCI descriptor for this blob: {@code {"mediaType","digest","size"}}. */
    public ObjectNode descriptor() {
        ObjectNode descriptor = JsonNodeFactory.instance.objectNode();
        descriptor.put("mediaType", mediaType);
        descriptor.put("digest", digest);
        descriptor.put("size", size());
        return descriptor;
    }

    public static String sha256(byte[] content) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "TestBlob[" + mediaType + ", " + digest + ", " + content.length + " bytes]";
    }
}
