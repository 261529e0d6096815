package io.cangku.registry;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.cangku.oci.RepositoryName;
import io.cangku.storage.ObjectInfo;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.Page;
import io.cangku.storage.StorageLayout;
import org.springframework.stereotype.Service;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Which repositories exist: one marker object per repository under {@code _catalog/}, so the catalog is a
 * single ordered prefix listing however deeply names nest.
 */
@Service
public class RepositoryCatalog {

    private final ObjectStore store;
    /**
     * Repositories this replica wrote a marker for recently, to spare a write on every push. Only ever
     * says "the marker was written", and expires, so a marker removed elsewhere is written again soon.
     */
    private final Cache<RepositoryName, Boolean> registered = Caffeine.newBuilder()
            .maximumSize(10_000).expireAfterWrite(Duration.ofMinutes(1)).recordStats().build();

    public RepositoryCatalog(ObjectStore store) {
        this.store = store;
    }

    public void register(RepositoryName repository) throws IOException {
        if (registered.getIfPresent(repository) == null) {
            store.writeSmall(StorageLayout.catalogEntry(repository), new byte[0]);
            registered.put(repository, Boolean.TRUE);
        }
    }

    public boolean exists(RepositoryName repository) throws IOException {
        return store.stat(StorageLayout.catalogEntry(repository)).isPresent();
    }

    /** Up to {@code limit} repository names after {@code last}, in lexical order. */
    public Listing<String> list(String last, int limit) throws IOException {
        String startAfter = last == null || last.isEmpty() ? null : StorageLayout.encodeCatalogName(last);
        Page page = store.list(StorageLayout.CATALOG, startAfter, limit);
        List<String> names = new ArrayList<>(page.items().size());
        for (ObjectInfo item : page.items()) {
            names.add(StorageLayout.decodeCatalogName(item.key().relativeTo(StorageLayout.CATALOG)));
        }
        return new Listing<>(names, page.truncated());
    }
}
