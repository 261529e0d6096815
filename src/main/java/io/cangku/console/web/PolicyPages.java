package io.cangku.console.web;

import io.cangku.auth.AuditLog;
import io.cangku.events.Notifications;
import io.cangku.policy.ImmutableTags;
import io.cangku.policy.InvalidRuleException;
import io.cangku.policy.RetentionPolicies;
import io.cangku.policy.RetentionReport;
import io.cangku.policy.RetentionRuns;
import io.cangku.quota.Quota;
import io.cangku.quota.Quotas;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Policies (administrators), in three tabs. Retention policies and immutable-tag rules, read-only (the admin API
 * and configuration change them), with a dry run of retention that touches nothing. Storage quotas with their
 * usage, added, changed and removed here through {@link Quotas}, the same service as {@code /api/quotas}, so the
 * form answers with the admin API's messages, each beside its field. Webhook endpoints with their delivery status,
 * read-only: they are configuration ({@code registry.notifications.endpoints}), and the admin API cannot change them
 * either. Each tab reads one page of its rows only: a quota not counted yet is counted when its page is shown.
 */
@Controller
// the gc command has no web server, and no delivery whose status this would show
@ConditionalOnWebApplication
class PolicyPages {

    private static final String QUOTAS = "/policies/quotas";

    private final RetentionPolicies policies;
    private final ImmutableTags immutableTags;
    private final RetentionRuns runs;
    private final Quotas quotas;
    private final Notifications notifications;
    private final AuditLog audit;
    private final int pageSize;

    PolicyPages(RetentionPolicies policies, ImmutableTags immutableTags, RetentionRuns runs, Quotas quotas,
                Notifications notifications, AuditLog audit, ConsoleProperties console) {
        this.policies = policies;
        this.immutableTags = immutableTags;
        this.runs = runs;
        this.quotas = quotas;
        this.notifications = notifications;
        this.audit = audit;
        this.pageSize = console.pageSize();
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
        tab(model, "retention");
        // a refused save redirected here with its form in the flash map (PolicyChanges); else both forms start empty
        for (String form : List.of("retentionForm", "immutableForm")) {
            if (!model.containsAttribute(form)) {
                model.addAttribute(form, PolicyForm.empty());
            }
        }
        model.addAttribute("policies", policies.list());
        model.addAttribute("immutableTags", immutableTags.list());
        model.addAttribute("report", report);
        return "policies";
    }

    // ---- quotas

    /** One quota as its row shows it; {@code percentUsed} may pass 100 after the limit was lowered. */
    record QuotaRow(Quota quota, long usedBytes, long blobs, Instant countedAt, int percentUsed) {

        static QuotaRow of(Quotas.QuotaUsage usage) {
            long limit = usage.quota().limitBytes();
            int percent = (int) Math.min(999, Math.round(usage.usedBytes() * 100.0 / limit));
            return new QuotaRow(usage.quota(), usage.usedBytes(), usage.blobs(), usage.countedAt(), percent);
        }
    }

    /** A quota's limit as one would type it: {@code 10GB} when it is a whole number of a unit, else bytes. */
    static String limitText(long bytes) {
        String[] units = {"TB", "GB", "MB", "KB"};
        for (int i = 0; i < units.length; i++) {
            long unit = 1L << (10 * (units.length - i));
            if (bytes % unit == 0) {
                return bytes / unit + units[i];
            }
        }
        return Long.toString(bytes);
    }

    @GetMapping(QUOTAS)
    String quotas(@ModelAttribute("viewer") Viewer viewer, @RequestParam(defaultValue = "1") int page,
                  @RequestParam(required = false) String edit, Model model) throws IOException {
        requireAdmin(viewer);
        PolicyForm form = (PolicyForm) model.getAttribute("quotaForm");
        if (form == null && edit != null) {
            Quota quota = changeable(edit);
            form = PolicyForm.of(Map.of("name", quota.name(), "repositories", quota.repositories(),
                    "limit", limitText(quota.limitBytes()), "editing", "true"));
        }
        return quotaPage(model, page, form != null ? form : PolicyForm.empty());
    }

    @PostMapping(QUOTAS)
    String saveQuota(@ModelAttribute("viewer") Viewer viewer, @RequestParam String name, @RequestParam String repositories,
                     @RequestParam String limit, @RequestParam(defaultValue = "false") boolean editing,
                     HttpServletRequest request, RedirectAttributes redirect) throws IOException {
        requireAdmin(viewer);
        String quotaName = name.strip();
        String glob = repositories.strip();
        try {
            Optional<Quota> existing = quotas.find(quotaName);
            if (existing.isPresent() && existing.get().declared()) {
                throw new InvalidRuleException("name", "quota " + quotaName + " is declared in configuration (registry.quotas); "
                        + "change it there");
            }
            if (existing.isPresent() && !editing) {
                throw new InvalidRuleException("name", "a quota named " + quotaName + " exists already; edit it in the list");
            }
            long limitBytes = Quotas.parseLimit(limit);
            quotas.save(quotaName, glob, limitBytes);
            // the same audit action as PUT /api/quotas/{name}
            audit.record(viewer.name(), "save-quota", quotaName + " " + glob + " " + limitBytes, request.getRemoteAddr(), "ok");
        } catch (InvalidRuleException e) {
            // as every policy form: back to the page, holding what was typed, the message beside its field
            redirect.addFlashAttribute("quotaForm", PolicyForm.of(Map.of("name", quotaName, "repositories", glob,
                    "limit", limit, "editing", Boolean.toString(editing))).refused(e));
            return "redirect:" + QUOTAS + "#quota-form-h";
        }
        redirect.addFlashAttribute("notice", "Quota " + quotaName + " saved: its usage was counted just now.");
        return "redirect:" + QUOTAS;
    }

