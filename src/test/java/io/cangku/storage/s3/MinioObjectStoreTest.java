package io.cangku.storage.s3;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.MinIOContainer;
import org.testcontainers.junit.jupiter.Testcontainers;

import java.net.URI;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The contract against MinIO in a container. Skipped without a Docker engine, and skipped (not failed) when
 * the image is not already present, since nothing can be pulled on machines without a registry mirror; pick
 * another image with {@code -Dcangku.test.minio-image=...}.
 */
@Testcontainers(disabledWithoutDocker = true)
class MinioObjectStoreTest extends S3BucketContract {

    /** A MinIO release with atomic conditional writes (If-Match / If-None-Match on PUT). */
    static final String IMAGE = System.getProperty("cangku.test.minio-image", "minio/minio:RELEASE.2025-04-22T22-12-26Z");

    static MinIOContainer minio;

    @BeforeAll
    static void startMinio() {
        assumeTrue(imagePresent(IMAGE), "image " + IMAGE + " is not present locally and cannot be pulled here");
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
    protected boolean atomicConditionalWrites() {
        return true;
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
