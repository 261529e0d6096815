package io.cangku.clients;

import io.cangku.testing.Backends;
import org.junit.jupiter.api.Nested;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The real-client round trips against a registry storing in S3 (s3proxy, a real S3 REST server). */
class S3RealClientTest extends RealClientContract {

    @DynamicPropertySource
    static void storage(DynamicPropertyRegistry registry) {
        Backends.s3(registry);
    }

    @Nested class Skopeo extends SkopeoRoundTrips {}
    @Nested class Podman extends PodmanRoundTrips {}
    @Nested class Docker extends DockerRoundTrips {}
    @Nested class Helm extends HelmRoundTrips {}
}
