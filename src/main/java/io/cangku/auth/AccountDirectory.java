package io.cangku.auth;

import io.cangku.oci.OciError;
import io.cangku.oci.RegistryException;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.StorageKey;
import io.cangku.storage.StorageLayout;
import org.springframework.stereotype.Service;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Accounts, groups and access rules: those declared in configuration (read-only) and those kept in storage
 * (managed through the admin API). Storage is read on every call, never cached, so a change made through
 * one replica holds on all of them at once.
 */
@Service
public class AccountDirectory {

    private static final int MAX_OBJECT_BYTES = 64 * 1024;

    private final ObjectStore store;
    private final JsonMapper json;
    private final Map<String, Account> declaredAccounts = new LinkedHashMap<>();
    private final List<AccessRule> declaredRules = new ArrayList<>();

    public AccountDirectory(ObjectStore store, JsonMapper json, AuthProperties properties) {
        this.store = store;
        this.json = json;
        Instant epoch = Instant.EPOCH;
        int userIndex = 0;
        for (AuthProperties.DeclaredUser user : properties.users()) {
            String key = "registry.auth.users[" + userIndex++ + "]";
            if (user.name() == null || !Account.NEW_NAME.matcher(user.name()).matches() || user.passwordHash() == null) {
                throw new IllegalArgumentException(key + ": each user needs a name (" + Account.NEW_NAME_RULE + ") and a bcrypt password-hash");
            }
            if (declaredAccounts.containsKey(user.name())) {
                throw new IllegalArgumentException(key + ".name: " + user.name() + " is declared twice");
            }
            for (String group : user.groups()) {
                if (!isGroupName(group)) {
                    throw new IllegalArgumentException(key + ".groups: group names are " + Account.NEW_NAME_RULE);
                }
            }
            requireRegistryBcryptCost(user.passwordHash(), key + ".password-hash");
            declaredAccounts.put(user.name(), new Account(user.name(), user.passwordHash(), user.groups(), user.admin(),
                    false, null, epoch, epoch, true));
        }
        int index = 0;
        for (AuthProperties.DeclaredRule rule : properties.rules()) {
            if (rule.repositories() == null || rule.repositories().isBlank()) {
                throw new IllegalArgumentException("registry.auth.rules[" + index + "].repositories is required");
            }
            if (!rule.groups().stream().allMatch(AccountDirectory::isGroupName)) {
                throw new IllegalArgumentException("registry.auth.rules[" + index + "].groups: group names are " + Account.NEW_NAME_RULE);
            }
            declaredRules.add(new AccessRule("config-" + index++, rule.repositories(), rule.users(), rule.groups(),
                    rule.anonymous(), Set.copyOf(rule.actions()), true));
        }
    }

