package io.cangku.storage.s3;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.MinIOContainer;
import org.testcontainers.junit.jupiter.Testcontainers;

import java.net.URI;


/**
 * The contract against MinIO in a container, strictly (exactly one of racing conditional writers wins). Not in
 * the default build, since it needs the MinIO image in the local Docker engine and nothing can be pulled on
 * machines without a registry mirror: run it with {@code mvn verify -Dcangku.test.excluded-groups=
 * -Dtest='MinioObjectStoreTest*'}, and pick another image with {@code -Dcangku.test.minio-image=...}. Asked for
 * and unable to start, it fails rather than skips.
 */
@Tag("minio")
@Testcontainers
class MinioObjectStoreTest extends S3BucketContract {

    /** A MinIO release with atomic conditional writes (If-Match / If-None-Match on PUT). */
    static final String IMAGE = System.getProperty("cangku.test.minio-image", "minio/minio:RELEASE.2025-04-22T22-12-26Z");

    static MinIOContainer minio;

    @BeforeAll
    static void startMinio() {
        if (!imagePresent(IMAGE)) {
            throw new IllegalStateException("image " + IMAGE + " is not in the local Docker engine: load it first"
                    + " (docker load, or docker pull where a registry is reachable)");
        }
        minio = new MinIOContainer(IMAGE).withUserName("cangku-minio").withPassword("cangku-minio-secret");
        minio.start();
    }

    @AfterAll
    static void stopMinio() {
        if (minio != null) {
            minio.stop();
        }
    }

    private static boolean imagePresent(String image) {
        try {
            DockerClientFactory.lazyClient().inspectImageCmd(image).exec();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    protected URI endpoint() {
        return URI.create(minio.getS3URL());
    }

    @Override
    protected String accessKey() {
        return minio.getUserName();
    }

    @Override
    protected String secretKey() {
        return minio.getPassword();
    }
}
