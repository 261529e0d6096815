package io.cangku.console.web;

import io.cangku.auth.AccessRule;
import io.cangku.auth.Account;
import io.cangku.auth.AccountDirectory;
import io.cangku.auth.AuditEvent;
import io.cangku.auth.AuditLog;
import io.cangku.auth.Credentials;
import io.cangku.auth.Group;
import io.cangku.auth.Scope;
import io.cangku.console.RobotAccounts;
import io.cangku.console.RuleValidation;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;

/**
 * Users, groups, robot accounts, access rules and the audit log; administrators only. Each change is a form
 * POST (with its CSRF token) that redirects back to its list with a one-line notice, so reloading never
 * repeats it, except robot creation, whose answer is the only place the secret ever appears.
 */
@Controller
@RequestMapping("/access")
class AccessPages {

    /** Most audit events one page reads before filtering (the log is read from the start of the time range). */
    static final int MAX_AUDIT_READ = 10_000;
    private static final int MAX_GROUPS = 50;
    private static final int AUDIT_PAGE = 100;

    private final AccountDirectory directory;
    private final Credentials credentials;
    private final RobotAccounts robots;
    private final AuditLog audit;
    private final RegistryHost hosts;

    AccessPages(AccountDirectory directory, Credentials credentials, RobotAccounts robots, AuditLog audit,
                RegistryHost hosts) {
        this.hosts = hosts;
        this.directory = directory;
        this.credentials = credentials;
        this.robots = robots;
        this.audit = audit;
    }

    @GetMapping({"", "/"})
    String index() {
        return "redirect:/access/users";
    }

    // ---- users

    @GetMapping("/users")
    String users(@ModelAttribute("viewer") Viewer viewer, Model model) throws IOException {
        requireAdmin(viewer);
        model.addAttribute("nav", "access");
        model.addAttribute("tab", "users");
        model.addAttribute("accounts", directory.listAccounts().stream().filter(a -> !a.robot()).toList());
        return "access/users";
    }

    @PostMapping("/users")
    String createUser(@ModelAttribute("viewer") Viewer viewer, @RequestParam String name, @RequestParam String password,
                      @RequestParam(required = false) String groups, @RequestParam(required = false) boolean admin,
                      HttpServletRequest request, RedirectAttributes redirect) throws IOException {
        requireAdmin(viewer);
        requireName(name, "user name");
        if (password.length() < 8 || password.length() > 256) {
            throw ConsoleException.badRequest("a password has 8 to 256 characters");
        }
        if (directory.findAccount(name).isPresent()) {
            throw new ConsoleException(409, "an account named " + name + " already exists");
        }
        Instant now = Instant.now();
        directory.saveAccount(new Account(name, credentials.hash(password), groupList(groups), admin, false, null, now, now, false));
        audit.record(viewer.name(), "create-user", name, request.getRemoteAddr(), "ok");
        redirect.addFlashAttribute("notice", "User " + name + " created.");
        return "redirect:/access/users";
    }

    @PostMapping("/users/delete")
    String deleteUser(@ModelAttribute("viewer") Viewer viewer, @RequestParam String name, HttpServletRequest request,
                      RedirectAttributes redirect) throws IOException {
        requireAdmin(viewer);
        if (name.equals(viewer.name())) {
            throw new ConsoleException(409, "you cannot delete your own account");
        }
        Account account = directory.findAccount(name).orElseThrow(() -> ConsoleException.notFound("account " + name + " does not exist"));
        directory.deleteAccount(name);
        audit.record(viewer.name(), account.robot() ? "delete-robot" : "delete-user", name, request.getRemoteAddr(), "ok");
        redirect.addFlashAttribute("notice", (account.robot() ? "Robot account " : "User ") + name + " deleted.");
        return account.robot() ? "redirect:/access/robots" : "redirect:/access/users";
    }

    // ---- groups

    @GetMapping("/groups")
    String groups(@ModelAttribute("viewer") Viewer viewer, Model model) throws IOException {
        requireAdmin(viewer);
        List<Account> accounts = directory.listAccounts();
        List<GroupRow> rows = new ArrayList<>();
        for (Group group : directory.listGroups()) {
            rows.add(new GroupRow(group.name(), group.description(),
                    accounts.stream().filter(a -> a.groups().contains(group.name())).map(Account::name).toList()));
        }
        model.addAttribute("nav", "access");
        model.addAttribute("tab", "groups");
        model.addAttribute("groups", rows);
        return "access/groups";
    }

    record GroupRow(String name, String description, List<String> members) {
    }

