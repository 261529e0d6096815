package io.cangku.registry;

import io.cangku.oci.Descriptor;
import io.cangku.oci.Digest;
import io.cangku.oci.RepositoryName;
import io.cangku.storage.ObjectInfo;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.Page;
import io.cangku.storage.StorageLayout;
import org.springframework.stereotype.Service;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The referrers index: when a manifest with a {@code subject} is pushed, its descriptor is written under
 * the subject ({@code _referrers/<subject>/<referrer>}); deleting the manifest removes it. Listing the
 * referrers of a digest is one prefix listing, never a scan of all manifests, and works before the subject
 * itself is pushed.
 */
@Service
public class ReferrersService {

    private static final int MAX_DESCRIPTOR_BYTES = 256 * 1024;
    private static final int FILTERED_LISTING_PAGE = 256;

    private final ObjectStore store;
    private final JsonMapper json;

    public ReferrersService(ObjectStore store, JsonMapper json) {
        this.store = store;
        this.json = json;
    }

    void add(RepositoryName repository, Digest subject, Descriptor referrer) throws IOException {
        store.writeSmall(StorageLayout.referrer(repository, subject, Digest.parse(referrer.digest())), json.writeValueAsBytes(referrer));
    }

    void remove(RepositoryName repository, Digest subject, Digest referrer) throws IOException {
        store.delete(StorageLayout.referrer(repository, subject, referrer));
    }

    /**
     * Descriptors of the manifests that refer to {@code subject}, optionally only those of one artifact
     * type, at most {@code limit} after the referrer digest {@code last}.
     */
    public Listing<Descriptor> list(RepositoryName repository, Digest subject, String artifactType, String last, int limit)
            throws IOException {
        List<Descriptor> result = new ArrayList<>();
        String startAfter = last;
        boolean more;
        // Filtering happens after listing, so keep paging until the page is full or the index ends; with a
        // filter, list in larger pages than asked, so that a small n does not cost one listing per referrer.
        int pageSize = artifactType == null ? limit : Math.max(limit, FILTERED_LISTING_PAGE);
        do {
            Page page = store.list(StorageLayout.referrers(repository, subject), startAfter, pageSize);
            for (ObjectInfo item : page.items()) {
                startAfter = item.key().name();
                if (result.size() == limit) {
                    return new Listing<>(result, true);
                }
                Optional<byte[]> bytes = store.readSmall(item.key(), MAX_DESCRIPTOR_BYTES);
                if (bytes.isEmpty()) {
                    continue; // removed while listing
                }
                Descriptor descriptor = json.readValue(bytes.get(), Descriptor.class);
                if (artifactType == null || artifactType.equals(descriptor.artifactType())) {
                    result.add(descriptor);
                }
            }
            more = page.truncated();
        } while (more && result.size() < limit);
        return new Listing<>(result, more);
    }
}
