package io.cangku.registry;

import io.cangku.oci.RepositoryName;
import io.cangku.oci.Tag;

import java.io.IOException;
import java.util.Optional;

/**
 * Which tags may no longer be moved or deleted once they exist (immutable tags). The rules live elsewhere (the
 * policy package implements this); what is refused, and how, is decided here in the registry, on every path that
 * moves or deletes a tag: a manifest PUT, a DELETE by tag or digest, a repository delete.
 */
public interface TagProtection {

    /** The rule that protects the tag, as a phrase for an error message; empty when none does. */
    Optional<String> ruleProtecting(RepositoryName repository, Tag tag) throws IOException;

    /** Whether any rule could protect a tag of this repository (spares reading tags where none can). */
    boolean protectsAnyTagOf(RepositoryName repository) throws IOException;

    /** No tag is protected. */
    TagProtection NONE = new TagProtection() {
        @Override
        public Optional<String> ruleProtecting(RepositoryName repository, Tag tag) {
            return Optional.empty();
        }

        @Override
        public boolean protectsAnyTagOf(RepositoryName repository) {
            return false;
        }
    };
}
