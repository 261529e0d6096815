package io.cangku.policy;

import io.cangku.oci.OciError;
import io.cangku.oci.RegistryException;
import io.cangku.oci.RepositoryName;
import io.cangku.oci.Tag;
import io.cangku.registry.TagProtection;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.StorageLayout;
import org.springframework.stereotype.Service;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Immutable-tag rules, from configuration and the admin API, and the registry's {@link TagProtection}: the
 * registry asks on every manifest PUT by tag and every delete, and this answers after one small read of the
 * stored rules (an absent object when the API made none).
 */
@Service
public class ImmutableTags implements TagProtection {

    private final List<ImmutableTagRule> declared;
    private final StoredRules<ImmutableTagRule> stored;

    ImmutableTags(ImmutableTagProperties properties, ObjectStore store, JsonMapper json) {
        this.declared = properties.declared();
        this.stored = new StoredRules<>(store, json, StorageLayout.IMMUTABLE_TAG_RULES, ImmutableTagRule.class);
    }

    /** Declared rules first, then those of the admin API, each in the order it was added. */
    public List<ImmutableTagRule> list() throws IOException {
        List<ImmutableTagRule> all = new ArrayList<>(declared);
        all.addAll(stored.load());
        return all;
    }

    public Optional<ImmutableTagRule> find(String name) throws IOException {
        return list().stream().filter(rule -> rule.name().equals(name)).findFirst();
    }

    /** Creates or replaces the rule {@code name}; true when it was created. */
    public boolean save(String name, String repositories, String tags) throws IOException {
        String problem = ImmutableTagRule.problem("", name, repositories, tags);
        if (problem != null) {
            throw new InvalidRuleException(problem);
        }
        refuseDeclared(name);
        boolean[] created = {true};
        ImmutableTagRule rule = new ImmutableTagRule(name, repositories, tags, false);
        stored.update(rules -> {
            created[0] = !rules.removeIf(r -> r.name().equals(name));
            rules.add(rule);
            return rules;
        });
        return created[0];
    }

    /** False when there was no such rule. */
    public boolean delete(String name) throws IOException {
        refuseDeclared(name);
        boolean[] removed = {false};
        stored.update(rules -> {
            removed[0] = rules.removeIf(r -> r.name().equals(name));
            return removed[0] ? rules : null;
        });
        return removed[0];
    }

    @Override
    public Optional<String> ruleProtecting(RepositoryName repository, Tag tag) throws IOException {
        for (ImmutableTagRule rule : list()) {
            ImmutableTagRule.Compiled compiled = ImmutableTagRule.Compiled.of(rule);
            if (compiled.protects(repository, tag)) {
                return Optional.of(compiled.describe());
            }
        }
        return Optional.empty();
    }

    @Override
    public boolean protectsAnyTagOf(RepositoryName repository) throws IOException {
        for (ImmutableTagRule rule : list()) {
            if (ImmutableTagRule.Compiled.of(rule).coversRepository(repository)) {
                return true;
            }
        }
        return false;
    }

    /** Rules compiled for checking many tags at once (a retention run). */
    List<ImmutableTagRule.Compiled> compiled() throws IOException {
        return list().stream().map(ImmutableTagRule.Compiled::of).toList();
    }

    private void refuseDeclared(String name) {
        if (declared.stream().anyMatch(rule -> rule.name().equals(name))) {
            throw new RegistryException(OciError.DENIED, "immutable-tag rule " + name
                    + " is declared in configuration (registry.immutable-tags); change it there");
        }
    }
}
