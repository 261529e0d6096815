package io.cangku.storage;

import java.io.IOException;

/** An append named an offset other than the current end of the appendable object. */
public class AppendOffsetMismatchException extends IOException {

    private final long currentSize;

    public AppendOffsetMismatchException(StorageKey key, long expected, long currentSize) {
        super("append to " + key + " at offset " + expected + " but it holds " + currentSize + " bytes");
        this.currentSize = currentSize;
    }

    public long currentSize() {
        return currentSize;
    }
}
