package io.cangku.policy;

import io.cangku.testing.Backends;
import io.cangku.testing.RegistryContext;
import io.cangku.testing.TestBlob;
import io.cangku.testing.TestImage;
import io.cangku.testing.TestImages;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Policies declared in configuration: one runs on its schedule and the admin API cannot change it; one that is
 * not valid stops the registry at start with a message naming its key (StartupFailureTest shows such messages
 * become the one start-up line), so nothing is left to fail at the first push or the first scheduled run.
 */
class PolicyConfigurationTest {

    @Test
    @DisplayName("a declared policy runs on its schedule, is listed as declared, and the admin API cannot change it")
    void declaredPolicyRunsOnSchedule() throws Exception {
        List<String> arguments = new ArrayList<>(Backends.filesystemArguments(Backends.newTempDir("cangku-policy-schedule-")));
        arguments.addAll(List.of("--registry.auth.mode=none",
                "--registry.retention.policies[0].name=nightly",
                "--registry.retention.policies[0].repositories=sched/*",
                "--registry.retention.policies[0].keep-last=1",
                "--registry.retention.schedule=*/2 * * * * *"));
        try (RegistryContext registry = RegistryContext.start(arguments); HttpClient http = HttpClient.newHttpClient()) {
            // given: three tags pushed
            for (int i = 1; i <= 3; i++) {
                TestImage image = TestImages.image().seed(18_000 + i).randomLayers(1, 512).build();
                for (TestBlob blob : image.blobs()) {
                    if (blob != image.manifest()) {
                        send(http, registry.uri().resolve("/v2/sched/app/blobs/uploads/?digest=" + blob.digest()), "POST",
                                "application/octet-stream", blob.content());
                    }
                }
                assertThat(send(http, registry.uri().resolve("/v2/sched/app/manifests/t" + i), "PUT", image.manifest().mediaType(),
                        image.manifest().content()).statusCode()).isEqualTo(201);
            }

            // when: the schedule fires
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() ->
                    send(http, registry.uri().resolve("/v2/sched/app/tags/list"), "GET", null, null).body().equals(
                            "{\"name\":\"sched/app\",\"tags\":[\"t3\"]}"));

            // then: the policy is listed as declared and cannot be changed through the API
            String listed = send(http, registry.uri().resolve("/api/retention/policies"), "GET", null, null).body();
            assertThat(listed).contains("\"name\":\"nightly\"", "\"declared\":true");
            HttpResponse<String> change = send(http, registry.uri().resolve("/api/retention/policies/nightly"), "PUT",
                    "application/json", "{\"repositories\":\"sched/*\",\"keepLast\":5}".getBytes(StandardCharsets.UTF_8));
            assertThat(change.statusCode()).isEqualTo(409);
            assertThat(change.body()).contains("declared in configuration");
            // the run is recorded once it has finished, which can be a moment after its deletes are visible
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                    assertThat(send(http, registry.uri().resolve("/api/retention/runs"), "GET", null, null).body())
                            .contains("\"requestedBy\":\"schedule\""));
        }
    }

    private static HttpResponse<String> send(HttpClient http, URI uri, String method, String contentType, byte[] body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            a tag regex that does not compile | registry.retention.policies[0].keep-tags-matching=(       | registry.retention.policies[0].keep-tags-matching is not a valid regular expression
            a backreference (not RE2)         | registry.retention.policies[0].keep-tags-matching=(a)\\1   | registry.retention.policies[0].keep-tags-matching is not a valid regular expression
            a repository glob with capitals   | registry.retention.policies[0].repositories=Team/**         | registry.retention.policies[0].repositories must be a glob
            a policy without a rule           | registry.retention.policies[0].keep-last=                   | must be set: a policy without a rule would do nothing
            a negative count                  | registry.retention.policies[0].keep-last=-1                 | registry.retention.policies[0].keep-last must be between 0 and 100000
            an immutable-tag regex too long   | registry.immutable-tags[0].tags=LONG                        | registry.immutable-tags[0].tags is longer than 256 characters
            """)
    void refusesToStart(String what, String override, String message) {
        // given: one valid policy and rule, with one setting spoiled
        List<String> arguments = new ArrayList<>(Backends.filesystemArguments(Backends.newTempDir("cangku-policy-config-")));
        arguments.add("--registry.auth.mode=none");
        arguments.add("--registry.retention.policies[0].name=ci");
        arguments.add("--registry.retention.policies[0].repositories=ci/**");
        arguments.add("--registry.immutable-tags[0].name=releases");
        arguments.add("--registry.immutable-tags[0].repositories=**");
        String key = override.substring(0, override.indexOf('='));
        String value = override.substring(override.indexOf('=') + 1).replace("LONG", "v".repeat(257));
        if (!key.endsWith("keep-last")) {
            arguments.add("--registry.retention.policies[0].keep-last=5");
        }
        if (!key.endsWith(".tags")) {
            arguments.add("--registry.immutable-tags[0].tags=v.*");
        }
        if (!value.isEmpty()) {
            arguments.add("--" + key + "=" + value);
        }

        // when / then
        assertThatThrownBy(() -> RegistryContext.start(arguments).close())
                .as(what)
                .rootCause().hasMessageContaining(message);
    }
}
