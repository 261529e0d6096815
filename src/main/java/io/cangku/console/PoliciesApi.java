package io.cangku.console;

import io.cangku.auth.AuditLog;
import io.cangku.policy.ImmutableTagRule;
import io.cangku.policy.ImmutableTags;
import io.cangku.policy.InvalidRuleException;
import io.cangku.policy.RetentionPolicies;
import io.cangku.policy.RetentionPolicy;
import io.cangku.policy.RetentionReport;
import io.cangku.policy.RetentionRuns;
import jakarta.servlet.http.HttpServletRequest;
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
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

import java.io.IOException;
import java.security.Principal;
import java.time.Duration;
import java.util.List;

/**
 * Retention policies ({@code /api/retention/policies}), retention runs ({@code /api/retention/runs}) and
 * immutable-tag rules ({@code /api/immutable-tags}), administrators only. Rules are kept in storage, so every
 * replica applies a change at once; those declared in configuration are listed but cannot be changed here.
 */
@RestController
@RequestMapping("/api")
class PoliciesApi {

    private static final int MAX_RUNS_LISTED = 100;

    private final RetentionPolicies policies;
    private final RetentionRuns runs;
    private final ImmutableTags immutableTags;
    private final AuditLog audit;

    PoliciesApi(RetentionPolicies policies, RetentionRuns runs, ImmutableTags immutableTags, AuditLog audit) {
        this.policies = policies;
        this.runs = runs;
        this.immutableTags = immutableTags;
        this.audit = audit;
    }

    /** Durations as configuration writes them ({@code 30d}, {@code 12h}) or ISO-8601 ({@code P30D}). */
    record PolicyRequest(String repositories, Integer keepLast, String keepTagsMatching, String keepPushedWithin,
                         String keepPulledWithin, String untaggedOlderThan) {
    }

    /** A policy as the API shows it, durations in ISO-8601. */
    record PolicyView(String name, String repositories, Integer keepLast, String keepTagsMatching, Duration keepPushedWithin,
                      Duration keepPulledWithin, Duration untaggedOlderThan, boolean declared) {
        static PolicyView of(RetentionPolicy p) {
            return new PolicyView(p.name(), p.repositories(), p.keepLast(), p.keepTagsMatching(), p.keepPushedWithin(),
                    p.keepPulledWithin(), p.untaggedOlderThan(), p.declared());
        }
    }

    record ImmutableTagRequest(String repositories, String tags) {
    }

    record RunRequest(Boolean dryRun) {
    }

    @GetMapping("/retention/policies")
    List<PolicyView> policies() throws IOException {
        return policies.list().stream().map(PolicyView::of).toList();
    }

    @GetMapping("/retention/policies/{name}")
    PolicyView policy(@PathVariable String name) throws IOException {
        return policies.find(name).map(PolicyView::of).orElseThrow(() -> AccountsApi.notFound("retention policy " + name));
    }

    @PutMapping("/retention/policies/{name}")
    ResponseEntity<PolicyView> savePolicy(@PathVariable String name, @RequestBody PolicyRequest body, Principal principal,
                                          HttpServletRequest request) throws IOException {
        RetentionPolicy policy = new RetentionPolicy(name, body.repositories(), body.keepLast(), body.keepTagsMatching(),
                duration("keepPushedWithin", body.keepPushedWithin()), duration("keepPulledWithin", body.keepPulledWithin()),
                duration("untaggedOlderThan", body.untaggedOlderThan()), false);
        boolean created = valid(() -> policies.save(policy));
        audit.record(actor(principal), "save-retention-policy", name + " " + body.repositories(), request.getRemoteAddr(), "ok");
        return ResponseEntity.status(created ? HttpStatus.CREATED : HttpStatus.OK).body(PolicyView.of(policy));
    }

