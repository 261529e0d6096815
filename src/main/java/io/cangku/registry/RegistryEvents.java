package io.cangku.registry;

import io.cangku.oci.Digest;
import io.cangku.oci.RepositoryName;
import io.cangku.oci.Tag;

import java.util.Optional;

/**
 * Told of what changed in the registry (and of manifest pulls), for event notifications; the events package
 * implements it. Called on the request's own thread after the change is done, so an implementation must return
 * at once: no network, at most one small storage write (pulls: none, they are batched), and it never throws,
 * since the change it reports has already happened and the client must still be told it succeeded.
 */
public interface RegistryEvents {

    /** A manifest was stored; {@code tag} when it was pushed by tag (which then points at it). */
    void manifestPushed(RepositoryName repository, Digest digest, String mediaType, long sizeBytes, Optional<Tag> tag);

    /** A client fetched a manifest (GET, by tag or by digest). */
    void manifestPulled(RepositoryName repository, Digest digest, String mediaType, long sizeBytes, Optional<Tag> tag);

    /** A manifest left the repository, with every tag that pointed at it. */
    void manifestDeleted(RepositoryName repository, Digest digest);

    /** A tag was deleted (the manifest it named stays). */
    void tagDeleted(RepositoryName repository, Tag tag);

    /**
     * A whole repository was deleted, with every tag and manifest in it: one event, not one per tag or manifest, so
     * deleting a repository of thousands of tags stays one small write (as Distribution's {@code RepoDeleted}).
     */
    void repositoryDeleted(RepositoryName repository);

    /** Nobody listens. */
    RegistryEvents NONE = new RegistryEvents() {
        @Override
        public void manifestPushed(RepositoryName repository, Digest digest, String mediaType, long sizeBytes, Optional<Tag> tag) {
        }

        @Override
        public void manifestPulled(RepositoryName repository, Digest digest, String mediaType, long sizeBytes, Optional<Tag> tag) {
        }

        @Override
        public void manifestDeleted(RepositoryName repository, Digest digest) {
        }

        @Override
        public void tagDeleted(RepositoryName repository, Tag tag) {
        }

        @Override
        public void repositoryDeleted(RepositoryName repository) {
        }
    };
}
