package io.cangku.storage.s3;

import io.cangku.storage.AppendOffsetMismatchException;
import io.cangku.storage.ObjectInfo;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.ObjectStoreContract;
import io.cangku.storage.StorageKey;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The contract on an S3-compatible server, plus what only S3 has: key prefixes, multipart copies above the
 * single-copy limit, presigned URLs, stray multipart uploads, a seal interrupted after completing. Each
 * test gets a fresh bucket; the teardown lists the whole bucket and its unfinished multipart uploads.
 */
abstract class S3BucketContract extends ObjectStoreContract {

    private static final AtomicInteger BUCKETS = new AtomicInteger();

    /** S3's minimum part size, so that appends of a few MiB already cross part boundaries. */
    static final DataSize PART_SIZE = DataSize.ofMegabytes(5);

    private final String bucket = "contract-" + ProcessHandle.current().pid() + "-" + BUCKETS.incrementAndGet();
    private S3Client raw;

    protected abstract URI endpoint();

    protected abstract String accessKey();

    protected abstract String secretKey();

    protected S3Properties properties() {
        return S3Properties.of(bucket, endpoint(), accessKey(), secretKey()).withPartSize(PART_SIZE);
    }

    @Override
    protected ObjectStore createStore() throws Exception {
        return S3ObjectStore.create(properties());
    }

    @Override
    protected int boundaryBytes() {
        return (int) PART_SIZE.toBytes();
    }

    /** The bucket as the SDK sees it, for checks below the SPI. */
    protected S3Client raw() {
        if (raw == null) {
            raw = S3ClientFactory.client(properties());
        }
        return raw;
    }