    @DeleteMapping("/retention/policies/{name}")
    ResponseEntity<Void> deletePolicy(@PathVariable String name, Principal principal, HttpServletRequest request) throws IOException {
        if (!policies.delete(name)) {
            throw AccountsApi.notFound("retention policy " + name);
        }
        audit.record(actor(principal), "delete-retention-policy", name, request.getRemoteAddr(), "ok");
        return ResponseEntity.noContent().build();
    }

    /**
     * Runs the retention policies now and answers with the report: per repository, the tags and manifests deleted
     * ({@code "dryRun": true}: that would be deleted, touching nothing). An empty body is a real run.
     */
    @PostMapping("/retention/runs")
    RetentionReport run(@RequestBody(required = false) RunRequest body, Principal principal, HttpServletRequest request)
            throws IOException {
        boolean dryRun = body != null && Boolean.TRUE.equals(body.dryRun());
        try {
            RetentionReport report = runs.run(dryRun, actor(principal));
            audit.record(actor(principal), dryRun ? "retention-dry-run" : "retention", report.id(), request.getRemoteAddr(),
                    report.tagsDeleted() + " tags, " + report.manifestsDeleted() + " manifests");
            return report;
        } catch (RetentionRuns.AlreadyRunningException e) {
            throw new ResponseStatusException(HttpStatus.CONFLICT, e.getMessage());
        }
    }

    @GetMapping("/retention/runs")
    List<RetentionReport> recentRuns(@RequestParam(defaultValue = "20") int limit) throws IOException {
        return runs.recent(Math.max(1, Math.min(limit, MAX_RUNS_LISTED)));
    }

    @GetMapping("/retention/runs/{id}")
    RetentionReport retentionRun(@PathVariable String id) throws IOException {
        return runs.find(id).orElseThrow(() -> AccountsApi.notFound("retention run " + id));
    }

    @GetMapping("/immutable-tags")
    List<ImmutableTagRule> immutableTagRules() throws IOException {
        return immutableTags.list();
    }

    @GetMapping("/immutable-tags/{name}")
    ImmutableTagRule immutableTagRule(@PathVariable String name) throws IOException {
        return immutableTags.find(name).orElseThrow(() -> AccountsApi.notFound("immutable-tag rule " + name));
    }

    @PutMapping("/immutable-tags/{name}")
    ResponseEntity<ImmutableTagRule> saveImmutableTagRule(@PathVariable String name, @RequestBody ImmutableTagRequest body,
                                                          Principal principal, HttpServletRequest request) throws IOException {
        boolean created = valid(() -> immutableTags.save(name, body.repositories(), body.tags()));
        audit.record(actor(principal), "save-immutable-tag-rule", name + " " + body.repositories() + " " + body.tags(),
                request.getRemoteAddr(), "ok");
        return ResponseEntity.status(created ? HttpStatus.CREATED : HttpStatus.OK)
                .body(new ImmutableTagRule(name, body.repositories(), body.tags(), false));
    }

    @DeleteMapping("/immutable-tags/{name}")
    ResponseEntity<Void> deleteImmutableTagRule(@PathVariable String name, Principal principal, HttpServletRequest request)
            throws IOException {
        if (!immutableTags.delete(name)) {
            throw AccountsApi.notFound("immutable-tag rule " + name);
        }
        audit.record(actor(principal), "delete-immutable-tag-rule", name, request.getRemoteAddr(), "ok");
        return ResponseEntity.noContent().build();
    }

    private interface Change {
        boolean apply() throws IOException;
    }

    private static boolean valid(Change change) throws IOException {
        try {
            return change.apply();
        } catch (InvalidRuleException e) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST, e.getMessage());
        }
    }

    private static Duration duration(String field, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return DurationStyle.detectAndParse(value.trim());
        } catch (IllegalArgumentException e) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST,
                    field + " is a duration such as 30d, 12h or 30m, or ISO-8601 such as P30D");
        }
    }

    private static String actor(Principal principal) {
        return principal == null ? "anonymous" : principal.getName(); // null: authentication is off
    }
}
