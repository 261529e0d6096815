package io.cangku.oci;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.Map;

/**
 * An OCI content descriptor, as the referrers API lists them: media type, digest, size, and for artifacts
 * the artifact type and annotations.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Descriptor(String mediaType, String digest, long size, String artifactType, Map<String, String> annotations) {
}
