package io.cangku.registry;

import io.cangku.oci.Digest;

/** A stored manifest: the exact bytes the client pushed, their digest, and the media type to serve them as. */
public record Manifest(Digest digest, String mediaType, byte[] bytes) {
}
