package io.cangku.conformance;

import io.cangku.auth.AuthTestHttp;
import io.cangku.auth.AuthTestRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The conformance workflows with token authentication on, given the administrator's credentials (the suite's
 * OCI_USERNAME / OCI_PASSWORD): every request is first refused with a Bearer challenge, and passes with the
 * token fetched for it. The registry runs on filesystem storage.
 */
class AuthConformanceTest extends ConformanceWorkflows {

    static AuthTestRegistry registry;

    @BeforeAll
    static void startRegistry() {
        registry = AuthTestRegistry.start();
    }

    @AfterAll
    static void stopRegistry() {
        registry.close();
    }

    @Override
    protected URI registryUri() {
        return registry.uri();
    }

    @Override
    protected Optional<Credentials> credentials() {
        return Optional.of(new Credentials(AuthTestRegistry.ADMIN, AuthTestRegistry.ADMIN_PASSWORD));
    }

    @Test
    @DisplayName("the workflows ran against a registry that refuses anonymous requests")
    void authenticationIsOn() {
        // when
        AuthTestHttp.Response response = registry.http().get("/v2/" + namespace() + "/tags/list");

        // then
        assertThat(response.status()).isEqualTo(401);
        assertThat(response.header("WWW-Authenticate")).startsWith("Bearer realm=");
    }

    /** As for {@link FilesystemConformanceTest}: mounts come only from a named repository. */
    @Override
    protected Optional<Boolean> automaticCrossmount() {
        return Optional.of(false);
    }
}
