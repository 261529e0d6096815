package io.cangku.auth;

import io.cangku.auth.TokenHttp.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.cangku.auth.TokenAuthRegistry.ADMIN;
import static io.cangku.auth.TokenAuthRegistry.ADMIN_PASSWORD;
import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What one token request may cost: a bounded number of scopes (a form of ~95,000 scopes once cost 15 to 22 s
 * of CPU) and a bounded body (an anonymous 2 MB form logged a 98-line stack trace), each refused with a
 * message that says what the limit is.
 */
@DisplayName("Limits of the token endpoint")
@ExtendWith(OutputCaptureExtension.class)
class TokenRequestLimitsTest {

    static final int MAX_SCOPES = 8;

    static TokenAuthRegistry registry;
    static TokenHttp http;

    @BeforeAll
    static void startRegistry() {
        registry = TokenAuthRegistry.with()
                .set("--registry.auth.max-scopes-per-request=" + MAX_SCOPES)
                .start();
        http = registry.http();
    }

    @AfterAll
    static void stopRegistry() {
        registry.close();
    }

    static List<Map.Entry<String, String>> passwordGrant(List<String> scopes) {
        List<Map.Entry<String, String>> form = new ArrayList<>(List.of(entry("grant_type", "password"),
                entry("username", ADMIN), entry("password", ADMIN_PASSWORD)));
        scopes.forEach(scope -> form.add(entry("scope", scope)));
        return form;
    }

    static List<String> scopes(int count) {
        List<String> scopes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            scopes.add("repository:team/app-" + i + ":pull");
        }
        return scopes;
    }

    @Test
    @DisplayName("up to max-scopes-per-request scopes are granted; one more, in separate fields or in one space-separated value, is 400 naming the limit")
    void scopeCountIsBounded() {
        // when
        Response atLimit = http.tokenPost(passwordGrant(scopes(MAX_SCOPES)));
        Response fields = http.tokenPost(passwordGrant(scopes(MAX_SCOPES + 1)));
        Response oneValue = http.tokenPost(passwordGrant(List.of(String.join(" ", scopes(1_000)))));
        Response get = http.tokenGet(ADMIN, ADMIN_PASSWORD, null, scopes(MAX_SCOPES + 1).toArray(String[]::new));

        // then
        assertThat(atLimit.status()).isEqualTo(200);
        assertThat(atLimit.json().path("scope").asString().split(" ")).hasSize(MAX_SCOPES);
        for (Response refused : List.of(fields, oneValue, get)) {
            assertThat(refused.status()).as("%s", refused).isEqualTo(400);
            assertThat(refused.json().path("errors").path(0).path("message").asString())
                    .contains("at most " + MAX_SCOPES + " scopes").contains("registry.auth.max-scopes-per-request");
            assertThat(refused.json().has("token")).isFalse();
        }
    }

    @Test
    @DisplayName("the same resource asked for many times within the limit is one scope with the union of the actions")
    void repeatedScopesMerge() {
        // when
        Response response = http.tokenPost(passwordGrant(List.of("repository:team/app:pull",
                "repository:team/app:push repository:other/app:pull", "repository:team/app:delete")));

        // then
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().path("scope").asString())
                .isEqualTo("repository:team/app:delete,pull,push repository:other/app:pull");
    }

    @Test
    @DisplayName("an anonymous 2 MB form, with or without Content-Length, is 413 in the token endpoint's error format, with no stack trace in the log")
    void oversizedBody(CapturedOutput output) throws Exception {
        // given
        byte[] form = ("grant_type=password&scope=" + "repository:a:pull+".repeat(2 * 1024 * 1024 / 18))
                .getBytes(StandardCharsets.US_ASCII);
        int logBefore = output.getAll().length();

        // when
        Response sized = http.send("POST", "/token", form, "Content-Type", "application/x-www-form-urlencoded");
        HttpResponse<String> chunked = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(registry.uri() + "/token"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(form))).build(),
                HttpResponse.BodyHandlers.ofString());

        // then
        assertThat(sized.status()).as("%s", sized).isEqualTo(413);
        assertThat(sized.json().path("errors").path(0).path("message").asString()).contains("token request");
        assertThat(chunked.statusCode()).as(chunked.body()).isEqualTo(413);
        assertThat(chunked.body()).contains("token request");
        String log = output.getAll().substring(logBefore);
        assertThat(log).doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(http.tokenPost(passwordGrant(scopes(1))).status()).isEqualTo(200);
    }
}
