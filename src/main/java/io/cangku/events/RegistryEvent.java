package io.cangku.events;

import java.time.Instant;

/**
 * One event as it is queued in storage, independent of the format it is sent in (the payload is built at
 * delivery, so an endpoint's format can change while events wait). Every text a client controls is cut to a
 * bounded length when the event is made.
 *
 * @param id         unique; receivers de-duplicate on it (delivery is at least once)
 * @param timestamp  when it happened, by the clock of the replica that served the request
 * @param action     what happened
 * @param target     the manifest, tag or repository it happened to; null for a collection
 * @param request    the HTTP request that caused it; null when no request did (a collection, a retention run)
 * @param actor      who made the request; null when anonymous
 * @param collection the collection run's figures, for {@link EventAction#collection} only
 */
record RegistryEvent(String id, Instant timestamp, EventAction action, Target target, Request request, String actor,
                     Collection collection) {

    /** @param sizeBytes the manifest's size; null when unknown (a delete) */
    record Target(String repository, String digest, String mediaType, Long sizeBytes, String tag) {
    }

    record Request(String id, String addr, String host, String method, String userAgent) {
    }

    record Collection(String runId, String state, boolean dryRun, long blobsDeleted, long bytesFreed,
                      long manifestsDeleted, long tagsDeleted, String error) {
    }
}
