package io.cangku.events;

import io.cangku.testing.Backends;

import java.util.List;

/** Webhooks on S3 storage (a real S3 server: the shared s3proxy, a fresh bucket per registry). */
class S3NotificationsTest extends NotificationsContract {

    @Override
    List<String> freshStorage() {
        return Backends.s3Arguments(Backends.newBucketName());
    }
}
