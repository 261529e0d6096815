package io.cangku.storage;

import java.time.Instant;

/** What a backend knows about a stored object without reading it. */
public record ObjectInfo(StorageKey key, long sizeBytes, Instant lastModified) {
}
