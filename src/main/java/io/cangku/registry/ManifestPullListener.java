package io.cangku.registry;

import io.cangku.oci.Digest;
import io.cangku.oci.RepositoryName;

/**
 * Told of every manifest a client fetched (GET or HEAD, by tag or digest) on the request's own thread, so it
 * must return at once: no storage I/O (the policy package batches pull times in memory and writes them later).
 */
public interface ManifestPullListener {

    void pulled(RepositoryName repository, Digest digest);
}
