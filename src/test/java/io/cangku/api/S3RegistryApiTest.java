package io.cangku.api;

import io.cangku.testing.Backends;
import org.junit.jupiter.api.Nested;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The HTTP API contract on the S3 backend (s3proxy, a real S3 REST server), each context on a fresh bucket. */
class S3RegistryApiTest extends RegistryApiContract {

    @DynamicPropertySource
    static void s3(DynamicPropertyRegistry registry) {
        Backends.s3(registry);
    }

    @Nested
    class DeletesDisabled extends DeletesDisabledContract {
    }
}
