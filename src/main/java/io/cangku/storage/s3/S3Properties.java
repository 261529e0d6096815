package io.cangku.storage.s3;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code registry.storage.s3.*}: where the S3 backend keeps objects, used when {@code registry.storage.type=s3}.
 *
 * @param bucket            the bucket holding every object (required)
 * @param region            the bucket's region; any value for stores without regions
 * @param endpoint          the S3 API endpoint of an S3-compatible store (MinIO, Ceph RGW); unset for AWS
 * @param pathStyleAccess   address the bucket as {@code endpoint/bucket} instead of {@code bucket.endpoint};
 *                          most S3-compatible stores need it
 * @param accessKey         static credentials; when unset, the SDK's default chain is used (environment,
 *                          system properties, profile, web identity / IRSA, container and instance role)
 * @param secretKey         the secret of {@code accessKey}
 * @param prefix            root of the registry's keys inside the bucket (for example {@code cangku}); empty
 *                          for the bucket's root
 * @param createBucket      create the bucket at start when it does not exist (for development)
 * @param partSize          size of the parts of a multipart upload, at least 5MB (S3's minimum); also the
 *                          most an upload buffers on local disk per request. An upload holds at most 10,000
 *                          parts, so this bounds the largest blob (16MB: 156GB)
 * @param redirect          answer blob GET with a 307 to a short-lived presigned URL, so clients download
 *                          straight from the store (they must be able to reach {@code endpoint})
 * @param bufferDirectory   where upload chunks are buffered until a part is full; the JVM's temp dir when unset
 * @param conditionalWrites guard upload-session state with {@code If-Match}/{@code If-None-Match}, so two
 *                          replicas appending to one upload at once cannot both win; turn off only for a store
 *                          that rejects conditional PUTs
 * @param maxAttempts       attempts per S3 call, including the first; throttling (503 SlowDown), 5xx answers,
 *                          timeouts and connection resets are retried with exponential backoff and jitter
 * @param connectionTimeout time to open a connection to the store
 * @param socketTimeout     longest wait for data on an open connection
 * @param maxConnections    connections kept to the store
 */
@ConfigurationProperties("registry.storage.s3")
public record S3Properties(
        String bucket,
        @DefaultValue("us-east-1") String region,
        URI endpoint,
        @DefaultValue("false") boolean pathStyleAccess,
        String accessKey,
        String secretKey,
        @DefaultValue("") String prefix,
        @DefaultValue("false") boolean createBucket,
        @DefaultValue("16MB") DataSize partSize,
        @DefaultValue("false") boolean redirect,
        Path bufferDirectory,
        @DefaultValue("true") boolean conditionalWrites,
        @DefaultValue("8") int maxAttempts,
        @DefaultValue("10s") Duration connectionTimeout,
        @DefaultValue("120s") Duration socketTimeout,
        @DefaultValue("100") int maxConnections) {

    /** S3's smallest part, except for the last part of an upload. */
    static final DataSize MIN_PART_SIZE = DataSize.ofMegabytes(5);
    /** S3's largest part. */
    static final DataSize MAX_PART_SIZE = DataSize.ofGigabytes(5);

    public S3Properties {
        if (prefix == null) {
            prefix = "";
        }
        if (region == null || region.isBlank()) {
            region = "us-east-1";
        }
        if (partSize == null) {
            partSize = DataSize.ofMegabytes(16);
        }
        if (partSize.compareTo(MIN_PART_SIZE) < 0 || partSize.compareTo(MAX_PART_SIZE) > 0) {
            throw new IllegalArgumentException("registry.storage.s3.part-size must lie between 5MB and 5GB (S3's part limits), not " + partSize);
        }
        if ((accessKey == null || accessKey.isBlank()) != (secretKey == null || secretKey.isBlank())) {
            throw new IllegalArgumentException("registry.storage.s3.access-key and secret-key go together: set both, "
                    + "or neither to use the AWS default credential chain");
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("registry.storage.s3.max-attempts must be at least 1");
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("registry.storage.s3.max-connections must be at least 1");
        }
        if (connectionTimeout == null) {
            connectionTimeout = Duration.ofSeconds(10);
        }
        if (socketTimeout == null) {
            socketTimeout = Duration.ofSeconds(120);
        }
    }

    /** Settings for a bucket reached with static credentials, everything else at its default (tests, tools). */
    public static S3Properties of(String bucket, URI endpoint, String accessKey, String secretKey) {
        return new S3Properties(bucket, "us-east-1", endpoint, true, accessKey, secretKey, "", true,
                DataSize.ofMegabytes(16), false, null, true, 8, Duration.ofSeconds(10), Duration.ofSeconds(120), 100);
    }

    public boolean hasStaticCredentials() {
        return accessKey != null && !accessKey.isBlank();
    }

    public S3Properties withPrefix(String newPrefix) {
        return new S3Properties(bucket, region, endpoint, pathStyleAccess, accessKey, secretKey, newPrefix, createBucket,
                partSize, redirect, bufferDirectory, conditionalWrites, maxAttempts, connectionTimeout, socketTimeout,
                maxConnections);
    }

    public S3Properties withPartSize(DataSize newPartSize) {
        return new S3Properties(bucket, region, endpoint, pathStyleAccess, accessKey, secretKey, prefix, createBucket,
                newPartSize, redirect, bufferDirectory, conditionalWrites, maxAttempts, connectionTimeout, socketTimeout,
                maxConnections);
    }

    public S3Properties withRedirect(boolean newRedirect) {
        return new S3Properties(bucket, region, endpoint, pathStyleAccess, accessKey, secretKey, prefix, createBucket,
                partSize, newRedirect, bufferDirectory, conditionalWrites, maxAttempts, connectionTimeout, socketTimeout,
                maxConnections);
    }

    /** Records print every component; this one must not print the secret. */
    @Override
    public String toString() {
        return "S3Properties[bucket=" + bucket + ", region=" + region + ", endpoint=" + endpoint
                + ", pathStyleAccess=" + pathStyleAccess + ", accessKey=" + accessKey
                + ", secretKey=" + (secretKey == null || secretKey.isEmpty() ? "(unset)" : "******")
                + ", prefix=" + prefix + ", createBucket=" + createBucket + ", partSize=" + partSize
                + ", redirect=" + redirect + ", bufferDirectory=" + bufferDirectory
                + ", conditionalWrites=" + conditionalWrites + ", maxAttempts=" + maxAttempts
                + ", connectionTimeout=" + connectionTimeout + ", socketTimeout=" + socketTimeout
                + ", maxConnections=" + maxConnections + "]";
    }
}
