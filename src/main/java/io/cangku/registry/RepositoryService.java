package io.cangku.registry;

import io.cangku.oci.RepositoryName;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.StorageKey;
import io.cangku.storage.StorageLayout;
import org.springframework.stereotype.Service;

import java.io.IOException;

/**
 * Whole repositories: deleting one removes its tags, revisions, links, referrer entries and catalog entry
 * at once; the garbage collector then frees the blobs no other repository uses. Nested repositories
 * ({@code team/app/api} under {@code team/app}) are repositories of their own and stay.
 */
@Service
public class RepositoryService {

    private final ObjectStore store;
    private final RepositoryCatalog catalog;

    public RepositoryService(ObjectStore store, RepositoryCatalog catalog) {
        this.store = store;
        this.catalog = catalog;
    }

    /** False when no such repository exists. Tags go first, so no client resolves a half-deleted image. */
    public boolean delete(RepositoryName repository) throws IOException {
        if (!catalog.exists(repository)) {
            return false;
        }
        store.deleteAll(StorageLayout.tags(repository));
        for (StorageKey prefix : StorageLayout.repositoryContents(repository)) {
            store.deleteAll(prefix);
        }
        catalog.remove(repository);
        return true;
    }
}
