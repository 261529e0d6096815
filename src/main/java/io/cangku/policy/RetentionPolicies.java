package io.cangku.policy;

import io.cangku.oci.OciError;
import io.cangku.oci.RegistryException;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.StorageLayout;
import org.springframework.stereotype.Service;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Retention policies: declared in configuration ({@code registry.retention.policies}) and made through the admin API. */
@Service
public class RetentionPolicies {

    private final List<RetentionPolicy> declared;
    private final StoredRules<RetentionPolicy> stored;

    RetentionPolicies(RetentionProperties properties, ObjectStore store, JsonMapper json) {
        this.declared = properties.declared();
        this.stored = new StoredRules<>(store, json, StorageLayout.RETENTION_POLICIES, RetentionPolicy.class);
    }

    /** Declared policies first, then those of the admin API, each in the order it was added. */
    public List<RetentionPolicy> list() throws IOException {
        List<RetentionPolicy> all = new ArrayList<>(declared);
        all.addAll(stored.load());
        return all;
    }

    public Optional<RetentionPolicy> find(String name) throws IOException {
        return list().stream().filter(policy -> policy.name().equals(name)).findFirst();
    }

    /** Creates or replaces the policy of the same name; true when it was created. */
    public boolean save(RetentionPolicy policy) throws IOException {
        RetentionPolicy toStore = new RetentionPolicy(policy.name(), policy.repositories(), policy.keepLast(),
                policy.keepTagsMatching(), policy.keepPushedWithin(), policy.keepPulledWithin(), policy.untaggedOlderThan(), false);
        String problem = toStore.problem("");
        if (problem != null) {
            throw new InvalidRuleException(problem);
        }
        refuseDeclared(policy.name());
        boolean[] created = {true};
        stored.update(policies -> {
            created[0] = !policies.removeIf(p -> p.name().equals(policy.name()));
            policies.add(toStore);
            return policies;
        });
        return created[0];
    }

    /** False when there was no such policy. */
    public boolean delete(String name) throws IOException {
        refuseDeclared(name);
        boolean[] removed = {false};
        stored.update(policies -> {
            removed[0] = policies.removeIf(p -> p.name().equals(name));
            return removed[0] ? policies : null;
        });
        return removed[0];
    }

    private void refuseDeclared(String name) {
        if (declared.stream().anyMatch(policy -> policy.name().equals(name))) {
            throw new RegistryException(OciError.DENIED, "retention policy " + name
                    + " is declared in configuration (registry.retention.policies); change it there");
        }
    }
}
