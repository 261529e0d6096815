package io.cangku.gc;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import io.cangku.oci.Digest;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.StorageLayout;
import tools.jackson.databind.JsonNode;

/**
 * The test's own walk of storage, independent of the collector's mark: every manifest revision of every
 * repository is read and what it names (itself, its config, layers, index children) is collected;
 * a blob under {@code blobs/} that none names is garbage. Works on any backend through the {@link ObjectStore}.
 */
final class StoredGarbage {

    private static final int MAX_MANIFEST = 4 * 1024 * 1024;

    private StoredGarbage() {
    }

    record Walk(Set<String> named, List<String> stored, long storedBytes, List<String> unnamed, long unnamedBytes,
                List<String> revisionsWithoutBytes) {
    }

    static Walk walk(ObjectStore store) throws IOException {
        Set<String> named = new HashSet<>();
        List<String> missing = new ArrayList<>();
        List<Digest> revisions = new ArrayList<>();
        store.forEach(StorageLayout.REPOSITORIES, object -> {
            String path = object.key().path();
            int at = path.indexOf("/_manifests/revisions/");
            if (at > 0) {
                String[] rest = path.substring(at + "/_manifests/revisions/".length()).split("/");
                revisions.add(new Digest(rest[0], rest[1]));
            }
        });
        for (Digest revision : revisions) {
            named.add(revision.toString());
            Optional<byte[]> bytes = store.readSmall(StorageLayout.blob(revision), MAX_MANIFEST);
            if (bytes.isEmpty()) {
                missing.add(revision.toString());
                continue;
            }
            JsonNode manifest = GcHttp.JSON.readTree(bytes.get());
            addDigest(named, manifest.path("config"));
            manifest.path("layers").forEach(layer -> addDigest(named, layer));
            manifest.path("manifests").forEach(child -> addDigest(named, child));
        }
        List<String> stored = new ArrayList<>();
        List<String> unnamed = new ArrayList<>();
        long[] bytes = new long[2];
        store.forEach(StorageLayout.BLOBS, object -> {
            String[] parts = object.key().relativeTo(StorageLayout.BLOBS).split("/");
            String digest = parts[0] + ":" + parts[parts.length - 1];
            stored.add(digest);
            bytes[0] += object.sizeBytes();
            if (!named.contains(digest)) {
                unnamed.add(digest);
                bytes[1] += object.sizeBytes();
            }
        });
        return new Walk(named, stored, bytes[0], unnamed, bytes[1], missing);
    }

    private static void addDigest(Set<String> named, JsonNode descriptor) {
        String digest = descriptor.path("digest").asString(null);
        if (digest != null) {
            named.add(digest);
        }
    }
}
