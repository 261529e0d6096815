package io.cangku.storage.s3;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything known about an appendable object (an upload session's data) that is not sealed yet, kept as
 * JSON in the bucket beside the object so any replica can continue it. The bytes are, in order: the parts
 * already uploaded to the multipart upload {@code uploadId} (each exactly one part size), then the
 * {@code tail} object holding the remainder smaller than a part.
 *
 * @param sizeBytes bytes appended so far: the sum of the parts plus {@code tailBytes}
 * @param uploadId  the S3 multipart upload, created with the first full part; null before
 * @param parts     the parts uploaded so far, in order, with the ETags S3 answered (so a part overwritten by a
 *                  racing writer cannot slip into the completed object)
 * @param tail      name of the tail object (unique per append, so a failed append never clobbers the tail
 *                  that this state names); null when the parts hold every byte
 * @param tailBytes size of the tail object
 */
record AppendableState(long sizeBytes, String uploadId, List<Part> parts, String tail, long tailBytes) {

    AppendableState {
        parts = parts == null ? List.of() : List.copyOf(parts);
    }

    static AppendableState empty() {
        return new AppendableState(0, null, List.of(), null, 0);
    }

    AppendableState withPart(Part part) {
        List<Part> more = new ArrayList<>(parts);
        more.add(part);
        return new AppendableState(sizeBytes, uploadId, more, tail, tailBytes);
    }

    /** One uploaded part: S3 numbers parts from 1. */
    record Part(int number, String etag, long sizeBytes) {
    }
}
