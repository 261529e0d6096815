package io.cangku.policy;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code registry.immutable-tags[i]}: immutable-tag rules declared in configuration ({@code name},
 * {@code repositories} glob, {@code tags} regex). A rule that is not valid stops the registry at start, with
 * one line naming its key.
 */
@ConfigurationProperties("registry")
public record ImmutableTagProperties(@DefaultValue List<Rule> immutableTags) {

    public record Rule(String name, String repositories, String tags) {
    }

    public ImmutableTagProperties {
        immutableTags = immutableTags == null ? List.of() : List.copyOf(immutableTags);
        Set<String> names = new HashSet<>();
        for (int i = 0; i < immutableTags.size(); i++) {
            Rule rule = immutableTags.get(i);
            String problem = ImmutableTagRule.problem("registry.immutable-tags[" + i + "].", rule.name(), rule.repositories(), rule.tags());
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
            if (!names.add(rule.name())) {
                throw new IllegalArgumentException("registry.immutable-tags[" + i + "].name " + rule.name()
                        + " is used by another rule; names must be unique");
            }
        }
    }

    List<ImmutableTagRule> declared() {
        return immutableTags.stream().map(r -> new ImmutableTagRule(r.name(), r.repositories(), r.tags(), true)).toList();
    }
}
