package io.cangku.quota;

import io.cangku.testing.Backends;

import java.util.List;

/** Storage quotas on S3 storage (a real S3 server: the shared s3proxy, a fresh bucket per class). */
class S3QuotaTest extends QuotaContract {

    @Override
    List<String> freshStorage() {
        return Backends.s3Arguments(Backends.newBucketName());
    }
}
