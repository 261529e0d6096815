package io.cangku.storage;

import java.io.IOException;

/**
 * The store cannot make {@link ObjectStore#writeSmallIfVersion conditional writes} (an S3-compatible server
 * without {@code If-Match} / {@code If-None-Match}, run with {@code registry.storage.s3.conditional-writes=false}).
 * Callers that can live without atomicity fall back to a plain write on this exception alone; any other
 * {@link IOException} from a conditional write is a storage failure and must not be answered with a blind write.
 */
public class ConditionalWritesUnsupportedException extends IOException {

    public ConditionalWritesUnsupportedException(StorageKey key) {
        super("conditional writes are switched off (registry.storage.s3.conditional-writes=false), but writing " + key
                + " needs one");
    }
}
