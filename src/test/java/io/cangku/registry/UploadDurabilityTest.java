package io.cangku.registry;

import io.cangku.oci.Digest;
import io.cangku.oci.OciError;
import io.cangku.oci.RegistryException;
import io.cangku.oci.RepositoryName;
import io.cangku.oci.Tag;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.ObjectStore.Durability;
import io.cangku.storage.StorageKey;
import io.cangku.storage.StorageLayout;
import io.cangku.storage.filesystem.FilesystemObjectStore;
import io.cangku.testing.TestBlob;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.json.JsonMapper;

import java.io.ByteArrayInputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The durability each write of a push asks for: upload-session state and use markers may be lost in a
 * crash (ephemeral), the published blob, its link, the catalog entry and tags must not (durable). The store
 * is the real filesystem one, seen through a recorder of what each write asked for.
 */
class UploadDurabilityTest {

    private static final RepositoryName REPOSITORY = RepositoryName.parse("team/app");

    @TempDir
    Path root;

    /** Key family (the key up to its last segment) to the durability its writes asked for; DURABLE wins. */
    private final Map<String, Durability> writes = new ConcurrentHashMap<>();
    private UploadService uploads;
    /** What the registry builds its upload service from, to build another after a simulated restart. */
    private Supplier<UploadService> restart;
    private TagService tags;
    private ObjectStore store;

    @BeforeEach
    void services() throws Exception {
        FilesystemObjectStore filesystem = new FilesystemObjectStore(root);
        store = (ObjectStore) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {ObjectStore.class},
                (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "writeSmall" -> record((StorageKey) args[0], args.length == 3 ? (Durability) args[2] : Durability.DURABLE);
                        case "move" -> record((StorageKey) args[1], Durability.DURABLE); // the filesystem forces every move
                        case "writeSmallIfVersion" -> record((StorageKey) args[0], Durability.DURABLE);
                        default -> { }
                    }
                    try {
                        return method.invoke(filesystem, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        RepositoryCatalog catalog = new RepositoryCatalog(store);
        BlobService blobs = new BlobService(store, catalog,
                ReliancePolicy.forGracePeriod(Duration.ofHours(1), Duration.ofMinutes(10)), Clock.systemUTC());
        RegistryProperties properties = new RegistryProperties(new RegistryProperties.Delete(true),
                new RegistryProperties.Uploads(Duration.ofHours(24), Duration.ofHours(1), 100, DataSize.ofKilobytes(8),
                        Duration.ofSeconds(30), Duration.ofHours(1)),
                new RegistryProperties.Manifests(DataSize.ofMegabytes(4)), new RegistryProperties.Listing(1000, 10000));
        restart = () -> new UploadService(store, blobs, JsonMapper.builder().build(), properties);
        uploads = restart.get();
        tags = new TagService(store, catalog, Clock.systemUTC());
    }

    private void record(StorageKey key, Durability durability) {
        String path = key.path();
        String family = path.startsWith("_uploads/") ? "_uploads/<id>/" + key.name() : path.substring(0, path.lastIndexOf('/'));
        writes.merge(family, durability, (a, b) -> a == Durability.DURABLE || b == Durability.DURABLE ? Durability.DURABLE : a);
    }

    @Test
    void aChunkedPushKeepsSessionStateAndMarkersEphemeralAndWhatItPublishesDurable() throws Exception {
        // given a blob
        byte[] content = "layer bytes".getBytes(StandardCharsets.UTF_8);
        Digest digest = Digest.parse(TestBlob.sha256(content));

        // when it is pushed as docker does (start, one PATCH, PUT ?digest=) and tagged
        UploadService.UploadStatus session = uploads.start(REPOSITORY, "account:alice");
        uploads.append(REPOSITORY, session.id(), 0L, (long) content.length, new ByteArrayInputStream(content));
        uploads.complete(REPOSITORY, session.id(), digest, null, null, null);
        tags.tag(REPOSITORY, Tag.parse("v1"), digest);

        // then session state, the owner's marker, the use marker and the repository's last-push time were written ephemeral
        String layers = StorageLayout.layerLink(REPOSITORY, digest).path();
        String blob = StorageLayout.blob(digest).path();
        String useMarker = StorageLayout.useMarker(digest).path();
        String tag = StorageLayout.tag(REPOSITORY, Tag.parse("v1")).path();
        String catalogEntry = StorageLayout.catalogEntry(REPOSITORY).path();
        assertThat(writes).containsEntry("_uploads/<id>/info", Durability.EPHEMERAL)
                .containsEntry(parent(useMarker), Durability.EPHEMERAL)
                .containsEntry(parent(StorageLayout.uploadOwnerMarker(UploadQuota.hash("account:alice"), session.id()).path()),
                        Durability.EPHEMERAL)
                .containsEntry(parent(StorageLayout.lastTagPush(REPOSITORY).path()), Durability.EPHEMERAL)
                // and the blob's publishing move, its link, the catalog entry and the tag durable
                .containsEntry(parent(blob), Durability.DURABLE)
                .containsEntry(parent(layers), Durability.DURABLE)
                .containsEntry(parent(catalogEntry), Durability.DURABLE)
                .containsEntry(parent(tag), Durability.DURABLE);
        // and nothing else was written
        assertThat(writes).hasSize(8);
    }

    @Test
    void sessionStateACrashLeftEmptyEndsTheSessionAsUnknown() throws Exception {
        // given a session whose info a crash of the machine cut short (an ephemeral write may come back empty),
        // and the registry started again after it
        UploadService.UploadStatus session = uploads.start(REPOSITORY, "account:alice");
        store.writeSmall(StorageLayout.uploadInfo(session.id()), new byte[0]);
        UploadService restarted = restart.get();

        // when the client asks about it, then it is told the upload is unknown (it starts again), not a failure
        assertThatThrownBy(() -> restarted.status(REPOSITORY, session.id()))
                .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.error()).isEqualTo(OciError.BLOB_UPLOAD_UNKNOWN));
    }

    private static String parent(String path) {
        return path.substring(0, path.lastIndexOf('/'));
    }
}