    @Override
    protected List<String> leftovers() {
        try (S3Client s3 = S3ClientFactory.client(properties())) {
            List<String> left = new ArrayList<>();
            s3.listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(bucket).build()).contents().stream()
                    .map(S3Object::key).forEach(left::add);
            s3.listMultipartUploads(b -> b.bucket(bucket)).uploads()
                    .forEach(u -> left.add("unfinished multipart upload " + u.uploadId() + " of " + u.key()));
            return left;
        } finally {
            if (raw != null) {
                raw.close();
            }
        }
    }

    private List<String> bucketKeys() {
        return raw().listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(bucket).build()).contents().stream()
                .map(S3Object::key).toList();
    }

    @Nested
    @DisplayName("S3 specifics")
    class S3Specifics {

        @Test
        @DisplayName("keeps every key under the configured prefix, and lists relative to it")
        void prefix() throws Exception {
            // given
            try (S3ObjectStore prefixed = S3ObjectStore.create(properties().withPrefix("/team/registry/"))) {
                // when
                prefixed.writeSmall(StorageKey.of("tags", "a"), utf8("x"));
                prefixed.createAppendable(StorageKey.of("up", "data"));
                prefixed.append(StorageKey.of("up", "data"), 0, new ByteArrayInputStream(randomBytes(boundaryBytes() + 1)));
                // then
                assertThat(bucketKeys()).isNotEmpty().allMatch(k -> k.startsWith("team/registry/"));
                assertThat(prefixed.list(StorageKey.of("tags"), null, 10).items()).extracting(ObjectInfo::key)
                        .containsExactly(StorageKey.of("tags", "a"));
                assertThat(store.stat(StorageKey.of("tags", "a"))).isEmpty();
                prefixed.deleteAppendable(StorageKey.of("up", "data"));
                prefixed.delete(StorageKey.of("tags", "a"));
            }
        }

        @Test
        @DisplayName("moves an object above the single-copy limit part by part (UploadPartCopy)")
        void multipartCopy() throws Exception {
            try (S3ObjectStore s3Store = S3ObjectStore.create(properties())) {
                // given a limit lowered so that 12 MiB counts as large
                s3Store.setMultipartCopy(6 << 20, 5 << 20);
                StorageKey from = key("copy/from");
                byte[] content = randomBytes(12 << 20);
                s3Store.createAppendable(from);
                s3Store.append(from, 0, new ByteArrayInputStream(content));
                s3Store.sealAppendable(from);
                // when
                s3Store.move(from, key("copy/to"));
                // then
                assertThat(s3Store.stat(from)).isEmpty();
                assertThat(readAll(s3Store, key("copy/to"))).isEqualTo(content);
                s3Store.delete(key("copy/to"));
            }
        }

        @Test
        @DisplayName("hands out presigned URLs that fetch the object without credentials, when redirects are on")
        void presignedGet() throws Exception {
            StorageKey k = key("presigned/blob");
            byte[] content = randomBytes(4096);
            store.writeSmall(k, content);
            assertThat(store.presignedGet(k, Duration.ofMinutes(5))).isEmpty();
            try (S3ObjectStore redirecting = S3ObjectStore.create(properties().withRedirect(true));
                 HttpClient http = HttpClient.newHttpClient()) {
                URI url = redirecting.presignedGet(k, Duration.ofMinutes(5)).orElseThrow();
                HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.ofByteArray());
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.body()).isEqualTo(content);
                HttpResponse<byte[]> unsigned = http.send(HttpRequest.newBuilder(URI.create(url.toString().split("\\?")[0])).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                assertThat(unsigned.statusCode()).isEqualTo(403);
            }
            store.delete(k);
        }

        @Test
        @DisplayName("aborts stray multipart uploads of a key (a replica that crashed mid-append) on deleteAppendable")
        void strayMultipartUploads() throws Exception {
            // given an upload session and a multipart upload for its key that no state names
            StorageKey k = key("stray/data");
            store.createAppendable(k);
            store.append(k, 0, new ByteArrayInputStream(randomBytes(boundaryBytes() + 10)));
            String stray = raw().createMultipartUpload(b -> b.bucket(bucket).key(k.path())).uploadId();
            raw().uploadPart(b -> b.bucket(bucket).key(k.path()).uploadId(stray).partNumber(1),
                    RequestBody.fromBytes(randomBytes(1000)));
            // when
            store.deleteAppendable(k);
            // then the teardown finds neither upload
            assertThat(raw().listMultipartUploads(b -> b.bucket(bucket)).uploads()).isEmpty();
        }

        @Test
        @DisplayName("finishes a seal that completed the upload but stopped before removing its state")
        void interruptedSeal() throws Exception {
            // given a sealed upload whose state object is back, as after a crash right after completing
            StorageKey k = key("reseal/data");
            byte[] content = randomBytes(2 * boundaryBytes());
            store.createAppendable(k);
            store.append(k, 0, new ByteArrayInputStream(content));
            byte[] state = raw().getObjectAsBytes(b -> b.bucket(bucket).key(k.path() + ".state")).asByteArray();
            store.sealAppendable(k);
            raw().putObject(b -> b.bucket(bucket).key(k.path() + ".state"), RequestBody.fromBytes(state));
            // when another replica seals again
            ObjectInfo info = anotherReplica().sealAppendable(k);
            // then
            assertThat(info.sizeBytes()).isEqualTo(content.length);
            assertThat(readAll(store, k)).isEqualTo(content);
            assertThat(bucketKeys()).containsExactly(k.path());
            store.deleteAppendable(k);
        }

        @Test
        @DisplayName("the server refuses a state write whose If-Match no longer holds (what racing replicas rely on)")
        void conditionalWrites() throws Exception {
            StorageKey k = key("cond/data");
            store.createAppendable(k);
            String stale = raw().headObject(b -> b.bucket(bucket).key(k.path() + ".state")).eTag();
            anotherReplica().append(k, 0, new ByteArrayInputStream(utf8("abc")));
            assertThatThrownBy(() -> raw().putObject(b -> b.bucket(bucket).key(k.path() + ".state").ifMatch(stale),
                    RequestBody.fromBytes(utf8("{}"))))
                    .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(412));
            assertThatThrownBy(() -> store.createAppendable(k)).isInstanceOf(IOException.class).hasMessageContaining("exists");
            assertThat(store.appendableSize(k)).isEqualTo(3);
            store.deleteAppendable(k);
        }

        @Test
        @DisplayName("lets one of several appends racing at the same offset from different replicas win, whole")
        void racingReplicas() throws Exception {
            // given
            StorageKey k = key("race/data");
            store.createAppendable(k);
            int writers = 6;
            List<ObjectStore> replicas = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                replicas.add(anotherReplica());
            }
            CountDownLatch start = new CountDownLatch(1);
            ConcurrentLinkedQueue<byte[]> winners = new ConcurrentLinkedQueue<>();
            // when
            try (ExecutorService pool = Executors.newFixedThreadPool(writers)) {
                List<Future<?>> results = new ArrayList<>();
                for (int i = 0; i < writers; i++) {
                    ObjectStore replica = replicas.get(i);
                    byte[] chunk = utf8("replica " + i + " was here");
                    results.add(pool.submit(() -> {
                        start.await();
                        try {
                            replica.append(k, 0, new ByteArrayInputStream(chunk));
                            winners.add(chunk);
                        } catch (AppendOffsetMismatchException e) {
                            // lost the race
                        }
                        return null;
                    }));
                }
                start.countDown();
                for (Future<?> r : results) {
                    r.get();
                }
            }
            // then exactly one wins, and the upload holds its chunk whole
            assertThat(winners).hasSize(1);
            store.sealAppendable(k);
            assertThat(new String(readAll(store, k), StandardCharsets.UTF_8))
                    .isIn(winners.stream().map(w -> new String(w, StandardCharsets.UTF_8)).toList());
            store.deleteAppendable(k);
        }

        @Test
        @DisplayName("an append after sealing is refused")
        void appendAfterSeal() throws Exception {
            StorageKey k = key("sealed/data");
            store.createAppendable(k);
            store.append(k, 0, new ByteArrayInputStream(utf8("abc")));
            store.sealAppendable(k);
            assertThat(store.appendableSize(k)).isEqualTo(3);
            assertThatThrownBy(() -> store.append(k, 3, new ByteArrayInputStream(utf8("d"))))
                    .isInstanceOf(IOException.class).hasMessageContaining("sealed");
            store.deleteAppendable(k);
        }

        @Test
        @DisplayName("turns an unreachable store into IOException, not an SDK exception")
        void unreachable() throws Exception {
            S3Properties nowhere = new S3Properties(bucket, "us-east-1", URI.create("http://127.0.0.1:1"), true,
                    "a", "b", "", false, PART_SIZE, false, null, true, 1, Duration.ofSeconds(1), Duration.ofSeconds(1), 2);
            try (S3ObjectStore broken = new S3ObjectStore(S3ClientFactory.client(nowhere), null, nowhere)) {
                assertThatThrownBy(() -> broken.stat(key("x"))).isInstanceOf(IOException.class);
                assertThatThrownBy(() -> broken.read(key("x"), 0, -1)).isInstanceOf(IOException.class);
                assertThatThrownBy(() -> broken.list(key("x"), null, 10)).isInstanceOf(IOException.class);
                assertThatThrownBy(() -> broken.writeSmall(key("x"), new byte[1])).isInstanceOf(IOException.class);
                assertThatThrownBy(() -> broken.appendableSize(key("x"))).isInstanceOf(IOException.class);
            }
            assertThatThrownBy(() -> S3ObjectStore.create(nowhere)).isInstanceOf(IOException.class);
        }

        @Test
        @DisplayName("refuses to start on a missing bucket unless told to create it")
        void missingBucket() {
            S3Properties missing = new S3Properties("no-such-bucket-" + bucket, "us-east-1", endpoint(), true,
                    accessKey(), secretKey(), "", false, PART_SIZE, false, null, true, 2,
                    Duration.ofSeconds(5), Duration.ofSeconds(30), 4);
            assertThatThrownBy(() -> S3ObjectStore.create(missing)).isInstanceOf(IOException.class)
                    .hasMessageContaining("create-bucket");
        }

        @Test
        @DisplayName("a sub-stream of a GET closed early does not drain the rest")
        void earlyClose() throws Exception {
            StorageKey k = key("early/blob");
            store.createAppendable(k);
            store.append(k, 0, new ByteArrayInputStream(randomBytes(3 * boundaryBytes())));
            store.sealAppendable(k);
            for (int i = 0; i < 20; i++) { // would exhaust a small pool if connections leaked
                try (InputStream in = store.read(k, 0, -1)) {
                    assertThat(in.readNBytes(100)).hasSize(100);
                }
            }
            store.deleteAppendable(k);
        }
    }
}
