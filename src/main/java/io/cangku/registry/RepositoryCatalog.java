package io.cangku.registry;

import io.cangku.oci.RepositoryName;
import io.cangku.storage.KeyPage;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.ObjectInfo;
import io.cangku.storage.StorageKey;
import io.cangku.storage.StorageLayout;
import org.springframework.stereotype.Service;

import java.io.IOException;
import java.util.Optional;
import java.util.ArrayList;
import java.util.List;

/**
 * Which repositories exist: one marker object per repository under {@code _catalog/}, so the catalog is a
 * single ordered prefix listing however deeply names nest.
 */
@Service
public class RepositoryCatalog {

    private final ObjectStore store;

    public RepositoryCatalog(ObjectStore store) {
        this.store = store;
    }

    /**
     * Makes sure the repository is listed. Called after every write into a repository, and reads storage
     * each time: the collector may have removed the marker of a repository it found empty a moment before
     * this write landed (see {@link #removeIfEmpty}).
     */
    public void register(RepositoryName repository) throws IOException {
        StorageKey marker = StorageLayout.catalogEntry(repository);
        if (store.stat(marker).isEmpty()) {
            store.writeSmall(marker, new byte[0]);
        }
    }

    /**
     * Removes the catalog entry of a repository that holds nothing and whose entry is older than
     * {@code cutoff}; true when it did. A write landing meanwhile is caught either by the re-listing here
     * (which puts the entry back) or by the writer's own {@link #register} after its write.
     */
    public boolean removeIfEmpty(RepositoryName repository, java.time.Instant cutoff) throws IOException {
        StorageKey marker = StorageLayout.catalogEntry(repository);
        Optional<ObjectInfo> info = store.stat(marker);
        if (info.isEmpty() || !info.get().lastModified().isBefore(cutoff) || !isEmpty(repository)) {
            return false;
        }
        store.delete(marker);
        if (!isEmpty(repository)) {
            store.writeSmall(marker, new byte[0]);
            return false;
        }
        return true;
    }

    /** Removes the catalog entry whatever the repository holds (repository delete). */
    void remove(RepositoryName repository) throws IOException {
        store.delete(StorageLayout.catalogEntry(repository));
    }

    /** Nothing of its own: nested repositories ({@code a/b} under {@code a}) live beside these prefixes. */
    private boolean isEmpty(RepositoryName repository) throws IOException {
        for (StorageKey prefix : StorageLayout.repositoryContents(repository)) {
            if (!store.list(prefix, null, 1).items().isEmpty()) {
                return false;
            }
        }
        return true;
    }

    public boolean exists(RepositoryName repository) throws IOException {
        return store.stat(StorageLayout.catalogEntry(repository)).isPresent();
    }

    /** Up to {@code limit} repository names after {@code last}, in lexical order. */
    public Listing<String> list(String last, int limit) throws IOException {
        String startAfter = last == null || last.isEmpty() ? null : StorageLayout.encodeCatalogName(last);
        KeyPage page = store.listKeys(StorageLayout.CATALOG, startAfter, limit);
        List<String> names = new ArrayList<>(page.keys().size());
        for (StorageKey key : page.keys()) {
            names.add(StorageLayout.decodeCatalogName(key.relativeTo(StorageLayout.CATALOG)));
        }
        return new Listing<>(names, page.truncated());
    }
}
