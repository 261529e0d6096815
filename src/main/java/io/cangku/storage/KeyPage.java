package io.cangku.storage;

import java.util.List;

/**
 * One page of keys, in key order, from {@link ObjectStore#listKeys}. When {@code truncated}, more keys follow
 * the last one: pass it as {@code startAfter} to continue.
 */
public record KeyPage(List<StorageKey> keys, boolean truncated) {

    public KeyPage {
        keys = List.copyOf(keys);
    }
}
