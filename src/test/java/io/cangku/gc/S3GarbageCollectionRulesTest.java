package io.cangku.gc;

import io.cangku.testing.Backends;

import java.util.List;

/** The collector's rules on S3 storage (a real S3 server: the shared s3proxy, a fresh bucket per test). */
class S3GarbageCollectionRulesTest extends GarbageCollectionRulesContract {

    @Override
    List<String> freshStorage() {
        return Backends.s3Arguments(Backends.newBucketName());
    }
}