    @GetMapping(QUOTAS + "/delete")
    String confirmQuotaDelete(@ModelAttribute("viewer") Viewer viewer, @RequestParam String name, Model model)
            throws IOException {
        requireAdmin(viewer);
        Quota quota = changeable(name);
        model.addAttribute("nav", "policies");
        model.addAttribute("title", "Remove quota " + quota.name() + "?");
        model.addAttribute("explanation", "Pushes to " + quota.repositories() + " will no longer be held to "
                + new Format().bytes(quota.limitBytes()) + " by this quota (other quotas covering them still apply). "
                + "Nothing stored is deleted.");
        model.addAttribute("items", List.of());
        model.addAttribute("action", QUOTAS + "/delete");
        model.addAttribute("fields", Map.of("name", quota.name()));
        model.addAttribute("cancel", QUOTAS);
        model.addAttribute("confirmLabel", "Remove quota " + quota.name());
        return "confirm";
    }

    @PostMapping(QUOTAS + "/delete")
    String deleteQuota(@ModelAttribute("viewer") Viewer viewer, @RequestParam String name, HttpServletRequest request,
                       RedirectAttributes redirect) throws IOException {
        requireAdmin(viewer);
        Quota quota = changeable(name);
        if (!quotas.delete(quota.name())) {
            throw ConsoleException.notFound("quota " + name + " does not exist (removed meanwhile?)");
        }
        // the same audit action as DELETE /api/quotas/{name}
        audit.record(viewer.name(), "delete-quota", quota.name(), request.getRemoteAddr(), "ok");
        redirect.addFlashAttribute("notice", "Quota " + quota.name() + " removed.");
        return "redirect:" + QUOTAS;
    }

    private String quotaPage(Model model, int page, PolicyForm form) throws IOException {
        tab(model, "quotas");
        Page<Quota> shown = Page.of(quotas.list(), page, pageSize);
        List<QuotaRow> rows = new ArrayList<>(shown.items().size());
        for (Quota quota : shown.items()) {
            rows.add(QuotaRow.of(quotas.usage(quota)));
        }
        model.addAttribute("quotas", rows);
        model.addAttribute("paging", shown);
        model.addAttribute("form", form);
        return "quotas";
    }

    /** The quota, which must exist and come from the admin API (declared ones are changed in configuration). */
    private Quota changeable(String name) throws IOException {
        Optional<Quota> quota = quotas.find(name);
        if (quota.isEmpty()) {
            throw ConsoleException.notFound("quota " + name + " does not exist");
        }
        if (quota.get().declared()) {
            throw new ConsoleException(409, "quota " + name + " is declared in configuration (registry.quotas); change it there");
        }
        return quota.get();
    }

    // ---- notifications

    @GetMapping("/policies/notifications")
    String notifications(@ModelAttribute("viewer") Viewer viewer, @RequestParam(defaultValue = "1") int page, Model model)
            throws IOException {
        requireAdmin(viewer);
        tab(model, "notifications");
        Page<Notifications.EndpointReport> shown = Page.of(notifications.endpoints(), page, pageSize);
        model.addAttribute("endpoints", shown.items());
        model.addAttribute("paging", shown);
        return "notifications";
    }

    /** One page of a short list held whole (quotas and endpoints: tens, bounded by configuration and the admin API). */
    record Page<T>(List<T> items, int number, int pages) {

        static <T> Page<T> of(List<T> all, int number, int size) {
            int pages = Math.max(1, (all.size() + size - 1) / size);
            if (number < 1 || number > pages) {
                throw ConsoleException.badRequest("there is no page " + number + "; pages run from 1 to " + pages);
            }
            int from = (number - 1) * size;
            return new Page<>(List.copyOf(all.subList(from, Math.min(all.size(), from + size))), number, pages);
        }
    }

    private static void tab(Model model, String tab) {
        model.addAttribute("nav", "policies");
        model.addAttribute("tab", tab);
    }

    private static void requireAdmin(Viewer viewer) {
        if (!viewer.admin()) {
            throw ConsoleException.forbidden("only administrators see the registry's policies");
        }
    }
}
