package io.cangku.registry;

import io.cangku.oci.Digest;

/** A stored blob: its digest and size in bytes. */
public record BlobInfo(Digest digest, long sizeBytes) {
}
