package io.cangku.storage;

import java.io.IOException;
import java.time.Duration;

/**
 * Another request is still appending to (or sealing, or deleting) the same appendable object, and did not
 * finish within the bounded wait. Nothing changed; the caller may ask for the current size and try again.
 */
public class AppendInProgressException extends IOException {

    public AppendInProgressException(StorageKey key, Duration waited) {
        super("another request is still writing " + key + " (waited " + waited.toMillis() + " ms)");
    }
}
