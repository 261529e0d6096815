package io.cangku.storage;

import java.util.List;

/** {@code registry.storage.type} names no backend; the message lists the ones there are. */
public final class UnknownStorageTypeException extends IllegalStateException {

    public UnknownStorageTypeException(String type, List<String> known) {
        super("registry.storage.type=" + type + " is not a storage type; use " + String.join(" or ", known));
    }
}
