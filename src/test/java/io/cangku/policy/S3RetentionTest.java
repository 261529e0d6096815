package io.cangku.policy;

import io.cangku.testing.Backends;

import java.util.List;

/** Retention and immutable tags on S3 storage (a real S3 server: the shared s3proxy, a fresh bucket per test). */
class S3RetentionTest extends RetentionContract {

    @Override
    List<String> freshStorage() {
        return Backends.s3Arguments(Backends.newBucketName());
    }
}
