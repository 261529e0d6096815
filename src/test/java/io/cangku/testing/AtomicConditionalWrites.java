package io.cangku.testing;

import org.gaul.s3proxy.S3ErrorCode;
import org.gaul.s3proxy.S3ProxyException;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.ForwardingBlobStore;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

import java.io.InputStream;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Makes s3proxy's conditional PUT ({@code If-Match}, {@code If-None-Match: *}) atomic, as it is on S3 and MinIO.
 * On its filesystem and in-memory stores s3proxy checks the precondition and then writes, in two steps that other
 * requests interleave with, so two replicas writing on the same version could both succeed: quota ledgers, the
 * collector's lease and appendable uploads would then be tested against a store weaker than any they run on.
 * Here every write and delete of a key holds that key's lock (one of a fixed set of stripes), and a conditional
 * write checks its precondition again under it before writing.
 */
final class AtomicConditionalWrites extends ForwardingBlobStore {

    private static final int STRIPES = 256;
    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];

    AtomicConditionalWrites(BlobStore delegate) {
        super(delegate);
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    @Override
    public PutObjectResponse putBlob(PutObjectRequest request, InputStream content) {
        ReentrantLock lock = stripe(request.bucket(), request.key());
        lock.lock();
        try {
            if (request.ifMatch() != null || request.ifNoneMatch() != null) {
                checkPrecondition(delegate().blobMetadataIfPresent(request.bucket(), request.key()), request);
            }
            return super.putBlob(request, content);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public DeleteObjectResponse removeBlob(DeleteObjectRequest request) {
        ReentrantLock lock = stripe(request.bucket(), request.key());
        lock.lock();
        try {
            return super.removeBlob(request);
        } finally {
            lock.unlock();
        }
    }

    /** S3's answers: {@code If-Match} on a missing key is 404 NoSuchKey, any other failed precondition 412. */
    private static void checkPrecondition(HeadObjectResponse current, PutObjectRequest request) {
        if (request.ifMatch() != null) {
            if (current == null) {
                throw new S3ProxyException(S3ErrorCode.NO_SUCH_KEY);
            }
            if (!"*".equals(request.ifMatch()) && !unquoted(request.ifMatch()).equals(unquoted(current.eTag()))) {
                throw new S3ProxyException(S3ErrorCode.PRECONDITION_FAILED);
            }
        }
        if (request.ifNoneMatch() != null && current != null
                && ("*".equals(request.ifNoneMatch()) || unquoted(request.ifNoneMatch()).equals(unquoted(current.eTag())))) {
            throw new S3ProxyException(S3ErrorCode.PRECONDITION_FAILED);
        }
    }

    private static String unquoted(String etag) {
        return etag == null ? "" : etag.replace("\"", "");
    }

    private ReentrantLock stripe(String bucket, String key) {
        return stripes[Math.floorMod((bucket + '/' + key).hashCode(), STRIPES)];
    }
}
