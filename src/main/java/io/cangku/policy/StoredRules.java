package io.cangku.policy;

import io.cangku.storage.ConditionalWritesUnsupportedException;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.StorageKey;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Rules made through the admin API, all of one kind in one JSON object: a push reads them with one small GET,
 * and every replica sees a change at once. Changes are read-modify-write with a conditional write, retried when
 * another replica changed the object in between, so no change is lost (on a store without conditional writes,
 * two changes at the same moment: the last wins).
 */
public final class StoredRules<T> {

    private static final int MAX_BYTES = 1024 * 1024;
    private static final int MAX_ATTEMPTS = 10;

    private final ObjectStore store;
    private final JsonMapper json;
    private final StorageKey key;
    private final JavaType listType;

    public StoredRules(ObjectStore store, JsonMapper json, StorageKey key, Class<T> type) {
        this.store = store;
        this.json = json;
        this.key = key;
        this.listType = json.getTypeFactory().constructCollectionType(List.class, type);
    }

    public List<T> load() throws IOException {
        Optional<byte[]> bytes = store.readSmall(key, MAX_BYTES);
        return bytes.isEmpty() ? List.of() : parse(bytes.get());
    }

    /** Applies {@code change} to the current list and stores the result, unless it returns null (nothing to write). */
    public void update(Function<List<T>, List<T>> change) throws IOException {
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            Optional<ObjectStore.VersionedBytes> current = store.readVersioned(key, MAX_BYTES);
            List<T> rules = new ArrayList<>(current.map(c -> parse(c.content())).orElse(List.of()));
            List<T> changed = change.apply(rules);
            if (changed == null) {
                return;
            }
            byte[] content = json.writeValueAsBytes(changed);
            if (content.length > MAX_BYTES) {
                throw new InvalidRuleException("too many rules: they would take more than 1 MB");
            }
            boolean written;
            try {
                written = store.writeSmallIfVersion(key, content, current.map(ObjectStore.VersionedBytes::version).orElse(null));
            } catch (ConditionalWritesUnsupportedException conditionalWriteRefused) {
                // a store without conditional writes (registry.storage.s3.conditional-writes=false): the last of two
                // admins changing rules at the same moment wins
                store.writeSmall(key, content);
                written = true;
            }
            if (written) {
                return;
            }
        }
        throw new IOException("the rules at " + key + " changed under " + MAX_ATTEMPTS + " attempts to update them");
    }

    private List<T> parse(byte[] bytes) {
        return json.readValue(bytes, listType);
    }
}
