package io.cangku.storage.s3;

import io.cangku.storage.ConditionalWritesUnsupportedException;
import io.cangku.storage.AppendOffsetMismatchException;
import io.cangku.storage.KeyedLocks;
import io.cangku.storage.ObjectInfo;
import io.cangku.storage.ObjectNotFoundException;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.Page;
import io.cangku.storage.StorageKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketLocationConstraint;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateBucketConfiguration;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Objects in one S3 bucket, under an optional key prefix.
 *
 * <p><b>Appendable objects</b> (upload sessions) map onto S3 multipart uploads, with every bit of state in the
 * bucket, so an append or the seal may run on any replica. S3 wants parts of at least 5 MiB (except the
 * last), while registry clients send chunks of any size, so an append buffers bytes on local disk, one part
 * at a time (never the whole blob), and uploads each full part as it fills. The remainder smaller than a part
 * is stored as a <em>tail</em> object at the end of the append, and the next append (on whichever replica)
 * reads it back in front of its own bytes. Beside an appendable object at {@code K} live:
 *
 * <pre>
 * K.state           JSON {@link AppendableState}: size, multipart upload id, parts with ETags, tail name
 * K.tail.&lt;random&gt;    the bytes after the last full part; a new name per append
 * </pre>
 *
 * An append is all or nothing for the caller: the state object is rewritten only after the whole stream was
 * consumed and its parts and tail were stored, and the rewrite is conditional on the state it started from
 * ({@code If-Match}), so two replicas appending at once cannot both win. A failed append leaves the previous
 * state standing: its stray parts are overwritten by the next append or left out of the completed upload, and
 * its new tail is deleted (or, after a crash, removed with the session). Sealing uploads the tail as the last
 * part ({@code UploadPartCopy}, server side) and completes the upload, so the key becomes a plain object.
 *
 * <p><b>Failures</b>: the SDK retries throttling, 5xx answers, timeouts and resets (see {@link S3ClientFactory});
 * what still fails becomes an {@link IOException}, never an unchecked SDK exception. An absent object is
 * {@link ObjectNotFoundException} or an empty {@link Optional}, as the SPI says.
 */