    @PostMapping("/groups")
    String saveGroup(@ModelAttribute("viewer") Viewer viewer, @RequestParam String name,
                     @RequestParam(required = false) String description, HttpServletRequest request,
                     RedirectAttributes redirect) throws IOException {
        requireAdmin(viewer);
        requireName(name, "group name");
        String text = description == null || description.isBlank() ? null : description.strip();
        if (text != null && text.length() > 500) {
            throw ConsoleException.badRequest("a group's description has at most 500 characters");
        }
        directory.saveGroup(new Group(name, text));
        audit.record(viewer.name(), "save-group", name, request.getRemoteAddr(), "ok");
        redirect.addFlashAttribute("notice", "Group " + name + " saved.");
        return "redirect:/access/groups";
    }

    @PostMapping("/groups/delete")
    String deleteGroup(@ModelAttribute("viewer") Viewer viewer, @RequestParam String name, HttpServletRequest request,
                       RedirectAttributes redirect) throws IOException {
        requireAdmin(viewer);
        if (!directory.deleteGroup(name)) {
            throw ConsoleException.notFound("group " + name + " has no stored definition (it exists only because "
                    + "accounts or rules name it; remove it from them)");
        }
        audit.record(viewer.name(), "delete-group", name, request.getRemoteAddr(), "ok");
        redirect.addFlashAttribute("notice", "Group " + name + " deleted.");
        return "redirect:/access/groups";
    }

    // ---- robots

    @GetMapping("/robots")
    String robots(@ModelAttribute("viewer") Viewer viewer, Model model) throws IOException {
        requireAdmin(viewer);
        model.addAttribute("nav", "access");
        model.addAttribute("tab", "robots");
        model.addAttribute("robots", directory.listAccounts().stream().filter(Account::robot).toList());
        model.addAttribute("now", Instant.now());
        return "access/robots";
    }

    @PostMapping("/robots")
    String createRobot(@ModelAttribute("viewer") Viewer viewer, @RequestParam String name,
                       @RequestParam(required = false) String groups, @RequestParam(defaultValue = "90") int expiresInDays,
                       HttpServletRequest request, HttpServletResponse response, Model model) throws IOException {
        requireAdmin(viewer);
        requireName(name, "robot name");
        if (expiresInDays < 1 || expiresInDays > 3650) {
            throw ConsoleException.badRequest("a robot account lives 1 to 3650 days");
        }
        RobotAccounts.Created robot;
        try {
            robot = robots.create(name, groupList(groups), Duration.ofDays(expiresInDays), viewer.name(), request.getRemoteAddr());
        } catch (RobotAccounts.Refused e) {
            throw new ConsoleException(e.conflict ? 409 : 400, e.getMessage());
        }
        // the secret is in this page only: no cache may keep it
        response.setHeader("Cache-Control", "no-store");
        model.addAttribute("nav", "access");
        model.addAttribute("tab", "robots");
        model.addAttribute("robot", robot);
        model.addAttribute("host", hosts.of(request));
        return "access/robot-created";
    }

    // ---- rules

    @GetMapping("/rules")
    String rules(@ModelAttribute("viewer") Viewer viewer, Model model) throws IOException {
        requireAdmin(viewer);
        model.addAttribute("nav", "access");
        model.addAttribute("tab", "rules");
        model.addAttribute("rules", directory.listRules());
        return "access/rules";
    }

    @PostMapping("/rules")
    String createRule(@ModelAttribute("viewer") Viewer viewer, @RequestParam String repositories,
                      @RequestParam(required = false) String users, @RequestParam(required = false) String groups,
                      @RequestParam(required = false) boolean anonymous,
                      @RequestParam(name = "actions", required = false) List<String> actions,
                      HttpServletRequest request, RedirectAttributes redirect) throws IOException {
        requireAdmin(viewer);
        Set<String> actionSet = actions == null ? Set.of() : new LinkedHashSet<>(actions);
        String problem = RuleValidation.problem(repositories.strip(), actionSet);
        if (problem != null) {
            throw ConsoleException.badRequest(problem);
        }
        List<String> userList = groupList(users);
        List<String> groupList = groupList(groups);
        if (userList.isEmpty() && groupList.isEmpty() && !anonymous) {
            throw ConsoleException.badRequest("a rule grants to users, groups or everyone: name at least one");
        }
        AccessRule rule = new AccessRule(UUID.randomUUID().toString(), repositories.strip(), userList, groupList, anonymous,
                actionSet, false);
        directory.saveRule(rule);
        audit.record(viewer.name(), "create-rule", rule.id() + " " + rule.repositories(), request.getRemoteAddr(), "ok");
        redirect.addFlashAttribute("notice", "Rule for " + rule.repositories() + " created.");
        return "redirect:/access/rules";
    }

    @PostMapping("/rules/delete")
    String deleteRule(@ModelAttribute("viewer") Viewer viewer, @RequestParam String id, HttpServletRequest request,
                      RedirectAttributes redirect) throws IOException {
        requireAdmin(viewer);
        if (!directory.deleteRule(id)) {
            throw ConsoleException.notFound("rule " + id + " does not exist");
        }
        audit.record(viewer.name(), "delete-rule", id, request.getRemoteAddr(), "ok");
        redirect.addFlashAttribute("notice", "Rule deleted.");
        return "redirect:/access/rules";
    }

