package io.cangku.events;

import io.cangku.testing.Backends;
import io.cangku.testing.FailingStartups;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each misconfiguration of {@code registry.notifications.*}, in a registry JVM of its own, exits non-zero with one
 * line naming the key and what is wrong (and never the secret). Every run starts from the same valid endpoint with
 * one setting spoiled; all JVMs start side by side in {@link #launchAll}, so the class costs about one start-up.
 */
@DisplayName("Notification settings that are not valid stop the registry with one line naming the key")
class NotificationConfigurationTest {

    private static final String SECRET = "a-secret-that-must-not-be-printed";
    private static final String ENDPOINT = "registry.notifications.endpoints[0].";

    /** The case's name, the setting spoiled (key=value; a value of NONE removes the key), the line expected. */
    private static final String CASES = """
            an ftp URL                | endpoints[0].url=ftp://hooks.example.com/x      | registry.notifications.endpoints[0].url must be an absolute http or https URL
            a URL that does not parse | endpoints[0].url=http://hooks example.com/      | registry.notifications.endpoints[0].url=http://hooks example.com/ is not valid
            a URL with credentials    | endpoints[0].url=https://u:p@hooks.example.com/ | registry.notifications.endpoints[0].url must not hold credentials
            no URL                    | endpoints[0].url=NONE                           | registry.notifications.endpoints[0].url must be an absolute http or https URL
            an empty secret           | endpoints[0].secret=                            | registry.notifications.endpoints[0].secret must be at least 16 bytes long
            a short secret            | endpoints[0].secret=short                       | registry.notifications.endpoints[0].secret must be at least 16 bytes long
            a misspelt secret key     | endpoints[0].secert=a-secret-of-sixteen-bytes   | registry.notifications.endpoints[0].secert
            a bad duration            | endpoints[0].timeout=soon                       | registry.notifications.endpoints[0].timeout=soon is not valid
            a duration out of range   | retry-max=1ms                                   | registry.notifications.retry-max must be between
            an unknown format         | endpoints[0].format=xml                         | registry.notifications.endpoints[0].format=xml is not valid
            an unknown action         | endpoints[0].actions=push,shove                 | registry.notifications.endpoints[0].actions=push,shove is not valid
            no name                   | endpoints[0].name=NONE                          | registry.notifications.endpoints[0].name must be 1-64 characters
            a reserved header         | endpoints[0].headers.Content-Type=text/plain    | registry.notifications.endpoints[0].headers.Content-Type is not a header name
            """;

    static FailingStartups runs;

    @BeforeAll
    static void launchAll() throws IOException {
        Path work = Backends.newTempDir("cangku-notification-config-");
        runs = new FailingStartups(work);
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
            if (value.equals("NONE")) {
                settings.remove(key);
            } else {
                settings.put(key, value);
            }
            List<String> arguments = new ArrayList<>(Backends.filesystemArguments(work.resolve("data-" + i++)));
            settings.forEach((k, v) -> arguments.add("--registry.notifications." + k + "=" + v));
            runs.launch(columns[0].strip(), arguments);
        }
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
}
