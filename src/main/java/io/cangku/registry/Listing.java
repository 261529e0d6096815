package io.cangku.registry;

import java.util.List;

/** One page of names; {@code more} when further names follow the last one. */
public record Listing<T>(List<T> items, boolean more) {

    public Listing {
        items = List.copyOf(items);
    }
}
