package io.cangku.console.web;

import io.cangku.policy.ImmutableTags;
import io.cangku.policy.RetentionPolicies;
import io.cangku.policy.RetentionReport;
import io.cangku.policy.RetentionRuns;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PostMapping;

import java.io.IOException;

/**
 * Policies (administrators): the retention policies and immutable-tag rules, read-only (the admin API and
 * configuration change them), and a dry run of retention showing what a run would delete, touching nothing.
 */
@Controller
class PolicyPages {

    private final RetentionPolicies policies;
    private final ImmutableTags immutableTags;
    private final RetentionRuns runs;

    PolicyPages(RetentionPolicies policies, ImmutableTags immutableTags, RetentionRuns runs) {
        this.policies = policies;
        this.immutableTags = immutableTags;
        this.runs = runs;
    }

    @GetMapping("/policies")
    String policies(@ModelAttribute("viewer") Viewer viewer, Model model) throws IOException {
        return page(viewer, model, null);
    }

    /** A POST although it changes nothing: it can take a while, and no crawler or prefetch should start one. */
    @PostMapping("/policies/dry-run")
    String dryRun(@ModelAttribute("viewer") Viewer viewer, Model model) throws IOException {
        requireAdmin(viewer);
        try {
            return page(viewer, model, runs.run(true, viewer.name()));
        } catch (RetentionRuns.AlreadyRunningException e) {
            throw new ConsoleException(409, e.getMessage());
        }
    }

    private String page(Viewer viewer, Model model, RetentionReport report) throws IOException {
        requireAdmin(viewer);
        model.addAttribute("nav", "policies");
        model.addAttribute("policies", policies.list());
        model.addAttribute("immutableTags", immutableTags.list());
        model.addAttribute("report", report);
        return "policies";
    }

    private static void requireAdmin(Viewer viewer) {
        if (!viewer.admin()) {
            throw ConsoleException.forbidden("only administrators see the registry's policies");
        }
    }
}
