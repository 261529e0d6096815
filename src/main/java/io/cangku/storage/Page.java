package io.cangku.storage;

import java.util.List;

/**
 * One page of a listing, in key order. When {@code truncated}, more keys follow the last one: pass it as
 * {@code startAfter} to continue.
 */
public record Page(List<ObjectInfo> items, boolean truncated) {

    public Page {
        items = List.copyOf(items);
    }
}
