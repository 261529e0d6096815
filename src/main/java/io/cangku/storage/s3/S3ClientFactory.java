package io.cangku.storage.s3;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** Builds the SDK's client and presigner from {@link S3Properties}, the same way for the registry and for tests. */
final class S3ClientFactory {

    private S3ClientFactory() {
    }

    static S3Client client(S3Properties properties) {
        S3ClientBuilder builder = S3Client.builder()
                .region(Region.of(properties.region()))
                .credentialsProvider(credentials(properties))
                .forcePathStyle(properties.pathStyleAccess())
                // Downloads are blobs whose digest every OCI client verifies after pulling (and the registry
                // verifies what it re-reads), so checking S3's own response checksum again would only spend
                // CPU on the hottest path. Uploads keep the SDK's request checksums.
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(ApacheHttpClient.builder()
                        .connectionTimeout(properties.connectionTimeout())
                        .socketTimeout(properties.socketTimeout())
                        .maxConnections(properties.maxConnections())
                        .tcpKeepAlive(true))
                // The standard strategy retries throttling (503 SlowDown, 429), 5xx answers, timeouts and
                // connection resets with exponential backoff and full jitter, throttling with a longer base.
                // Its circuit breaker is off: the shared retry-token bucket empties after about a hundred faults
                // and then refuses every retry, so under steady light throttling (8 % in S3FaultsTest) a push
                // failed on its first fault. Retries stay bounded per call by max-attempts and the backoff.
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                        .maxAttempts(properties.maxAttempts())
                        .circuitBreakerEnabled(false)
                        .build()));
        if (properties.endpoint() != null) {
            builder.endpointOverride(properties.endpoint());
        }
        return builder.build();
    }

    static S3Presigner presigner(S3Properties properties) {
        S3Presigner.Builder builder = S3Presigner.builder()
                .region(Region.of(properties.region()))
                .credentialsProvider(credentials(properties))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(properties.pathStyleAccess()).build());
        if (properties.endpoint() != null) {
            builder.endpointOverride(properties.endpoint());
        }
        return builder.build();
    }

    private static AwsCredentialsProvider credentials(S3Properties properties) {
        if (properties.hasStaticCredentials()) {
            return StaticCredentialsProvider.create(AwsBasicCredentials.create(properties.accessKey(), properties.secretKey()));
        }
        // environment, system properties, web identity (IRSA), profile, container and instance role
        return DefaultCredentialsProvider.builder().build();
    }
}