    // ---- audit

    /** What {@code AuditLog.record} is called with across the registry, for the audit filter's choices. */
    static final List<String> KNOWN_AUDIT_ACTIONS = List.of("login", "refresh", "push", "delete", "delete-blob",
            "delete-repository", "delete-repository-forced", "create-user", "update-user", "delete-user", "create-robot",
            "delete-robot", "save-group", "delete-group", "create-rule", "update-rule", "delete-rule", "gc", "gc-dry-run",
            "retention", "retention-dry-run", "save-retention-policy", "delete-retention-policy", "save-immutable-tag-rule",
            "delete-immutable-tag-rule", "save-quota", "delete-quota");

    @GetMapping("/audit")
    String audit(@ModelAttribute("viewer") Viewer viewer, @RequestParam(required = false) String user,
                 @RequestParam(required = false) String action, @RequestParam(required = false) String repository,
                 @RequestParam(required = false) String from, @RequestParam(required = false) String to,
                 Model model) throws IOException {
        requireAdmin(viewer);
        Instant now = Instant.now();
        Instant since = from == null || from.isBlank() ? now.minus(Duration.ofDays(1)) : parseTime(from, "from");
        Instant until = to == null || to.isBlank() ? null : parseTime(to, "to");
        if (since.isBefore(now.minus(Duration.ofDays(366)))) {
            throw ConsoleException.badRequest("\"from\" may lie at most a year back");
        }
        List<AuditEvent> read = audit.newest(since, null, MAX_AUDIT_READ).events();
        List<AuditEvent> matching = new ArrayList<>();
        for (AuditEvent event : read) {
            if (matches(event, blankToNull(user), blankToNull(action), blankToNull(repository), until)) {
                matching.add(event);
            }
        }
        // AuditLog.newest answers newest first already
        model.addAttribute("nav", "access");
        model.addAttribute("tab", "audit");
        model.addAttribute("events", matching.size() > AUDIT_PAGE ? matching.subList(0, AUDIT_PAGE) : matching);
        model.addAttribute("total", matching.size());
        model.addAttribute("truncated", read.size() >= MAX_AUDIT_READ);
        model.addAttribute("user", user);
        model.addAttribute("action", action);
        model.addAttribute("repository", repository);
        model.addAttribute("from", LocalDateTime.ofInstant(since, ZoneOffset.UTC).withNano(0).withSecond(0).toString());
        model.addAttribute("to", until == null ? "" : LocalDateTime.ofInstant(until, ZoneOffset.UTC).withNano(0).withSecond(0).toString());
        // the actions the registry records, and any other the time range holds (one written by a newer replica)
        java.util.TreeSet<String> actions = new java.util.TreeSet<>(KNOWN_AUDIT_ACTIONS);
        read.forEach(event -> actions.add(event.action()));
        model.addAttribute("actions", List.copyOf(actions));
        return "access/audit";
    }

    private static boolean matches(AuditEvent event, String user, String action, String repository, Instant until) {
        if (until != null && event.at().isAfter(until)) {
            return false;
        }
        if (user != null && !user.equals(event.actor())) {
            return false;
        }
        if (action != null && !action.equals(event.action())) {
            return false;
        }
        if (repository != null) {
            String target = event.target();
            // targets name a repository as "repo:tag", "repo@digest" or "repo:tag@digest"
            return target != null && (target.equals(repository) || target.startsWith(repository + ":")
                    || target.startsWith(repository + "@"));
        }
        return true;
    }

    /** {@code 2024-05-01T12:30} from a datetime-local field, read as UTC. */
    private static Instant parseTime(String text, String field) {
        try {
            return LocalDateTime.parse(text.strip()).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw ConsoleException.badRequest("\"" + field + "\" must be a date and time like 2024-05-01T12:30 (UTC)");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private static void requireAdmin(Viewer viewer) {
        if (!viewer.admin()) {
            throw ConsoleException.forbidden("only administrators manage access; ask one to change this for you");
        }
    }

    private static void requireName(String name, String what) {
        if (!Account.NAME.matcher(name).matches()) {
            throw ConsoleException.badRequest("a " + what + " is 1 to 128 characters: letters, digits and . _ @ -, "
                    + "starting with a letter or digit");
        }
    }

    /** "a, b c" → [a, b, c]: names separated by commas or spaces, each checked. */
    static List<String> groupList(String text) {
        if (text == null || text.isBlank()) {
            return List.of();
        }
        List<String> names = Arrays.stream(text.split("[,\\s]+")).filter(s -> !s.isEmpty()).distinct().toList();
        if (names.size() > MAX_GROUPS) {
            throw ConsoleException.badRequest("name at most " + MAX_GROUPS + " at once");
        }
        for (String name : names) {
            requireName(name, "name");
        }
        return names;
    }


}
