package io.cangku.api;

import io.cangku.testing.Backends;
import org.junit.jupiter.api.Nested;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The HTTP API contract on the filesystem backend, each context on a fresh temporary root. */
class FilesystemRegistryApiTest extends RegistryApiContract {

    @DynamicPropertySource
    static void filesystem(DynamicPropertyRegistry registry) {
        Backends.filesystem(registry);
    }

    @Nested
    class DeletesDisabled extends DeletesDisabledContract {
    }
}
