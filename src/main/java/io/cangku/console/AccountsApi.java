package io.cangku.console;

import io.cangku.auth.Account;
import io.cangku.auth.AccountDirectory;
import io.cangku.auth.AuditLog;
import io.cangku.auth.Credentials;
import io.cangku.auth.Group;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

import java.io.IOException;
import java.security.Principal;
import java.security.SecureRandom;
import java.util.Base64;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Users, robot accounts and groups: {@code /api/users}, {@code /api/robots}, {@code /api/groups}. */
@RestController
@RequestMapping("/api")
class AccountsApi {

    private final AccountDirectory directory;
    private final Credentials credentials;
    private final AuditLog audit;
    private final RobotAccounts robots;

    AccountsApi(AccountDirectory directory, Credentials credentials, AuditLog audit, RobotAccounts robots) {
        this.directory = directory;
        this.credentials = credentials;
        this.audit = audit;
        this.robots = robots;
    }

    /** An account as the API shows it: never the password hash. */
    record AccountView(String name, List<String> groups, boolean admin, boolean robot, Instant expiresAt,
                       Instant createdAt, boolean declared) {
        static AccountView of(Account a) {
            return new AccountView(a.name(), a.groups(), a.admin(), a.robot(), a.expiresAt(), a.createdAt(), a.declared());
        }
    }

    /**
     * {@code admin} is a {@code Boolean} so that leaving it out means false: Jackson 3 refuses a missing
     * primitive. The password carries no validation annotation: a failed constraint puts the rejected value
     * into the exception's message, and Spring logged that message, password and all. It is checked in code
     * ({@link Credentials#problemWith}), whose message never holds it.
     */
    record NewUser(@NotBlank String name, String password, List<String> groups, Boolean admin) {
        @Override
        public String toString() {
            return "NewUser[name=" + name + "]";
        }
    }

    record UserUpdate(String password, List<String> groups, Boolean admin) {
        @Override
        public String toString() {
            return "UserUpdate[groups=" + groups + ", admin=" + admin + "]";
        }
    }

    /** {@code expiresIn} as configuration writes durations ({@code 90d}, {@code 12h}) or ISO-8601 ({@code P90D}). */
    record NewRobot(@NotBlank String name, List<String> groups, String expiresIn) {
    }

    private static final Duration DEFAULT_ROBOT_LIFETIME = Duration.ofDays(90);
    private static final Duration MAX_ROBOT_LIFETIME = Duration.ofDays(3650);

    record RobotCreated(String name, String secret, Instant expiresAt) {
        @Override
        public String toString() { // Spring MVC logs response bodies at DEBUG/TRACE
            return "RobotCreated[name=" + name + ", secret=<hidden>, expiresAt=" + expiresAt + "]";
        }
    }

    @GetMapping("/users")
    List<AccountView> users() throws IOException {
        return directory.listAccounts().stream().map(AccountView::of).toList();
    }

    @GetMapping("/users/{name}")
    AccountView user(@PathVariable String name) throws IOException {
        return directory.findAccount(name).map(AccountView::of).orElseThrow(() -> notFound("user " + name));
    }

    @PostMapping("/users")
    ResponseEntity<AccountView> createUser(@Valid @RequestBody NewUser body, Principal principal, HttpServletRequest request)
            throws IOException {
        requireAcceptable(body.password());
        Instant now = Instant.now();
        Account account = new Account(body.name(), credentials.hash(body.password()), body.groups(),
                Boolean.TRUE.equals(body.admin()), false,
                null, now, now, false);
        directory.createAccount(account);
        audit.record(principal.getName(), "create-user", body.name(), request.getRemoteAddr(), "ok");
        return ResponseEntity.status(HttpStatus.CREATED).body(AccountView.of(account));
    }