    private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]?\\$(\\d\\d)\\$[./A-Za-z0-9]{53}");

    /**
     * A declared hash must be bcrypt at the registry's own cost: checking a cheaper or dearer hash takes a
     * different time than the check made for an unknown name, which would tell who exists. (Apache's
     * {@code htpasswd -B} uses cost 5 unless told otherwise.) The message never shows the hash.
     */
    private static void requireRegistryBcryptCost(String hash, String property) {
        Matcher matcher = BCRYPT.matcher(hash);
        if (!matcher.matches() || Integer.parseInt(matcher.group(1)) != Credentials.BCRYPT_STRENGTH) {
            throw new IllegalArgumentException(property + " must be a bcrypt hash of cost " + Credentials.BCRYPT_STRENGTH
                    + ", like the registry's own (htpasswd -nbBC " + Credentials.BCRYPT_STRENGTH + " NAME PASSWORD prints NAME:HASH), "
                    + "so that signing in takes as long for this name as for any other");
        }
    }

    // ---- accounts

    public Optional<Account> findAccount(String name) throws IOException {
        if (name == null || !Account.NAME.matcher(name).matches()) {
            return Optional.empty();
        }
        Account declared = declaredAccounts.get(name);
        if (declared != null) {
            return Optional.of(declared);
        }
        return read(StorageLayout.user(name), Account.class);
    }

    public List<Account> listAccounts() throws IOException {
        List<Account> accounts = new ArrayList<>(declaredAccounts.values());
        for (Account stored : readAll(StorageLayout.USERS, Account.class)) {
            if (!declaredAccounts.containsKey(stored.name())) {
                accounts.add(stored);
            }
        }
        return accounts;
    }

    /**
     * Stores a new account. Its name must be lowercase and, compared without case, unlike every account's
     * (older accounts may have mixed-case names).
     *
     * @throws RegistryException NAME_INVALID for a bad name or group, DENIED when the name is taken
     */
    public void createAccount(Account account) throws IOException {
        if (!Account.NEW_NAME.matcher(account.name()).matches()) {
            throw new RegistryException(OciError.NAME_INVALID, "account names are " + Account.NEW_NAME_RULE + "; not " + quoted(account.name()));
        }
        for (Account existing : listAccounts()) {
            if (existing.name().equalsIgnoreCase(account.name())) {
                throw new RegistryException(OciError.DENIED, "account " + existing.name() + " already exists"
                        + (existing.name().equals(account.name()) ? "" : " (names are unique whatever their case)"));
            }
        }
        saveAccount(account);
    }

    /** Stores a changed account (or a new one whose name {@link #createAccount} checked). */
    public void saveAccount(Account account) throws IOException {
        if (!Account.NAME.matcher(account.name()).matches()) {
            throw new RegistryException(OciError.NAME_INVALID, "account names are " + Account.NEW_NAME_RULE);
        }
        requireGroupNames(account.groups());
        requireNotDeclared(declaredAccounts.containsKey(account.name()), "account " + account.name());
        store.writeSmall(StorageLayout.user(account.name()), json.writeValueAsBytes(account));
    }

    /** Whether {@code name} may name a group: the same grammar as a new account's name. */
    public static boolean isGroupName(String name) {
        return name != null && Account.NEW_NAME.matcher(name).matches();
    }

    /** @throws RegistryException NAME_INVALID naming the first bad group */
    public static void requireGroupNames(List<String> groups) {
        for (String group : groups) {
            if (!isGroupName(group)) {
                throw new RegistryException(OciError.NAME_INVALID, "group names are " + Account.NEW_NAME_RULE + "; not " + quoted(group));
            }
        }
    }

    private static String quoted(String name) {
        String shown = name == null ? "" : name.length() > 64 ? name.substring(0, 64) + "…" : name;
        return "'" + shown.replaceAll("\\p{Cntrl}", "?") + "'";
    }

    public boolean deleteAccount(String name) throws IOException {
        requireNotDeclared(declaredAccounts.containsKey(name), "account " + name);
        return deleteIfPresent(Account.NAME.matcher(name).matches() ? StorageLayout.user(name) : null);
    }

    // ---- groups

    public List<Group> listGroups() throws IOException {
        Map<String, Group> groups = new LinkedHashMap<>();
        for (Group group : readAll(StorageLayout.GROUPS, Group.class)) {
            groups.put(group.name(), group);
        }
        // groups named by accounts or rules exist even without an object of their own
        Set<String> named = new HashSet<>();
        listAccounts().forEach(a -> named.addAll(a.groups()));
        listRules().forEach(r -> named.addAll(r.groups()));
        named.stream().sorted().forEach(n -> groups.putIfAbsent(n, new Group(n, null)));
        return new ArrayList<>(groups.values());
    }

    public void saveGroup(Group group) throws IOException {
        requireGroupNames(List.of(group.name()));
        store.writeSmall(StorageLayout.group(group.name()), json.writeValueAsBytes(group));
    }

    /**
     * Deletes a group's own entry. A group still named by accounts or rules is listed by {@link #listGroups}
     * whether or not it has an entry, so deleting it then would change nothing visible: refused, naming them.
     *
     * @return false when there is no such group at all
     * @throws RegistryException DENIED when accounts or rules still name the group
     */
    public boolean deleteGroup(String name) throws IOException {
        List<String> members = listAccounts().stream().filter(a -> a.groups().contains(name)).map(Account::name).toList();
        List<String> rules = listRules().stream().filter(r -> r.groups().contains(name)).map(AccessRule::id).toList();
        if (!members.isEmpty() || !rules.isEmpty()) {
            List<String> who = new ArrayList<>();
            if (!members.isEmpty()) {
                who.add("accounts " + String.join(", ", members.subList(0, Math.min(10, members.size())))
                        + (members.size() > 10 ? " and " + (members.size() - 10) + " more" : ""));
            }
            if (!rules.isEmpty()) {
                who.add("rules " + String.join(", ", rules.subList(0, Math.min(10, rules.size())))
                        + (rules.size() > 10 ? " and " + (rules.size() - 10) + " more" : ""));
            }
            throw new RegistryException(OciError.DENIED, "group " + name + " is still named by " + String.join(" and ", who)
                    + "; remove it from them first");
        }
        return deleteIfPresent(isGroupName(name) ? StorageLayout.group(name) : null);
    }

    // ---- rules

    public List<AccessRule> listRules() throws IOException {
        List<AccessRule> rules = new ArrayList<>(declaredRules);
        rules.addAll(readAll(StorageLayout.RULES, AccessRule.class));
        return rules;
    }

    public Optional<AccessRule> findRule(String id) throws IOException {
        for (AccessRule rule : declaredRules) {
            if (rule.id().equals(id)) {
                return Optional.of(rule);
            }
        }
        return isRuleId(id) ? read(StorageLayout.rule(id), AccessRule.class) : Optional.empty();
    }

    public void saveRule(AccessRule rule) throws IOException {
        requireNotDeclared(rule.id().startsWith("config-"), "rule " + rule.id());
        if (!isRuleId(rule.id())) {
            throw new IllegalArgumentException("invalid rule id");
        }
        requireGroupNames(rule.groups());
        store.writeSmall(StorageLayout.rule(rule.id()), json.writeValueAsBytes(rule));
    }

    public boolean deleteRule(String id) throws IOException {
        requireNotDeclared(id.startsWith("config-"), "rule " + id);
        return deleteIfPresent(isRuleId(id) ? StorageLayout.rule(id) : null);
    }

    private static boolean isRuleId(String id) {
        return id != null && id.matches("[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}");
    }

    // ---- plumbing

    private <T> Optional<T> read(StorageKey key, Class<T> type) throws IOException {
        Optional<byte[]> bytes = store.readSmall(key, MAX_OBJECT_BYTES);
        return bytes.map(b -> json.readValue(b, type));
    }

    private <T> List<T> readAll(StorageKey prefix, Class<T> type) throws IOException {
        List<T> result = new ArrayList<>();
        store.forEach(prefix, item -> read(item.key(), type).ifPresent(result::add));
        return result;
    }

    private boolean deleteIfPresent(StorageKey key) throws IOException {
        if (key == null || store.stat(key).isEmpty()) {
            return false;
        }
        store.delete(key);
        return true;
    }

    private static void requireNotDeclared(boolean declared, String what) {
        if (declared) {
            throw new RegistryException(OciError.DENIED, what + " is declared in configuration (registry.auth.*); change it there");
        }
    }
}
