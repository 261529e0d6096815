package io.cangku.policy;

import io.cangku.auth.TokenAuthRegistry;
import io.cangku.auth.TokenHttp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With authentication on, the policy endpoints are for administrators only, and forcing a repository delete past
 * its immutable tags is too, even for a user who may delete in the repository.
 */
@DisplayName("Policies and force delete: administrators only")
class PolicyAccessTest {

    private static final String USER = "deleter";
    private static final String PASSWORD = "deleter-password-1";
    private static TokenAuthRegistry registry;

    @BeforeAll
    static void start() {
        registry = TokenAuthRegistry.with().user(USER, PASSWORD, "ops").rule("team/**", "group:ops", "pull,push,delete").start();
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    @ParameterizedTest(name = "{0} {1} as {2}: {3}")
    @CsvSource({
            "GET,    /api/retention/policies,               deleter, 403",
            "PUT,    /api/retention/policies/x,             deleter, 403",
            "POST,   /api/retention/runs,                   deleter, 403",
            "GET,    /api/immutable-tags,                   deleter, 403",
            "PUT,    /api/immutable-tags/x,                 deleter, 403",
            "GET,    /api/retention/policies,               ,        401",
            "DELETE, /api/repositories/team/app?force=true, deleter, 403",
            "DELETE, /api/repositories/team/app,            deleter, 404",
            "GET,    /api/retention/policies,               admin,   200",
            "DELETE, /api/repositories/team/app?force=true, admin,   404",
    })
    void onlyAdministrators(String method, String path, String who, int status) throws Exception {
        // given
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + registry.hostPort() + path))
                .method(method, method.equals("PUT") || method.equals("POST")
                        ? HttpRequest.BodyPublishers.ofString("{\"repositories\":\"team/**\",\"keepLast\":1,\"tags\":\"v.*\"}")
                        : HttpRequest.BodyPublishers.noBody())
                .header("Content-Type", "application/json");
        if (who != null) {
            request.header("Authorization", who.equals("admin")
                    ? TokenHttp.basic(TokenAuthRegistry.ADMIN, TokenAuthRegistry.ADMIN_PASSWORD)
                    : TokenHttp.basic(USER, PASSWORD));
        }

        // when
        HttpResponse<String> reply;
        try (HttpClient http = HttpClient.newHttpClient()) {
            reply = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }

        // then
        assertThat(reply.statusCode()).as("%s", reply.body()).isEqualTo(status);
    }
}
