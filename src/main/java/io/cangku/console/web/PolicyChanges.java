package io.cangku.console.web;

import io.cangku.auth.AuditLog;
import io.cangku.policy.ImmutableTags;
import io.cangku.policy.InvalidRuleException;
import io.cangku.policy.RetentionPolicies;
import io.cangku.policy.RetentionPolicy;
import io.cangku.policy.RetentionReport;
import io.cangku.policy.RetentionRuns;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;

/**
 * The forms of the Policies page that change something (administrators): save or delete a retention policy or an
 * immutable-tag rule, and run retention for real. They go through the same services as the admin API, with the
 * same validation and messages, and each is audited. Every form is a POST with its CSRF token that redirects
 * back to the page with a one-line notice, so reloading never repeats it; deletions and a real run ask first.
 */
@Controller
@RequestMapping("/policies")
class PolicyChanges {

    private final RetentionPolicies policies;
    private final ImmutableTags immutableTags;
    private final RetentionRuns runs;
    private final AuditLog audit;

    PolicyChanges(RetentionPolicies policies, ImmutableTags immutableTags, RetentionRuns runs, AuditLog audit) {
        this.policies = policies;
        this.immutableTags = immutableTags;
        this.runs = runs;
        this.audit = audit;
    }

    @PostMapping("/retention")
    String saveRetentionPolicy(@ModelAttribute("viewer") Viewer viewer, @RequestParam String name,
                               @RequestParam String repositories,
                               @RequestParam(required = false) String keepLast,
                               @RequestParam(required = false) String keepTagsMatching,
                               @RequestParam(required = false) String keepPushedWithin,
                               @RequestParam(required = false) String keepPulledWithin,
                               @RequestParam(required = false) String untaggedOlderThan,
                               HttpServletRequest request, RedirectAttributes redirect) throws IOException {
        requireAdmin(viewer);
        PolicyForm form = PolicyForm.of(Map.of("name", name, "repositories", repositories,
                "keepLast", orEmpty(keepLast), "keepTagsMatching", orEmpty(keepTagsMatching),
                "keepPushedWithin", orEmpty(keepPushedWithin), "keepPulledWithin", orEmpty(keepPulledWithin),
                "untaggedOlderThan", orEmpty(untaggedOlderThan)));
        RetentionPolicy policy;
        boolean created;
        try {
            policy = new RetentionPolicy(name.strip(), repositories.strip(), count("keepLast", "keep last", keepLast),
                    blankToNull(keepTagsMatching), duration("keepPushedWithin", "pushed within", keepPushedWithin),
                    duration("keepPulledWithin", "pulled within", keepPulledWithin),
                    duration("untaggedOlderThan", "untagged manifests after", untaggedOlderThan), false);
            created = policies.save(policy);
        } catch (InvalidRuleException e) {
            return refused("retention", form.refused(e), redirect);
        }
        return done(viewer, "save-retention-policy", policy.name() + " " + policy.repositories(), "ok",
                "Retention policy " + policy.name() + (created ? " created." : " saved."), request, redirect);
    }

    @PostMapping("/retention/delete")
    String deleteRetentionPolicy(@ModelAttribute("viewer") Viewer viewer, @RequestParam String name,
                                 HttpServletRequest request, RedirectAttributes redirect) throws IOException {
        requireAdmin(viewer);
        return deleted(policies.delete(name), "Retention policy", "delete-retention-policy", name, viewer, request, redirect);
    }

    /** A real run: deletes what no policy keeps; the page's dry run shows the same list first. */
    @PostMapping("/retention/run")
    String runRetention(@ModelAttribute("viewer") Viewer viewer, HttpServletRequest request, RedirectAttributes redirect)
            throws IOException {
        requireAdmin(viewer);
        RetentionReport report;
        try {
            report = runs.run(false, viewer.name());
        } catch (RetentionRuns.AlreadyRunningException e) {
            throw new ConsoleException(409, e.getMessage());
        }
        String outcome = report.tagsDeleted() + " tags and " + report.manifestsDeleted() + " manifests deleted";
        String notice = "Retention ran over " + report.repositoriesEvaluated() + " repositories: " + outcome
                + (report.errors().isEmpty() ? "" : ", " + report.errors().size() + " kept after an error") + ". "
                + (report.collectionNote() != null ? report.collectionNote()
                : "The space comes back with the next garbage collection.");
        return done(viewer, "retention", report.id(), outcome, notice, request, redirect);
    }

