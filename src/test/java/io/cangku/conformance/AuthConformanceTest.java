package io.cangku.conformance;

import io.cangku.auth.TokenAuthRegistry;
import io.cangku.auth.TokenHttp;
import io.cangku.testing.RegistryContext;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The conformance workflows with token authentication on, given the administrator's credentials (the suite's
 * OCI_USERNAME / OCI_PASSWORD): every request is first refused with a Bearer challenge, and passes with the
 * token fetched for it. The registry runs on filesystem storage.
 */
class AuthConformanceTest extends CangkuConformance {

    @Override
    protected RegistryContext startRegistry() {
        return TokenAuthRegistry.start().context();
    }

    @Override
    protected Optional<Credentials> credentials() {
        return Optional.of(new Credentials(TokenAuthRegistry.ADMIN, TokenAuthRegistry.ADMIN_PASSWORD));
    }

    @Test
    @DisplayName("the workflows ran against a registry that refuses anonymous requests")
    void authenticationIsOn() {
        // when
        TokenHttp.Response response = new TokenHttp(registryUri()).get("/v2/" + namespace() + "/tags/list");

        // then
        assertThat(response.status()).isEqualTo(401);
        assertThat(response.header("WWW-Authenticate")).startsWith("Bearer realm=");
    }
}
