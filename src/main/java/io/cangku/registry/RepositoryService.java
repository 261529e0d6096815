package io.cangku.registry;

import io.cangku.oci.OciError;
import io.cangku.oci.RegistryException;
import io.cangku.oci.StateConflictException;
import io.cangku.oci.RepositoryName;
import io.cangku.oci.Tag;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.StorageKey;
import io.cangku.storage.StorageLayout;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Service;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/**
 * Whole repositories: deleting one removes its tags, revisions, links, referrer entries and catalog entry
 * at once; the garbage collector then frees the blobs no other repository uses. Nested repositories
 * ({@code team/app/api} under {@code team/app}) are repositories of their own and stay.
 */
@Service
public class RepositoryService {

    private final ObjectStore store;
    private final RepositoryCatalog catalog;
    private final ObjectProvider<TagProtection> protection;
    private final ObjectProvider<RegistryEvents> events;

    public RepositoryService(ObjectStore store, RepositoryCatalog catalog,
                             ObjectProvider<TagProtection> protection, ObjectProvider<RegistryEvents> events) {
        this.store = store;
        this.catalog = catalog;
        this.protection = protection;
        this.events = events;
    }

    /** As {@link #delete(RepositoryName, boolean)} without force: refused while the repository holds an immutable tag. */
    public boolean delete(RepositoryName repository) throws IOException {
        return delete(repository, false);
    }

    /**
     * False when no such repository exists. Tags go first, so no client resolves a half-deleted image. Without
     * {@code force}, a repository holding an immutable tag is refused (409 DENIED naming the tag and its rule):
     * deleting the repository would delete the tag. Force is for administrators (the admin API checks that).
     * Reports one {@link RegistryEvents#repositoryDeleted} event once it is done.
     */
    public boolean delete(RepositoryName repository, boolean force) throws IOException {
        if (!catalog.exists(repository)) {
            return false;
        }
        TagProtection rules = protection.getIfAvailable(() -> TagProtection.NONE);
        if (!force && rules.protectsAnyTagOf(repository)) {
            store.forEach(StorageLayout.tags(repository), item -> {
                Tag tag = Tag.parse(StorageLayout.decodeTagName(item.key().name()));
                Optional<String> rule = rules.ruleProtecting(repository, tag);
                if (rule.isPresent()) {
                    throw new StateConflictException(OciError.DENIED, "repository " + repository + " holds the immutable tag "
                            + tag + " (" + rule.get() + "); an administrator can delete it anyway with force=true",
                            Map.of("repository", repository.value(), "tag", tag.value()));
                }
            });
        }
        store.deleteAll(StorageLayout.tags(repository));
        store.delete(StorageLayout.lastTagPush(repository));
        for (StorageKey prefix : StorageLayout.repositoryContents(repository)) {
            store.deleteAll(prefix);
        }
        catalog.remove(repository);
        // after the catalog entry is gone, so a receiver that looks the repository up on the event finds it deleted
        events.getIfAvailable(() -> RegistryEvents.NONE).repositoryDeleted(repository);
        return true;
    }
}
