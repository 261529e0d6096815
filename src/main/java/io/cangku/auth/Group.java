package io.cangku.auth;

/** A named group; membership is recorded on each account. */
public record Group(String name, String description) {
}
