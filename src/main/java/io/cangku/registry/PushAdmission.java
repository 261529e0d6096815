package io.cangku.registry;

import io.cangku.oci.Digest;
import io.cangku.oci.RepositoryName;

import java.io.IOException;
import java.util.Map;

/**
 * Whether a manifest PUT may make a repository reference more bytes (storage quotas). The rules and the usage
 * figures live elsewhere (the quota package implements this); the registry asks once per manifest PUT, after it
 * found every reference in storage and before it writes the revision or moves a tag, so a refused push changes
 * nothing a client can see.
 */
public interface PushAdmission {

    /**
     * Admits the push or refuses it with {@link QuotaExceededException}. {@code contents} is every blob the manifest
     * makes the repository reference, by digest, with its size as stored (never the size the manifest claims): the
     * manifest's own bytes, its config and its layers (an index's children were admitted when they were pushed).
     * Admitting the same contents again adds nothing, so a retried push is not counted twice.
     */
    void admit(RepositoryName repository, Map<Digest, Long> contents) throws IOException;

    /** Every push is admitted. */
    PushAdmission NONE = (repository, contents) -> {
    };
}
