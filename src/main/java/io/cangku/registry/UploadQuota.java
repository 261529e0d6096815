package io.cangku.registry;

import io.cangku.oci.OciError;
import io.cangku.oci.RetryLaterException;
import io.cangku.storage.ObjectInfo;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.Page;
import io.cangku.storage.StorageKey;
import io.cangku.storage.StorageLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;

/**
 * Bounds the open upload sessions of one owner ({@code registry.uploads.max-open-per-user}). The count is
 * kept in storage, as one marker per open session under {@code _upload-owners/<owner hash>/}, not in this
 * process's memory: replicas are stateless and a client's requests may reach any of them, so a per-replica
 * count would let one user open the limit times the number of replicas, and forget it at every restart.
 * Counting is one listing of at most limit + 1 keys.
 *
 * <p>The limit is soft by the width of a race: two sessions started at the same moment by one owner at
 * limit − 1 may both pass. Markers whose session is gone (a crash between the two deletes, an expired
 * session purged) are pruned when an owner reaches the limit, so they cannot lock anyone out.
 */
class UploadQuota {

    private static final Logger log = LoggerFactory.getLogger(UploadQuota.class);

    private final ObjectStore store;
    private final RegistryProperties.Uploads settings;
    private final Clock clock;

    UploadQuota(ObjectStore store, RegistryProperties.Uploads settings, Clock clock) {
        this.store = store;
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * Records a new session of {@code owner}, or refuses it with 429 TOOMANYREQUESTS when the owner already holds
     * the limit.
     */
    void reserve(String owner, String uploadId) throws IOException {
        String hash = hash(owner);
        int limit = settings.maxOpenPerUser();
        if (count(hash, limit) >= limit && pruneStale(hash) >= limit) {
            throw new RetryLaterException(OciError.TOOMANYREQUESTS,
                    describe(owner) + " already has " + limit + " upload sessions open (registry.uploads.max-open-per-user); "
                            + "finish or cancel (DELETE) some before starting more, or wait until unused ones expire after "
                            + settings.maxAge(), Duration.ofMinutes(1));
        }
        // Ephemeral: a marker a crash loses lets its owner open one session more until the session is
        // gone (the limit is soft anyway, see above); one it leaves behind is pruned. Not worth two fsyncs.
        store.writeSmall(StorageLayout.uploadOwnerMarker(hash, uploadId), new byte[0], ObjectStore.Durability.EPHEMERAL);
    }

    /** Forgets a session that was completed, cancelled or purged; best effort (a stale marker is pruned later). */
    void release(String owner, String uploadId) {
        if (owner == null) {
            return; // a session from before owners were recorded
        }
        try {
            store.delete(StorageLayout.uploadOwnerMarker(hash(owner), uploadId));
        } catch (IOException e) {
            log.warn("could not remove the owner marker of upload {}: {} (pruned when its owner reaches the limit)",
                    uploadId, e.toString());
        }
    }

    private int count(String hash, int limit) throws IOException {
        return store.list(StorageLayout.uploadsOf(hash), null, limit + 1).items().size();
    }

    /** Deletes markers whose session is gone or older than the session lifetime; returns how many remain. */
    private int pruneStale(String hash) throws IOException {
        Instant cutoff = clock.instant().minus(settings.maxAge());
        StorageKey prefix = StorageLayout.uploadsOf(hash);
        int[] remaining = {0};
        store.forEach(prefix, marker -> {
            String id = marker.key().name();
            if (marker.lastModified().isBefore(cutoff) || store.stat(StorageLayout.uploadInfo(id)).isEmpty()) {
                store.delete(marker.key());
            } else {
                remaining[0]++;
            }
        });
        return remaining[0];
    }

    private static String describe(String owner) {
        return owner.startsWith("account:") ? "account " + owner.substring("account:".length())
                : "client " + owner.substring(owner.indexOf(':') + 1);
    }

    static String hash(String owner) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(owner.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
