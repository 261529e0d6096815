package io.cangku.registry;

import io.cangku.oci.Digest;
import io.cangku.oci.OciError;
import io.cangku.oci.RegistryException;
import io.cangku.oci.RepositoryName;
import io.cangku.oci.Tag;
import io.cangku.storage.ConditionalWritesUnsupportedException;
import io.cangku.storage.KeyPage;
import io.cangku.storage.ObjectInfo;
import io.cangku.storage.Page;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.StorageKey;
import io.cangku.storage.StorageLayout;
import org.springframework.stereotype.Service;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
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
    /** Keys per listing call when counting tags: S3's largest page. */
    private static final int SUMMARY_PAGE = 1000;

    private final ObjectStore store;
    private final RepositoryCatalog catalog;
    private final Clock clock;

    public TagService(ObjectStore store, RepositoryCatalog catalog, Clock clock) {
        this.store = store;
        this.catalog = catalog;
        this.clock = clock;
    }

    /**
     * The digest the tag points at; empty when the tag does not exist. Reads the digest alone: every manifest GET
     * by tag comes here, and parsing the push time with {@link Instant#parse} was 2 % of a 64-connection
     * manifest GET profile.
     */
    public Optional<Digest> resolve(RepositoryName repository, Tag tag) throws IOException {
        return store.readSmall(StorageLayout.tag(repository, tag), MAX_TAG_OBJECT_BYTES)
                .map(bytes -> Digest.parse(digestPart(new String(bytes, StandardCharsets.US_ASCII))));
    }

    /** The digest of a tag object's content ({@code <digest>} or {@code <digest>\n<instant>}). */
    private static String digestPart(String content) {
        int newline = content.indexOf('\n');
        return (newline < 0 ? content : content.substring(0, newline)).trim();
    }

    /**
     * A tag as stored: the digest it points at and when it was pushed. The push time is the registry's clock
     * at the push, written into the tag object after the digest ({@code <digest>\n<instant>}), because the
     * object's modification time is whole seconds on S3 and cannot order a CI pipeline's pushes; tags written
     * before that (the digest alone) fall back to the modification time.
     */
    public record TagState(Tag tag, Digest digest, Instant pushedAt) {
    }

    /** The tag's digest and push time; empty when the tag does not exist. */
    public Optional<TagState> read(RepositoryName repository, Tag tag) throws IOException {
        StorageKey key = StorageLayout.tag(repository, tag);
        Optional<byte[]> bytes = store.readSmall(key, MAX_TAG_OBJECT_BYTES);
        if (bytes.isEmpty()) {
            return Optional.empty();
        }
        String content = new String(bytes.get(), StandardCharsets.US_ASCII);
        int newline = content.indexOf('\n');
        Digest digest = Digest.parse(digestPart(content));
        Instant pushedAt = null;
        if (newline >= 0) {
            try {
                pushedAt = Instant.parse(content.substring(newline + 1).trim());
            } catch (java.time.format.DateTimeParseException e) {
                // unreadable time: the modification time below
            }
        }
        if (pushedAt == null) {
            Optional<ObjectInfo> info = store.stat(key);
            if (info.isEmpty()) {
                return Optional.empty(); // deleted between the two reads
            }
            pushedAt = info.get().lastModified();
        }
        return Optional.of(new TagState(tag, digest, pushedAt));
    }

    void tag(RepositoryName repository, Tag tag, Digest digest) throws IOException {
        Instant now = clock.instant();
        store.writeSmall(StorageLayout.tag(repository, tag), content(digest, now));
        recordPush(repository, now);
    }

    /**
     * Keeps the repository's last tag push in one small object, so {@link #summarize} reads one object instead
     * of the time of every tag. Ephemeral: it is shown, never acted on, and a crash that loses it costs one
     * full listing, which puts it back. Two pushes racing may leave the earlier time by the width of the race.
     */
    private void recordPush(RepositoryName repository, Instant at) throws IOException {
        store.writeSmall(StorageLayout.lastTagPush(repository), at.toString().getBytes(StandardCharsets.US_ASCII),
                ObjectStore.Durability.EPHEMERAL);
    }

    /**
     * Creates the tag only if it does not exist yet (a conditional write), so that of two pushes racing to
     * create a protected tag exactly one wins; false when it existed. On a store without conditional writes
     * ({@code registry.storage.s3.conditional-writes=false}) it checks, then writes: two first pushes racing
     * within that gap may both succeed, the later one winning.
     */
    boolean createTag(RepositoryName repository, Tag tag, Digest digest) throws IOException {
        StorageKey key = StorageLayout.tag(repository, tag);
        Instant now = clock.instant();
        boolean created;
        try {
            created = store.writeSmallIfVersion(key, content(digest, now), null);
        } catch (ConditionalWritesUnsupportedException conditionalWriteRefused) {
            created = store.stat(key).isEmpty();
            if (created) {
                store.writeSmall(key, content(digest, now));
            }
        }
        if (created) {
            recordPush(repository, now);
        }
        return created;
    }

    private static byte[] content(Digest digest, Instant pushedAt) {
        return (digest + "\n" + pushedAt).getBytes(StandardCharsets.US_ASCII);
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
     * Counts the tags and finds the latest push. The count is a listing of keys alone, a page of 1,000 at a
     * time (the filesystem answers it from a kept directory listing, without a stat per tag; S3 with one LIST
     * call per page); the latest push is one small object kept at every tag push. Only a repository without
     * that object (tagged before it was kept, or lost in a crash) pays for the time of every tag, once: the
     * result is written back.
     */
    public TagSummary summarize(RepositoryName repository) throws IOException {
        StorageKey prefix = StorageLayout.tags(repository);
        int count = 0;
        String startAfter = null;
        KeyPage page;
        do {
            page = store.listKeys(prefix, startAfter, SUMMARY_PAGE);
            count += page.keys().size();
            if (!page.keys().isEmpty()) {
                startAfter = page.keys().getLast().relativeTo(prefix);
            }
        } while (page.truncated() && !page.keys().isEmpty());
        if (count == 0) {
            return new TagSummary(0, null);
        }
        Optional<Instant> kept = readLastPush(repository);
        if (kept.isPresent()) {
            return new TagSummary(count, kept.get());
        }
        Instant[] latest = {null};
        store.forEach(prefix, item -> {
            if (latest[0] == null || item.lastModified().isAfter(latest[0])) {
                latest[0] = item.lastModified();
            }
        });
        if (latest[0] != null) {
            recordPush(repository, latest[0]);
        }
        return new TagSummary(count, latest[0]);
    }

    /** Empty when absent or unreadable (an ephemeral write a crash cut short). */
    private Optional<Instant> readLastPush(RepositoryName repository) throws IOException {
        Optional<byte[]> bytes = store.readSmall(StorageLayout.lastTagPush(repository), MAX_TAG_OBJECT_BYTES);
        try {
            return bytes.map(b -> Instant.parse(new String(b, StandardCharsets.US_ASCII).trim()));
        } catch (java.time.format.DateTimeParseException e) {
            return Optional.empty();
        }
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