    @PutMapping("/users/{name}")
    AccountView updateUser(@PathVariable String name, @Valid @RequestBody UserUpdate body, Principal principal,
                           HttpServletRequest request) throws IOException {
        Account account = directory.findAccount(name).orElseThrow(() -> notFound("user " + name));
        if (body.password() != null) {
            requireAcceptable(body.password());
        }
        Instant now = Instant.now();
        Account updated = new Account(account.name(),
                body.password() == null ? account.passwordHash() : credentials.hash(body.password()),
                body.groups() == null ? account.groups() : body.groups(),
                body.admin() == null ? account.admin() : body.admin(),
                account.robot(), account.expiresAt(), account.createdAt(),
                body.password() == null ? account.credentialsChangedAt() : now, account.declared());
        directory.saveAccount(updated);
        audit.record(principal.getName(), "update-user", name, request.getRemoteAddr(), "ok");
        return AccountView.of(updated);
    }

    @DeleteMapping("/users/{name}")
    ResponseEntity<Void> deleteUser(@PathVariable String name, Principal principal, HttpServletRequest request) throws IOException {
        if (name.equals(principal.getName())) {
            throw new ResponseStatusException(HttpStatus.CONFLICT, "you cannot delete your own account");
        }
        if (!directory.deleteAccount(name)) {
            throw notFound("user " + name);
        }
        audit.record(principal.getName(), "delete-user", name, request.getRemoteAddr(), "ok");
        return ResponseEntity.noContent().build();
    }

    /** Creates a robot account for CI; its secret is returned once and only its hash is kept. */
    @PostMapping("/robots")
    ResponseEntity<RobotCreated> createRobot(@Valid @RequestBody NewRobot body, Principal principal, HttpServletRequest request)
            throws IOException {
        Duration lifetime = robotLifetime(body.expiresIn());
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Instant now = Instant.now();
        Account robot = new Account(body.name(), credentials.hash(secret), body.groups(), false, true, now.plus(lifetime),
                now, now, false);
        directory.createAccount(robot);
        audit.record(principal.getName(), "create-robot", body.name(), request.getRemoteAddr(), "ok");
        return ResponseEntity.status(HttpStatus.CREATED).body(new RobotCreated(robot.name(), secret, robot.expiresAt()));
    }

    @GetMapping("/groups")
    List<Group> groups() throws IOException {
        return directory.listGroups();
    }

    @PutMapping("/groups/{name}")
    Group saveGroup(@PathVariable String name, @RequestBody(required = false) Group body, Principal principal,
                    HttpServletRequest request) throws IOException {
        Group group = new Group(name, body == null ? null : body.description());
        directory.saveGroup(group);
        audit.record(principal.getName(), "save-group", name, request.getRemoteAddr(), "ok");
        return group;
    }

    @DeleteMapping("/groups/{name}")
    ResponseEntity<Void> deleteGroup(@PathVariable String name, Principal principal, HttpServletRequest request) throws IOException {
        if (!directory.deleteGroup(name)) {
            throw notFound("group " + name);
        }
        audit.record(principal.getName(), "delete-group", name, request.getRemoteAddr(), "ok");
        return ResponseEntity.noContent().build();
    }

    private static void requireAcceptable(String password) {
        Credentials.problemWith(password).ifPresent(problem -> {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST, problem);
        });
    }

    static Duration robotLifetime(String expiresIn) {
        if (expiresIn == null || expiresIn.isBlank()) {
            return DEFAULT_ROBOT_LIFETIME;
        }
        Duration lifetime;
        try {
            // the parser of configuration's durations: 90d, 12h, 30m, and ISO-8601 (P90D, PT12H)
            lifetime = DurationStyle.detectAndParse(expiresIn.trim());
        } catch (IllegalArgumentException e) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST,
                    "expiresIn is a duration such as 90d, 12h or 30m, or ISO-8601 such as P90D or PT12H");
        }
        if (lifetime.isNegative() || lifetime.isZero() || lifetime.compareTo(MAX_ROBOT_LIFETIME) > 0) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "expiresIn must be between 1 second and 10 years (3650d)");
        }
        return lifetime;
    }

    static ResponseStatusException notFound(String what) {
        return new ResponseStatusException(HttpStatus.NOT_FOUND, what + " does not exist");
    }
}