    @PostMapping("/immutable-tags")
    String saveImmutableTagRule(@ModelAttribute("viewer") Viewer viewer, @RequestParam String name,
                                @RequestParam String repositories, @RequestParam String tags,
                                HttpServletRequest request, RedirectAttributes redirect) throws IOException {
        requireAdmin(viewer);
        PolicyForm form = PolicyForm.of(Map.of("name", name, "repositories", repositories, "tags", tags));
        boolean created;
        try {
            created = immutableTags.save(name.strip(), repositories.strip(), tags.strip());
        } catch (InvalidRuleException e) {
            return refused("immutable", form.refused(e), redirect);
        }
        return done(viewer, "save-immutable-tag-rule", name.strip() + " " + repositories.strip() + " " + tags.strip(), "ok",
                "Immutable-tag rule " + name.strip() + (created ? " created." : " saved."), request, redirect);
    }

    @PostMapping("/immutable-tags/delete")
    String deleteImmutableTagRule(@ModelAttribute("viewer") Viewer viewer, @RequestParam String name,
                                  HttpServletRequest request, RedirectAttributes redirect) throws IOException {
        requireAdmin(viewer);
        return deleted(immutableTags.delete(name), "Immutable-tag rule", "delete-immutable-tag-rule", name, viewer, request,
                redirect);
    }

    /** Audits a change that was made and goes back to the page with its notice. */
    private String done(Viewer viewer, String action, String target, String result, String notice,
                        HttpServletRequest request, RedirectAttributes redirect) {
        audit.record(viewer.name(), action, target, request.getRemoteAddr(), result);
        redirect.addFlashAttribute("notice", notice);
        return "redirect:/policies";
    }

    /**
     * A save the services refused as invalid: back to the page with the form open, holding what was typed, and
     * the message beside its field, as every policy form does ({@link PolicyForm}). A rule declared in
     * configuration is not a mistake in the input: it answers with the error page (409), as the admin API does.
     */
    private static String refused(String form, PolicyForm refused, RedirectAttributes redirect) {
        redirect.addFlashAttribute(form + "Form", refused);
        return "redirect:/policies#" + form + "-form";
    }

    private static String orEmpty(String value) {
        return value == null ? "" : value;
    }

    private String deleted(boolean existed, String kind, String action, String name, Viewer viewer,
                           HttpServletRequest request, RedirectAttributes redirect) {
        if (!existed) {
            throw ConsoleException.notFound(kind.toLowerCase(java.util.Locale.ROOT) + " " + name + " does not exist");
        }
        return done(viewer, action, name, "ok", kind + " " + name + " deleted.", request, redirect);
    }

    private static Integer count(String field, String label, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Integer.valueOf(value.strip());
        } catch (NumberFormatException e) {
            throw new InvalidRuleException(field, label + " is a whole number of tags, such as 10; got \"" + cut(value) + "\"");
        }
    }

    private static Duration duration(String field, String label, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return DurationStyle.detectAndParse(value.strip());
        } catch (IllegalArgumentException e) {
            throw new InvalidRuleException(field, label + " is a duration such as 30d, 12h or 30m; got \"" + cut(value) + "\"");
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }

    private static String cut(String value) {
        return value.length() <= 40 ? value : value.substring(0, 40) + "…";
    }

    private static void requireAdmin(Viewer viewer) {
        if (!viewer.admin()) {
            throw ConsoleException.forbidden("only administrators change the registry's policies");
        }
    }
}
