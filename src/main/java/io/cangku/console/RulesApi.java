package io.cangku.console;

import io.cangku.auth.AccessRule;
import io.cangku.auth.AccountDirectory;
import io.cangku.auth.AuditEvent;
import io.cangku.auth.AuditLog;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.util.UriComponentsBuilder;

import java.io.IOException;
import java.security.Principal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/** Access rules ({@code /api/rules}) and the audit log ({@code /api/audit}). */
@RestController
@RequestMapping("/api")
class RulesApi {

    private static final int MAX_AUDIT_PAGE = 1000;
    private static final Duration DEFAULT_AUDIT_SPAN = Duration.ofDays(30);

    private final AccountDirectory directory;
    private final AuditLog audit;

    RulesApi(AccountDirectory directory, AuditLog audit) {
        this.directory = directory;
        this.audit = audit;
    }

    /** {@code anonymous} is a {@code Boolean} so that leaving it out means false: Jackson 3 refuses a missing primitive. */
    record RuleRequest(@NotBlank String repositories, List<String> users, List<String> groups, Boolean anonymous,
                       @NotEmpty Set<String> actions) {
    }

    @GetMapping("/rules")
    List<AccessRule> rules() throws IOException {
        return directory.listRules();
    }

    @PostMapping("/rules")
    ResponseEntity<AccessRule> createRule(@Valid @RequestBody RuleRequest body, Principal principal, HttpServletRequest request)
            throws IOException {
        AccessRule rule = toRule(UUID.randomUUID().toString(), body);
        directory.saveRule(rule);
        audit.record(principal.getName(), "create-rule", rule.id() + " " + rule.repositories(), request.getRemoteAddr(), "ok");
        return ResponseEntity.status(HttpStatus.CREATED).body(rule);
    }

    @PutMapping("/rules/{id}")
    AccessRule updateRule(@PathVariable String id, @Valid @RequestBody RuleRequest body, Principal principal,
                          HttpServletRequest request) throws IOException {
        directory.findRule(id).orElseThrow(() -> AccountsApi.notFound("rule " + id));
        AccessRule rule = toRule(id, body);
        directory.saveRule(rule);
        audit.record(principal.getName(), "update-rule", id + " " + rule.repositories(), request.getRemoteAddr(), "ok");
        return rule;
    }

    @DeleteMapping("/rules/{id}")
    ResponseEntity<Void> deleteRule(@PathVariable String id, Principal principal, HttpServletRequest request) throws IOException {
        if (!directory.deleteRule(id)) {
            throw AccountsApi.notFound("rule " + id);
        }
        audit.record(principal.getName(), "delete-rule", id, request.getRemoteAddr(), "ok");
        return ResponseEntity.noContent().build();
    }

    /**
     * The newest events first, {@code limit} at a time, back to {@code since} (default: 30 days ago). When
     * there are older ones, a {@code Link: <...&before=CURSOR>; rel="next"} header points to the next page, as
     * the registry's own listings do (distribution-spec, tags list).
     */
    @GetMapping("/audit")
    ResponseEntity<List<AuditEvent>> audit(@RequestParam(required = false) Instant since,
                                           @RequestParam(required = false) String before,
                                           @RequestParam(defaultValue = "100") int limit) throws IOException {
        if (before != null && !AuditLog.isCursor(before)) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST,
                    "before is the cursor from the Link header of the previous page, not '" + abbreviate(before) + "'");
        }
        Instant from = since == null ? Instant.now().minus(DEFAULT_AUDIT_SPAN) : since;
        int size = Math.max(1, Math.min(limit, MAX_AUDIT_PAGE));
        AuditLog.AuditPage page = audit.newest(from, before, size);
        ResponseEntity.BodyBuilder response = ResponseEntity.ok();
        if (page.next() != null) {
            String next = UriComponentsBuilder.fromPath("/api/audit").queryParam("limit", size)
                    .queryParamIfPresent("since", java.util.Optional.ofNullable(since)).queryParam("before", page.next())
                    .build().encode().toUriString();
            response.header("Link", "<" + next + ">; rel=\"next\"");
        }
        return response.body(page.events());
    }

    private static String abbreviate(String text) {
        return text.length() > 40 ? text.substring(0, 40) + "…" : text;
    }

    private static AccessRule toRule(String id, RuleRequest body) {
        String problem = RuleValidation.problem(body.repositories(), body.actions());
        if (problem != null) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST, problem);
        }
        return new AccessRule(id, body.repositories(), body.users(), body.groups(), Boolean.TRUE.equals(body.anonymous()),
                body.actions(), false);
    }
}
