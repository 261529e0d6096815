package io.cangku.events;

import io.cangku.testing.Backends;
import io.cangku.testing.FailingStartups;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.util.unit.DataSize;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Misconfigurations of {@code registry.notifications.*} stop the registry with one line naming the key and what is
 * wrong, never the secret. One case of each kind runs as a registry JVM of its own (side by side, in
 * {@link #launchAll}, so they cost about one start-up); the rest of the record's checks, which throw the same kind
 * of exception and so become the same kind of line, are checked on the record itself, in milliseconds.
 */
@DisplayName("Notification settings that are not valid stop the registry with one line naming the key")
class NotificationConfigurationTest {

    private static final String SECRET = "a-secret-that-must-not-be-printed";
    private static final String ENDPOINT = "registry.notifications.endpoints[0].";

    /**
     * One case of each kind of failure, each in its own JVM: a check of the record (the URL), a value that does not
     * bind (a duration, a format), a misspelt key, and a secret that is too short. The case's name, the setting
     * spoiled (key=value), the line expected.
     */
    private static final String CASES = """
            an ftp URL            | endpoints[0].url=ftp://hooks.example.com/x    | registry.notifications.endpoints[0].url must be an absolute http or https URL
            a short secret        | endpoints[0].secret=short                     | registry.notifications.endpoints[0].secret must be at least 16 bytes long
            a misspelt secret key | endpoints[0].secert=a-secret-of-sixteen-bytes | registry.notifications.endpoints[0].secert
            a bad duration        | endpoints[0].timeout=soon                     | registry.notifications.endpoints[0].timeout=soon is not valid
            an unknown format     | endpoints[0].format=xml                       | registry.notifications.endpoints[0].format=xml is not valid
            """;

    static FailingStartups runs;

    @BeforeAll
    static void launchAll() throws IOException {
        Path work = Backends.newTempDir("cangku-notification-config-");
        // how fast a failing start-up exits is StartupFailureTest's matter; here a bound only tells a hang from a
        // slow machine (several JVMs start at once on a machine that may be busy with other builds)
        runs = new FailingStartups(work, Duration.ofMinutes(5));
        int i = 0;
        for (String line : CASES.strip().lines().toList()) {
            String[] columns = line.split("\\|");
            String override = columns[1].strip();
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("endpoints[0].name", "ci");
            settings.put("endpoints[0].url", "https://hooks.example.com/registry");
            settings.put("endpoints[0].secret", SECRET);
            String key = override.substring(0, override.indexOf('='));
            String value = override.substring(override.indexOf('=') + 1);
            settings.put(key, value);
            List<String> arguments = new ArrayList<>(Backends.filesystemArguments(work.resolve("data-" + i++)));
            settings.forEach((k, v) -> arguments.add("--registry.notifications." + k + "=" + v));
            runs.launch(columns[0].strip(), arguments);
        }
        List<String> withoutConditionalWrites = new ArrayList<>(Backends.s3Arguments(Backends.newBucketName()));
        withoutConditionalWrites.addAll(List.of("--registry.storage.s3.conditional-writes=false",
                "--registry.notifications.endpoints[0].name=ci",
                "--registry.notifications.endpoints[0].url=https://hooks.example.com/registry",
                "--registry.notifications.endpoints[0].secret=" + SECRET));
        runs.launch("no conditional writes", withoutConditionalWrites);
    }

    @AfterAll
    static void stopAll() {
        runs.close();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = CASES)
    void refusesToStart(String what, String override, String expected) throws Exception {
        // given: the registry launched with the spoiled setting (in launchAll)

        // when / then: it exits with one line naming the key, which never shows the secret
        String line = runs.assertOneLine(what, expected);
        assertThat(line).doesNotContain(SECRET);
        assertThat(runs.run(what).output()).doesNotContain(SECRET);
    }

    @Test
    @DisplayName("endpoints on a store without conditional writes, which the delivery lease needs")
    void refusesEndpointsWithoutConditionalWrites() throws Exception {
        // given: an S3 store with registry.storage.s3.conditional-writes=false and one endpoint (in launchAll)

        // when / then
        String line = runs.assertOneLine("no conditional writes", "registry.notifications.endpoints need conditional writes");
        assertThat(line).contains("registry.storage.s3.conditional-writes=false").doesNotContain(SECRET);
    }

    /** The record's own checks, which the runs above show become that one line; a spoiled field, the message expected. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            a URL with credentials | url=https://u:p@hooks.example.com/ | registry.notifications.endpoints[0].url must not hold credentials
            a URL without host     | url=http:/registry                 | registry.notifications.endpoints[0].url must be an absolute http or https URL with a host
            no URL                 | url=                               | registry.notifications.endpoints[0].url must be an absolute http or https URL with a host
            an empty secret        | secret=                            | registry.notifications.endpoints[0].secret must be at least 16 bytes long
            no name                | name=                              | registry.notifications.endpoints[0].name must be 1-64 characters
            a capital in the name  | name=CI                            | registry.notifications.endpoints[0].name must be 1-64 characters
            a timeout too long     | timeout=PT10M                      | registry.notifications.endpoints[0].timeout must be between 100ms and 5m
            a reserved header      | header=Content-Type                | registry.notifications.endpoints[0].headers.Content-Type is not a header name
            a signature header     | header=Cangku-Signature-256        | registry.notifications.endpoints[0].headers.Cangku-Signature-256 is not a header name
            a repository glob      | repositories=Team/**               | registry.notifications.endpoints[0].repositories must be a glob
            """)
    void refusesEndpoint(String what, String spoiled, String expected) {
        // given: a valid endpoint with one field spoiled
        String field = spoiled.substring(0, spoiled.indexOf('='));
        String value = spoiled.substring(spoiled.indexOf('=') + 1);
        String name = field.equals("name") ? value : "ci";
        URI url = field.equals("url") ? (value.isEmpty() ? null : URI.create(value))
                : URI.create("https://hooks.example.com/registry");
        String secret = field.equals("secret") ? value : SECRET;
        Duration timeout = field.equals("timeout") ? Duration.parse(value) : Duration.ofSeconds(5);
        Map<String, String> headers = field.equals("header") ? Map.of(value, "x") : Map.of();
        String repositories = field.equals("repositories") ? value : "**";
        NotificationProperties.Endpoint endpoint = new NotificationProperties.Endpoint(name, url, repositories, null,
                NotificationProperties.Format.distribution, secret, timeout, headers);

        // when / then
        assertThatThrownBy(() -> properties(List.of(endpoint))).as(what)
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(expected).hasMessageNotContaining(SECRET);
    }

    @Test
    @DisplayName("two endpoints of one name")
    void refusesDuplicateNames() {
        // given
        NotificationProperties.Endpoint endpoint = new NotificationProperties.Endpoint("ci",
                URI.create("https://hooks.example.com/registry"), "**", null, NotificationProperties.Format.distribution,
                SECRET, Duration.ofSeconds(5), Map.of());

        // when / then
        assertThatThrownBy(() -> properties(List.of(endpoint, endpoint)))
                .hasMessageContaining("registry.notifications.endpoints[1].name ci is used by another endpoint");
    }

    private static NotificationProperties properties(List<NotificationProperties.Endpoint> endpoints) {
        return new NotificationProperties(endpoints, Duration.ofSeconds(1), Duration.ofSeconds(1),
                Duration.ofMinutes(5), Duration.ofHours(24), 10_000,
                DataSize.ofKilobytes(64), Duration.ofSeconds(5), 10_000,
                Duration.ofSeconds(30));
    }
}
