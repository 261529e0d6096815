package io.cangku.policy;

import io.cangku.testing.Backends;
import io.cangku.testing.RegistryContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A retention policy or immutable-tag rule that is not valid stops the registry at start with a message naming
 * its key (StartupFailureTest shows such messages become the one start-up line); nothing is left to fail at
 * the first push or the first scheduled run.
 */
class PolicyConfigurationTest {

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
