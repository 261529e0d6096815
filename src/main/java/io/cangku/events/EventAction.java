package io.cangku.events;

/** What an event reports; endpoints subscribe to some of them. */
public enum EventAction {
    /** A manifest was stored (pushed by tag or digest). */
    push,
    /** A client fetched a manifest. */
    pull,
    /** A manifest, a tag, or a whole repository (one event naming only the repository) was deleted. */
    delete,
    /** A tag was set to a manifest: created, moved, or pushed again (sent after the push that did it). */
    tag,
    /** A garbage collection run ended. */
    collection
}
