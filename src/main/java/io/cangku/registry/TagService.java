package io.cangku.registry;

import io.cangku.oci.Digest;
import io.cangku.oci.OciError;
import io.cangku.oci.RegistryException;
import io.cangku.oci.RepositoryName;
import io.cangku.oci.Tag;
import io.cangku.storage.KeyPage;
import io.cangku.storage.ObjectInfo;
import io.cangku.storage.Page;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.StorageKey;
import io.cangku.storage.StorageLayout;
import org.springframework.stereotype.Service;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Tags: one small object per tag holding the digest it points at. Never cached, since another replica may
 * move a tag at any moment and the spec expects the move to be visible at once.
 */
@Service
public class TagService {

    private static final int MAX_TAG_OBJECT_BYTES = 256;

    private final ObjectStore store;
    private final RepositoryCatalog catalog;

    public TagService(ObjectStore store, RepositoryCatalog catalog) {
        this.store = store;
        this.catalog = catalog;
    }

    public Optional<Digest> resolve(RepositoryName repository, Tag tag) throws IOException {
        return store.readSmall(StorageLayout.tag(repository, tag), MAX_TAG_OBJECT_BYTES)
                .map(bytes -> Digest.parse(new String(bytes, StandardCharsets.US_ASCII).trim()));
    }

    void tag(RepositoryName repository, Tag tag, Digest digest) throws IOException {
        store.writeSmall(StorageLayout.tag(repository, tag), digest.toString().getBytes(StandardCharsets.US_ASCII));
    }

    boolean untag(RepositoryName repository, Tag tag) throws IOException {
        if (store.stat(StorageLayout.tag(repository, tag)).isEmpty()) {
            return false;
        }
        store.delete(StorageLayout.tag(repository, tag));
        return true;
    }

    /** Tags of a repository in lexical, case-insensitive order (the spec's), after {@code last}, at most {@code limit}. */
    public Listing<String> list(RepositoryName repository, String last, int limit) throws IOException {
        if (!catalog.exists(repository)) {
            throw new RegistryException(OciError.NAME_UNKNOWN, "repository " + repository + " is not known to this registry");
        }
        if (limit == 0) {
            return new Listing<>(List.of(), false);
        }
        String startAfter = last == null || last.isEmpty() ? null : StorageLayout.encodeTagName(last);
        KeyPage page = store.listKeys(StorageLayout.tags(repository), startAfter, limit);
        List<String> tags = new ArrayList<>(page.keys().size());
        for (StorageKey key : page.keys()) {
            tags.add(StorageLayout.decodeTagName(key.name()));
        }
        return new Listing<>(tags, page.truncated());
    }

    /** A tag and when it was last pushed (its object's modification time: every push rewrites it). */
    public record TagEntry(String name, Instant pushedAt) {
    }

    /** How many tags a repository has and when one was last pushed ({@code lastPush} null without tags). */
    public record TagSummary(int count, Instant lastPush) {
    }

    /** As {@link #list}, with each tag's push time, which the listing reports without reading the tags. */
    public Listing<TagEntry> listWithPushTimes(RepositoryName repository, String last, int limit) throws IOException {
        String startAfter = last == null || last.isEmpty() ? null : StorageLayout.encodeTagName(last);
        Page page = store.list(StorageLayout.tags(repository), startAfter, limit);
        List<TagEntry> tags = new ArrayList<>(page.items().size());
        for (ObjectInfo item : page.items()) {
            tags.add(new TagEntry(StorageLayout.decodeTagName(item.key().name()), item.lastModified()));
        }
        return new Listing<>(tags, page.truncated());
    }

    /**
     * Counts the tags and finds the latest push: one listing of the tags, a page at a time, reading none of
     * them (a repository of 5,000 tags is five listing calls on S3).
     */
    public TagSummary summarize(RepositoryName repository) throws IOException {
        int[] count = {0};
        Instant[] latest = {null};
        store.forEach(StorageLayout.tags(repository), item -> {
            count[0]++;
            if (latest[0] == null || item.lastModified().isAfter(latest[0])) {
                latest[0] = item.lastModified();
            }
        });
        return new TagSummary(count[0], latest[0]);
    }

    /** Every tag pointing at {@code digest}: a full listing, acceptable because deletes are rare. */
    public List<Tag> tagsPointingAt(RepositoryName repository, Digest digest) throws IOException {
        List<Tag> result = new ArrayList<>();
        store.forEach(StorageLayout.tags(repository), item -> {
            Tag tag = Tag.parse(StorageLayout.decodeTagName(item.key().name()));
            if (resolve(repository, tag).filter(digest::equals).isPresent()) {
                result.add(tag);
            }
        });
        return result;
    }
}