public class S3ObjectStore implements ObjectStore, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(S3ObjectStore.class);

    /** S3 numbers parts 1 to 10,000. */
    static final int MAX_PARTS = 10_000;
    /** A single CopyObject copies at most 5 GiB; larger objects are copied part by part. */
    static final long MAX_SINGLE_COPY_BYTES = 5L << 30;
    /** Part size of a multipart copy: ranges are copied inside S3, so large parts cost nothing here. */
    static final long COPY_PART_BYTES = 1L << 30;
    /** DeleteObjects takes at most 1,000 keys; ListObjectsV2 answers at most 1,000. */
    private static final int S3_PAGE = 1000;
    private static final String STATE_SUFFIX = ".state";
    private static final String TAIL_INFIX = ".tail.";
    /** A state object of 10,000 parts is about 1 MB. */
    private static final int MAX_STATE_BYTES = 4 << 20;
    private static final int COPY_BUFFER_BYTES = 64 << 10;
    /** Longer than a well-behaved client waits between two requests of one session; another holder is a racing client. */
    private static final Duration MAX_LOCK_WAIT = Duration.ofSeconds(10);
    /** Attempts of a call whose answer arrived cut (each on top of the SDK's own retries). */
    private static final int CUT_RESPONSE_ATTEMPTS = 4;

    private final S3Client s3;
    private final S3Presigner presigner;
    private final String bucket;
    /** Either empty or ending in '/'. */
    private final String root;
    private final long partSizeBytes;
    private final Path bufferDirectory;
    private final boolean conditionalWrites;
    private final JsonMapper json = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();
    /**
     * Serializes appends, seals and deletes of one appendable object within this process. Across processes
     * the conditional state write decides; this lock also covers stores whose conditional writes are not
     * atomic under concurrency (s3proxy as shipped checks If-Match with a separate HEAD) for requests on one replica.
     * One lock per key, never a stripe shared by several sessions: an append holds it while the client's
     * bytes arrive, however slowly, and only that session's own requests may wait for it (boundedly).
     */
    private final KeyedLocks<StorageKey> appendLocks = new KeyedLocks<>();
    private long singleCopyLimitBytes = MAX_SINGLE_COPY_BYTES;
    private long copyPartBytes = COPY_PART_BYTES;

    /**
     * Takes ownership of the client and the presigner (null: no redirects), closing them in {@link #close()}.
     */
    public S3ObjectStore(S3Client s3, S3Presigner presigner, S3Properties properties) {
        if (properties.bucket() == null || properties.bucket().isBlank()) {
            throw new IllegalArgumentException("registry.storage.s3.bucket must name the bucket");
        }
        this.s3 = s3;
        this.presigner = presigner;
        this.bucket = properties.bucket();
        this.root = normalizePrefix(properties.prefix());
        this.partSizeBytes = properties.partSize().toBytes();
        this.bufferDirectory = properties.bufferDirectory() != null
                ? properties.bufferDirectory() : Path.of(System.getProperty("java.io.tmpdir"));
        this.conditionalWrites = properties.conditionalWrites();
    }

    /**
     * Builds the client (and the presigner when {@code redirect} is on) from the settings, then checks the
     * bucket: creates it when {@code createBucket} is on, and fails when it is missing otherwise, so a
     * misconfigured replica stops at start rather than answering 503 to every request.
     */
    public static S3ObjectStore create(S3Properties properties) throws IOException {
        S3Client client = S3ClientFactory.client(properties);
        S3Presigner presigner = properties.redirect() ? S3ClientFactory.presigner(properties) : null;
        S3ObjectStore store = new S3ObjectStore(client, presigner, properties);
        try {
            store.checkBucket(properties.createBucket(), properties.region());
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
        return store;
    }

    /** For tests: copy objects larger than {@code limit} part by part, in parts of {@code partBytes}. */
    void setMultipartCopy(long limit, long partBytes) {
        this.singleCopyLimitBytes = limit;
        this.copyPartBytes = partBytes;
    }

    @Override
    public void close() {
        s3.close();
        if (presigner != null) {
            presigner.close();
        }
    }

    // ---------------------------------------------------------------- plain objects

    @Override
    public Optional<ObjectInfo> stat(StorageKey key) throws IOException {
        return head(key, objectKey(key));
    }

    private Optional<ObjectInfo> head(StorageKey key, String objectKey) throws IOException {
        return retryingCut("HEAD", objectKey, () -> {
            try {
                HeadObjectResponse response = s3.headObject(b -> b.bucket(bucket).key(objectKey));
                if (response.contentLength() == null || response.lastModified() == null) {
                    // headers cut short: the size is what every caller asks for
                    throw new IOException("S3 HEAD " + objectKey + " answered without Content-Length or Last-Modified",
                            new java.io.EOFException());
                }
                return Optional.of(new ObjectInfo(key, response.contentLength(), response.lastModified()));
            } catch (SdkException e) {
                if (isNotFound(e)) {
                    return Optional.empty();
                }
                throw failure("HEAD", objectKey, e);
            }
        });
    }

    @Override
    public InputStream read(StorageKey key, long offset, long length) throws IOException {
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset " + offset);
        }
        if (length == 0) {
            // S3 has no empty range; answer like a read of zero bytes from an object that must exist.
            stat(key).orElseThrow(() -> new ObjectNotFoundException(key));
            return InputStream.nullInputStream();
        }
        String objectKey = objectKey(key);
        GetObjectRequest.Builder request = GetObjectRequest.builder().bucket(bucket).key(objectKey);
        if (offset > 0 || length > 0) {
            request.range("bytes=" + offset + "-" + (length > 0 ? Long.toString(offset + length - 1) : ""));
        }
        try {
            return new SdkObjectStream(s3.getObject(request.build()), objectKey);
        } catch (SdkException e) {
            if (isNotFound(e)) {
                throw new ObjectNotFoundException(key);
            }
            if (statusOf(e) == 416) {
                // the offset lies at or after the end: no bytes, as a file read there gives
                stat(key).orElseThrow(() -> new ObjectNotFoundException(key));
                return InputStream.nullInputStream();
            }
            throw failure("GET", objectKey, e);
        }
    }

    @Override
    public Optional<byte[]> readSmall(StorageKey key, int maxBytes) throws IOException {
        return readSmallObject(objectKey(key), maxBytes).map(ObjectBytes::bytes);
    }

    private record ObjectBytes(byte[] bytes, String etag) {
    }

    private Optional<ObjectBytes> readSmallObject(String objectKey, int maxBytes) throws IOException {
        return retryingCut("GET", objectKey, () -> readSmallObjectOnce(objectKey, maxBytes));
    }

    private Optional<ObjectBytes> readSmallObjectOnce(String objectKey, int maxBytes) throws IOException {
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(bucket).key(objectKey))) {
            Long size = in.response().contentLength();
            if (size != null && size > maxBytes) {
                in.abort();
                throw new TooLargeException(objectKey + " holds " + size + " bytes, more than the " + maxBytes + " expected");
            }
            byte[] bytes = in.readNBytes(maxBytes + 1);
            if (bytes.length > maxBytes) {
                in.abort();
                throw new TooLargeException(objectKey + " is larger than " + maxBytes + " bytes");
            }
            return Optional.of(new ObjectBytes(bytes, in.response().eTag()));
        } catch (SdkException e) {
            if (isNotFound(e)) {
                return Optional.empty();
            }
            throw failure("GET", objectKey, e);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    @Override
    public void writeSmall(StorageKey key, byte[] content) throws IOException {
        String objectKey = objectKey(key);
        try {
            s3.putObject(b -> b.bucket(bucket).key(objectKey), RequestBody.fromBytes(content));
        } catch (SdkException e) {
            throw failure("PUT", objectKey, e);
        }
    }

    @Override
    public Optional<VersionedBytes> readVersioned(StorageKey key, int maxBytes) throws IOException {
        return readSmallObject(objectKey(key), maxBytes).map(o -> new VersionedBytes(o.bytes(), o.etag()));
    }

    /**
     * {@code If-None-Match: *} to create, {@code If-Match: <etag>} to replace: S3 decides atomically (AWS since
     * 2024, MinIO, Ceph). A store that ignores the headers makes this a plain write; README says which stores
     * enforce them.
     */
    @Override
    public boolean supportsConditionalWrites() {
        return conditionalWrites;
    }

    @Override
    public boolean writeSmallIfVersion(StorageKey key, byte[] content, String expectedVersion) throws IOException {
        if (!conditionalWrites) {
            throw new ConditionalWritesUnsupportedException(key);
        }
        String objectKey = objectKey(key);
        try {
            s3.putObject(statePut(objectKey, expectedVersion, expectedVersion == null), RequestBody.fromBytes(content));
            return true;
        } catch (SdkException e) {
            if (isPreconditionFailed(e)) {
                return false;
            }
            throw failure("conditional PUT", objectKey, e);
        }
    }

    @Override
    public void deleteBatch(java.util.Collection<StorageKey> keys) throws IOException {
        try {
            deleteObjects(keys.stream().map(this::objectKey).toList());
        } catch (SdkException e) {
            throw failure("DeleteObjects", keys.size() + " keys", e);
        }
    }

    /**
     * Copies inside S3, then deletes the source. A reader of {@code target} sees the old object or the new one:
     * CopyObject and CompleteMultipartUpload each replace the target in one step.
     */
    @Override
    public void move(StorageKey source, StorageKey target) throws IOException {
        String from = objectKey(source);
        String to = objectKey(target);
        long size = stat(source).orElseThrow(() -> new ObjectNotFoundException(source)).sizeBytes();
        try {
            if (size <= singleCopyLimitBytes) {
                retryingCut("COPY", from,
                        () -> s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(from).destinationBucket(bucket).destinationKey(to)));
            } else {
                copyInParts(from, to, size);
            }
        } catch (SdkException e) {
            if (isNotFound(e)) {
                throw new ObjectNotFoundException(source);
            }
            throw failure("COPY to " + to + " from", from, e);
        }
        deleteObject(from);
    }

    /** S3 copies at most 5 GiB in one CopyObject; above that, as distribution's s3-aws driver does, copy ranges. */
    private void copyInParts(String from, String to, long size) throws IOException {
        long partBytes = Math.max(copyPartBytes, ceilDiv(size, MAX_PARTS));
        String uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(to)).uploadId();
        try {
            List<CompletedPart> parts = new ArrayList<>();
            int number = 1;
            for (long start = 0; start < size; start += partBytes, number++) {
                String range = "bytes=" + start + "-" + (Math.min(start + partBytes, size) - 1);
                int partNumber = number;
                String etag = s3.uploadPartCopy(b -> b.sourceBucket(bucket).sourceKey(from)
                        .destinationBucket(bucket).destinationKey(to)
                        .uploadId(uploadId).partNumber(partNumber).copySourceRange(range)).copyPartResult().eTag();
                parts.add(CompletedPart.builder().partNumber(partNumber).eTag(etag).build());
            }
            s3.completeMultipartUpload(b -> b.bucket(bucket).key(to).uploadId(uploadId)
                    .multipartUpload(m -> m.parts(parts)));
        } catch (RuntimeException e) {
            abortQuietly(to, uploadId);
            throw e;
        }
    }

    @Override
    public void delete(StorageKey key) throws IOException {
        deleteObject(objectKey(key));
    }

    private void deleteObject(String objectKey) throws IOException {
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(objectKey));
        } catch (SdkException e) {
            if (isNotFound(e)) {
                return;
            }
            throw failure("DELETE", objectKey, e);
        }
    }

    /** Aborts the multipart uploads under the prefix too, so an upload session's directory goes whole. */
    @Override
    public void deleteAll(StorageKey prefix) throws IOException {
        String objectPrefix = objectKey(prefix) + "/";
        abortMultipartUploads(objectPrefix, key -> true);
        deleteObjectsWithPrefix(objectPrefix);
    }

    private void deleteObjectsWithPrefix(String objectPrefix) throws IOException {
        try {
            String token = null;
            ListObjectsV2Response page;
            do {
                String continuation = token;
                page = retryingCut("LIST", objectPrefix,
                        () -> s3.listObjectsV2(b -> b.bucket(bucket).prefix(objectPrefix).continuationToken(continuation)));
                deleteObjects(page.contents().stream().map(S3Object::key).toList());
                token = page.nextContinuationToken();
            } while (Boolean.TRUE.equals(page.isTruncated()) && token != null);
        } catch (SdkException e) {
            throw failure("DELETE everything under", objectPrefix, e);
        }
    }

    private void deleteObjects(List<String> objectKeys) throws IOException {
        for (int from = 0; from < objectKeys.size(); from += S3_PAGE) {
            List<ObjectIdentifier> batch = objectKeys.subList(from, Math.min(from + S3_PAGE, objectKeys.size())).stream()
                    .map(k -> ObjectIdentifier.builder().key(k).build()).toList();
            DeleteObjectsResponse response = retryingCut("DeleteObjects", objectKeys.get(from), () -> s3.deleteObjects(b -> b.bucket(bucket)
                    .delete(Delete.builder().objects(batch).quiet(true).build())));
            if (response.hasErrors() && !response.errors().isEmpty()) {
                var error = response.errors().getFirst();
                throw new IOException("S3 DeleteObjects failed for " + response.errors().size() + " keys, first "
                        + error.key() + ": " + error.code() + " " + error.message());
            }
        }
    }

    /**
     * One or more ListObjectsV2 calls (S3 answers at most 1,000 keys each) until {@code limit} keys are found;
     * {@code truncated} comes from S3 itself, so no extra key is fetched to learn whether more follow.
     */
    @Override
    public Page list(StorageKey prefix, String startAfter, int limit) throws IOException {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive");
        }
        String objectPrefix = objectKey(prefix) + "/";
        List<ObjectInfo> items = new ArrayList<>(Math.min(limit, S3_PAGE));
        String after = startAfter == null ? null : objectPrefix + startAfter;
        String token = null;
        boolean more;
        try {
            do {
                String continuation = token;
                int want = Math.min(S3_PAGE, limit - items.size());
                ListObjectsV2Response page = retryingCut("LIST", objectPrefix, () -> s3.listObjectsV2(b -> {
                    b.bucket(bucket).prefix(objectPrefix).maxKeys(want);
                    if (continuation != null) {
                        b.continuationToken(continuation);
                    } else if (after != null) {
                        b.startAfter(after);
                    }
                }));
                for (S3Object object : page.contents()) {
                    StorageKey key = storageKey(object.key());
                    if (key == null) {
                        log.debug("ignoring key {} in bucket {}: not a storage key", object.key(), bucket);
                        continue;
                    }
                    items.add(new ObjectInfo(key, object.size(), object.lastModified()));
                }
                more = Boolean.TRUE.equals(page.isTruncated());
                token = page.nextContinuationToken();
            } while (more && items.size() < limit && token != null);
        } catch (SdkException e) {
            throw failure("LIST", objectPrefix, e);
        }
        return new Page(items, more);
    }

    @Override
    public Optional<URI> presignedGet(StorageKey key, Duration ttl) throws IOException {
        if (presigner == null) {
            return Optional.empty();
        }
        String objectKey = objectKey(key);
        try {
            return Optional.of(presigner.presignGetObject(p -> p.signatureDuration(ttl)
                    .getObjectRequest(g -> g.bucket(bucket).key(objectKey))).url().toURI());
        } catch (SdkException | java.net.URISyntaxException e) {
            throw new IOException("could not presign GET " + objectKey, e);
        }
    }

    // ---------------------------------------------------------------- appendable objects

    private record StateRead(AppendableState state, String etag) {
    }

    @Override
    public void createAppendable(StorageKey key) throws IOException {
        String stateKey = stateObject(key);
        // A nonce of this call's own (ignored when the state is read) tells a retry whose first attempt landed,
        // and whose answer was lost, from an object that someone else created.
        String nonce = UUID.randomUUID().toString();
        tools.jackson.databind.node.ObjectNode initial = json.valueToTree(AppendableState.empty());
        initial.put("createdBy", nonce);
        try {
            s3.putObject(statePut(stateKey, null, true), RequestBody.fromBytes(json.writeValueAsBytes(initial)));
        } catch (SdkException e) {
            if (isPreconditionFailed(e)) {
                Optional<ObjectBytes> existing = readSmallObject(stateKey, MAX_STATE_BYTES);
                if (existing.isPresent() && nonce.equals(json.readTree(existing.get().bytes()).path("createdBy").asString(null))) {
                    return;
                }
                throw new IOException("appendable object " + key + " already exists", e);
            }
            throw failure("PUT", stateKey, e);
        }
    }

    @Override
    public long appendableSize(StorageKey key) throws IOException {
        Optional<StateRead> state = readState(key);
        if (state.isPresent()) {
            return state.get().state().sizeBytes();
        }
        // sealed: the plain object is all there is
        return stat(key).orElseThrow(() -> new ObjectNotFoundException(key)).sizeBytes();
    }

    @Override
    public long append(StorageKey key, long offset, InputStream data) throws IOException {
        try (KeyedLocks.Held held = appendLocks.lock(key, MAX_LOCK_WAIT, key)) {
            return appendLocked(key, offset, data);
        }
    }

    private long appendLocked(StorageKey key, long offset, InputStream data) throws IOException {
        StateRead read = requireState(key, "append to");
        AppendableState state = read.state();
        if (state.sizeBytes() != offset) {
            throw new AppendOffsetMismatchException(key, offset, state.sizeBytes());
        }
        String objectKey = objectKey(key);
        Path buffer = Files.createTempFile(bufferDirectory, "cangku-s3-part-", ".tmp");
        String newTail = null;
        boolean createdUpload = false;
        AppendableState next = state;
        try (FileChannel channel = FileChannel.open(buffer, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long buffered = 0;
            if (state.tail() != null) {
                try (InputStream tail = read(tailKey(key, state.tail()), 0, -1)) {
                    buffered = copy(tail, channel, partSizeBytes);
                } catch (ObjectNotFoundException e) {
                    // not "no such appendable": the state named it, so a seal or delete is removing the session
                    throw new IOException("the tail of " + key + " vanished: the upload was sealed or deleted meanwhile", e);
                }
                if (buffered != state.tailBytes()) {
                    throw new IOException("tail of " + key + " holds " + buffered + " bytes, its state says " + state.tailBytes());
                }
            }
            long appended = 0;
            while (true) {
                long n = copy(data, channel, partSizeBytes - buffered);
                buffered += n;
                appended += n;
                if (buffered < partSizeBytes) {
                    break; // the stream ended before the part was full
                }
                if (next.uploadId() == null) {
                    String uploadId = createMultipartUpload(objectKey);
                    createdUpload = true;
                    next = new AppendableState(next.sizeBytes(), uploadId, next.parts(), next.tail(), next.tailBytes());
                }
                int number = next.parts().size() + 1;
                if (number >= MAX_PARTS) {
                    throw new IOException("an upload holds at most " + MAX_PARTS + " parts of " + partSizeBytes
                            + " bytes; raise registry.storage.s3.part-size to store larger blobs");
                }
                String etag = uploadPart(objectKey, next.uploadId(), number, RequestBody.fromFile(buffer));
                next = next.withPart(new AppendableState.Part(number, etag, partSizeBytes));
                channel.truncate(0);
                channel.position(0);
                buffered = 0;
            }
            if (appended == 0) {
                return offset; // nothing arrived: no part could have filled, nothing changed
            }
            if (buffered > 0) {
                newTail = UUID.randomUUID().toString();
                String tailObject = objectKey(tailKey(key, newTail));
                try {
                    s3.putObject(b -> b.bucket(bucket).key(tailObject), RequestBody.fromFile(buffer));
                } catch (SdkException e) {
                    throw failure("PUT", tailObject, e);
                }
            }
            next = new AppendableState(offset + appended, next.uploadId(), next.parts(), newTail, buffered);
            writeState(key, next, read.etag(), offset);
        } catch (IOException | RuntimeException e) {
            if (newTail != null) {
                deleteQuietly(objectKey(tailKey(key, newTail)));
            }
            if (createdUpload) {
                abortQuietly(objectKey, next.uploadId());
            }
            throw e;
        } finally {
            Files.deleteIfExists(buffer);
        }
        if (state.tail() != null) {
            deleteQuietly(objectKey(tailKey(key, state.tail()))); // superseded: its bytes are in a part or the new tail
        }
        return next.sizeBytes();
    }

    /**
     * Completes the multipart upload (the tail becomes its last part, copied inside S3), or, for an upload
     * that never filled a part, copies the tail (or an empty object) to the key. Then the state and tail go,
     * so the key is a plain object. Safe to repeat after a crash at any step.
     */
    @Override
    public ObjectInfo sealAppendable(StorageKey key) throws IOException {
        try (KeyedLocks.Held held = appendLocks.lock(key, MAX_LOCK_WAIT, key)) {
            return sealLocked(key);
        }
    }

    private ObjectInfo sealLocked(StorageKey key) throws IOException {
        Optional<StateRead> read = readState(key);
        if (read.isEmpty()) {
            return stat(key).orElseThrow(() -> new ObjectNotFoundException(key)); // sealed before
        }
        AppendableState state = read.get().state();
        String objectKey = objectKey(key);
        String tailObject = state.tail() == null ? null : objectKey(tailKey(key, state.tail()));
        try {
            if (state.uploadId() == null) {
                if (tailObject != null) {
                    retryingCut("COPY", tailObject, () -> s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(tailObject)
                            .destinationBucket(bucket).destinationKey(objectKey)));
                } else {
                    s3.putObject(b -> b.bucket(bucket).key(objectKey), RequestBody.empty());
                }
            } else {
                completeUpload(objectKey, state, tailObject);
            }
        } catch (SdkException e) {
            if (!(isNoSuchUpload(e) && head(key, objectKey).map(i -> i.sizeBytes() == state.sizeBytes()).orElse(false))) {
                throw failure("seal", objectKey, e);
            }
            // an earlier seal completed the upload and stopped before removing the state: finish its cleanup
        }
        deleteObject(stateObject(key)); // first: from here on the key is a plain object, whatever happens next
        if (tailObject != null) {
            deleteQuietly(tailObject);
        }
        abortMultipartUploads(objectKey, objectKey::equals); // strays of appends that crashed after creating one
        ObjectInfo info = stat(key).orElseThrow(() -> new IOException("sealed " + objectKey + " but it is not there"));
        if (info.sizeBytes() != state.sizeBytes()) {
            throw new IOException("sealed " + objectKey + " holds " + info.sizeBytes() + " bytes, its state said " + state.sizeBytes());
        }
        return info;
    }

    private void completeUpload(String objectKey, AppendableState state, String tailObject) throws IOException {
        List<CompletedPart> parts = new ArrayList<>(state.parts().size() + 1);
        for (AppendableState.Part part : state.parts()) {
            parts.add(CompletedPart.builder().partNumber(part.number()).eTag(part.etag()).build());
        }
        if (tailObject != null) {
            int number = state.parts().size() + 1;
            // The last part may be smaller than 5 MiB; copying it inside S3 keeps its bytes off this replica.
            String etag = retryingCut("UploadPartCopy", tailObject, () -> s3.uploadPartCopy(b -> b.sourceBucket(bucket).sourceKey(tailObject)
                    .destinationBucket(bucket).destinationKey(objectKey)
                    .uploadId(state.uploadId()).partNumber(number))).copyPartResult().eTag();
            parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
        }
        s3.completeMultipartUpload(b -> b.bucket(bucket).key(objectKey).uploadId(state.uploadId())
                .multipartUpload(m -> m.parts(parts)));
    }

    /**
     * Removes the state first (so a concurrent append cannot write it back: its conditional write fails),
     * then aborts the multipart uploads of the key, deletes tails and the object itself.
     */
    @Override
    public void deleteAppendable(StorageKey key) throws IOException {
        try (KeyedLocks.Held held = appendLocks.lock(key, MAX_LOCK_WAIT, key)) {
            deleteAppendableLocked(key);
        }
    }

    private void deleteAppendableLocked(StorageKey key) throws IOException {
        Optional<StateRead> read = readState(key);
        String objectKey = objectKey(key);
        deleteObject(stateObject(key));
        read.map(r -> r.state().uploadId()).ifPresent(uploadId -> abortQuietly(objectKey, uploadId));
        abortMultipartUploads(objectKey, objectKey::equals);
        deleteObjectsWithPrefix(objectKey + TAIL_INFIX);
        deleteObject(objectKey);
    }

    // ---------------------------------------------------------------- state and parts

    private StateRead requireState(StorageKey key, String action) throws IOException {
        Optional<StateRead> read = readState(key);
        if (read.isPresent()) {
            return read.get();
        }
        if (stat(key).isPresent()) {
            throw new IOException("cannot " + action + " " + key + ": it is sealed");
        }
        throw new ObjectNotFoundException(key);
    }

    private Optional<StateRead> readState(StorageKey key) throws IOException {
        String stateKey = stateObject(key);
        Optional<ObjectBytes> bytes = readSmallObject(stateKey, MAX_STATE_BYTES);
        if (bytes.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new StateRead(json.readValue(bytes.get().bytes(), AppendableState.class), bytes.get().etag()));
        } catch (JacksonException e) {
            throw new IOException("unreadable upload state " + stateKey, e);
        }
    }

    /** Replaces the state only if it is still the one this append started from. */
    private void writeState(StorageKey key, AppendableState state, String expectedEtag, long offset) throws IOException {
        String stateKey = stateObject(key);
        try {
            s3.putObject(statePut(stateKey, expectedEtag, false), RequestBody.fromBytes(json.writeValueAsBytes(state)));
        } catch (SdkException e) {
            if (isPreconditionFailed(e)) {
                Optional<StateRead> now = readState(key);
                if (now.isPresent() && now.get().state().equals(state)) {
                    // Our own write landed, and its answer was lost: the SDK retried it, and the retry found
                    // the new ETag. The state holds a tail name of its own, so no other append wrote this.
                    return;
                }
                // another replica appended (or sealed, or deleted) in between: report what is there now
                long current = now.map(r -> r.state().sizeBytes())
                        .orElseThrow(() -> new IOException("appendable object " + key + " was sealed or deleted during the append"));
                throw new AppendOffsetMismatchException(key, offset, current);
            }
            throw failure("PUT", stateKey, e);
        }
    }

    private PutObjectRequest statePut(String objectKey, String ifMatch, boolean ifNoneMatch) {
        PutObjectRequest.Builder b = PutObjectRequest.builder().bucket(bucket).key(objectKey).contentType("application/json");
        if (conditionalWrites) {
            if (ifMatch != null) {
                b.ifMatch(ifMatch);
            }
            if (ifNoneMatch) {
                b.ifNoneMatch("*");
            }
        }
        return b.build();
    }

    private String createMultipartUpload(String objectKey) throws IOException {
        try {
            // A repeat after a cut answer leaves the first multipart upload orphaned under the same key; the
            // session's discard aborts every multipart upload under its prefix, so none outlives the session.
            return retryingCut("CreateMultipartUpload", objectKey,
                    () -> s3.createMultipartUpload(b -> b.bucket(bucket).key(objectKey)).uploadId());
        } catch (SdkException e) {
            throw failure("CreateMultipartUpload", objectKey, e);
        }
    }

    private String uploadPart(String objectKey, String uploadId, int number, RequestBody body) throws IOException {
        try {
            return s3.uploadPart(b -> b.bucket(bucket).key(objectKey).uploadId(uploadId).partNumber(number), body).eTag();
        } catch (SdkException e) {
            throw failure("UploadPart " + number + " of", objectKey, e);
        }
    }

    /** Aborts the multipart uploads whose key starts with {@code objectPrefix} and passes {@code filter}. */
    private void abortMultipartUploads(String objectPrefix, java.util.function.Predicate<String> filter) throws IOException {
        try {
            String keyMarker = null;
            String uploadIdMarker = null;
            ListMultipartUploadsResponse page;
            do {
                String k = keyMarker;
                String u = uploadIdMarker;
                page = retryingCut("ListMultipartUploads", objectPrefix,
                        () -> s3.listMultipartUploads(b -> b.bucket(bucket).prefix(objectPrefix).keyMarker(k).uploadIdMarker(u)));
                for (MultipartUpload upload : page.uploads()) {
                    if (filter.test(upload.key())) {
                        abortQuietly(upload.key(), upload.uploadId());
                    }
                }
                keyMarker = page.nextKeyMarker();
                uploadIdMarker = page.nextUploadIdMarker();
            } while (Boolean.TRUE.equals(page.isTruncated()));
        } catch (SdkException e) {
            throw failure("ListMultipartUploads", objectPrefix, e);
        }
    }

    private void abortQuietly(String objectKey, String uploadId) {
        try {
            s3.abortMultipartUpload(b -> b.bucket(bucket).key(objectKey).uploadId(uploadId));
        } catch (SdkException e) {
            if (!isNoSuchUpload(e)) {
                log.warn("could not abort multipart upload {} of {}: {}", uploadId, objectKey, e.toString());
            }
        }
    }

    private void deleteQuietly(String objectKey) {
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(objectKey));
        } catch (SdkException e) {
            log.warn("could not delete {}: {} (it is removed with its upload session)", objectKey, e.toString());
        }
    }

    /** Copies up to {@code max} bytes from the stream to the channel; fewer only when the stream ended. */
    private static long copy(InputStream in, FileChannel channel, long max) throws IOException {
        byte[] chunk = new byte[(int) Math.min(COPY_BUFFER_BYTES, Math.max(1, max))];
        long copied = 0;
        while (copied < max) {
            int n = in.read(chunk, 0, (int) Math.min(chunk.length, max - copied));
            if (n < 0) {
                break;
            }
            ByteBuffer buffer = ByteBuffer.wrap(chunk, 0, n);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            copied += n;
        }
        return copied;
    }

    // ---------------------------------------------------------------- bucket

    private void checkBucket(boolean createIfMissing, String region) throws IOException {
        try {
            s3.headBucket(b -> b.bucket(bucket));
            return;
        } catch (SdkException e) {
            if (statusOf(e) != 404) {
                throw failure("HeadBucket", bucket, e);
            }
        }
        if (!createIfMissing) {
            throw new IOException("bucket " + bucket + " does not exist; create it, or set registry.storage.s3.create-bucket=true");
        }
        try {
            s3.createBucket(b -> {
                b.bucket(bucket);
                if (!"us-east-1".equals(region)) { // us-east-1 refuses a location constraint naming itself
                    b.createBucketConfiguration(CreateBucketConfiguration.builder()
                            .locationConstraint(BucketLocationConstraint.fromValue(region)).build());
                }
            });
            log.info("created bucket {}", bucket);
        } catch (SdkException e) {
            if (!(e instanceof AwsServiceException a && a.awsErrorDetails() != null
                    && "BucketAlreadyOwnedByYou".equals(a.awsErrorDetails().errorCode()))) {
                throw failure("CreateBucket", bucket, e);
            }
        }
    }

    // ---------------------------------------------------------------- keys and errors

    private String objectKey(StorageKey key) {
        return root + key.path();
    }

    private String stateObject(StorageKey key) {
        return objectKey(sibling(key, key.name() + STATE_SUFFIX));
    }

    private static StorageKey tailKey(StorageKey key, String tail) {
        return sibling(key, key.name() + TAIL_INFIX + tail);
    }

    private static StorageKey sibling(StorageKey key, String name) {
        String path = key.path();
        int slash = path.lastIndexOf('/');
        return new StorageKey(slash < 0 ? name : path.substring(0, slash + 1) + name);
    }

    /** The storage key of an object key in the bucket; null when it is outside the root or not a valid key. */
    private StorageKey storageKey(String objectKey) {
        if (!objectKey.startsWith(root)) {
            return null;
        }
        try {
            return new StorageKey(objectKey.substring(root.length()));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static String normalizePrefix(String prefix) {
        String p = prefix == null ? "" : prefix.strip();
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p.isEmpty() ? "" : p + "/";
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    private static int statusOf(SdkException e) {
        return e instanceof AwsServiceException a ? a.statusCode() : -1;
    }

    private static String errorCodeOf(SdkException e) {
        return e instanceof AwsServiceException a && a.awsErrorDetails() != null ? a.awsErrorDetails().errorCode() : null;
    }

    /** 404 for the object; a missing bucket is a failure, not an absent object. */
    private static boolean isNotFound(SdkException e) {
        return statusOf(e) == 404 && !"NoSuchBucket".equals(errorCodeOf(e)) && !"NoSuchUpload".equals(errorCodeOf(e));
    }

    private static boolean isNoSuchUpload(SdkException e) {
        return "NoSuchUpload".equals(errorCodeOf(e)) || (statusOf(e) == 404 && errorCodeOf(e) == null);
    }

    /** 412 when the condition failed; 409 when S3 saw a concurrent conditional write to the same key. */
    private static boolean isPreconditionFailed(SdkException e) {
        return statusOf(e) == 412 || (statusOf(e) == 409 && "ConditionalRequestConflict".equals(errorCodeOf(e)));
    }

    /** An S3 call whose whole answer (body included) is read inside it. */
    @FunctionalInterface
    private interface S3Call<T> {
        T call() throws IOException;
    }

    /**
     * Repeats an idempotent call when its answer was cut: the SDK retries what fails before it has an answer
     * (throttling, 5xx, resets), but not a response cut mid-body ("Could not parse XML response", a GET body
     * that ends early), which S3 under load produces too. Every caller here only reads, or writes what a
     * repeat writes identically.
     */
    private <T> T retryingCut(String action, String what, S3Call<T> call) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.call();
            } catch (SdkException | IOException | UncheckedIOException e) {
                if (attempt >= CUT_RESPONSE_ATTEMPTS || !isCutResponse(e)) {
                    throw e;
                }
                log.debug("S3 {} {}: answer cut ({}), attempt {} of {}", action, what, e, attempt, CUT_RESPONSE_ATTEMPTS);
                try {
                    Thread.sleep(25L << attempt);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** A client-side failure (no S3 error code): a truncated or unparsable answer, a reset while reading it. */
    private static boolean isCutResponse(Throwable e) {
        if (e instanceof AppendOffsetMismatchException || e instanceof ObjectNotFoundException || e instanceof TooLargeException) {
            return false;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof AwsServiceException) {
                return false; // S3 answered, with an error: the SDK already retried what may be retried
            }
        }
        return true; // an SdkClientException, or an IOException while reading the body: the answer was cut
    }

    /** A small object that is not small: no repeat would change that. */
    private static final class TooLargeException extends IOException {
        TooLargeException(String message) {
            super(message);
        }
    }

    private IOException failure(String action, String what, SdkException e) {
        String detail = e instanceof AwsServiceException a
                ? a.statusCode() + (a.awsErrorDetails() != null ? " " + a.awsErrorDetails().errorCode() + ": "
                + a.awsErrorDetails().errorMessage() : "")
                : e.getMessage();
        return new IOException("S3 " + action + " " + what + " in bucket " + bucket + " failed: " + detail, e);
    }

    /**
     * The body of a GET: SDK exceptions while reading become IOExceptions, and closing before the end aborts
     * the connection instead of draining what may be gigabytes.
     */
    private final class SdkObjectStream extends FilterInputStream {
        private final ResponseInputStream<GetObjectResponse> response;
        private final String objectKey;
        private boolean ended;

        SdkObjectStream(ResponseInputStream<GetObjectResponse> response, String objectKey) {
            super(response);
            this.response = response;
            this.objectKey = objectKey;
        }

        @Override
        public int read() throws IOException {
            try {
                int b = super.read();
                ended |= b < 0;
                return b;
            } catch (SdkException e) {
                throw failure("reading", objectKey, e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                int n = super.read(b, off, len);
                ended |= n < 0;
                return n;
            } catch (SdkException e) {
                throw failure("reading", objectKey, e);
            }
        }

        @Override
        public void close() throws IOException {
            if (!ended) {
                response.abort();
            }
            try {
                super.close();
            } catch (SdkException e) {
                // aborted: nothing to release
            }
        }
    }
}
