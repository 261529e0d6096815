package io.cangku.storage;

import java.io.IOException;

/** The object the caller named does not exist (or no longer exists). */
public class ObjectNotFoundException extends IOException {

    public ObjectNotFoundException(StorageKey key) {
        super("no object at " + key);
    }
}
