package io.cangku.console.web;

import io.cangku.auth.AuditLog;
import io.cangku.gc.CollectionRun;
import io.cangku.gc.CollectionRuns;
import io.cangku.gc.StorageUsage;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

import java.io.IOException;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Maintenance, for administrators: garbage collection (a dry run, then a real run after a confirmation), its
 * progress while it runs, the history of runs with their reports, storage usage and the registry's status.
 * Everything goes through {@link CollectionRuns}, as {@code /api/gc} does: a run's record lives in storage,
 * so a run started on another replica shows here too, and a second start anywhere is refused.
 *
 * <p>The collection panel is one fragment ({@code run-panel}) in four states: the form, the confirmation, a
 * running run (which htmx polls every second) and a finished run's report. Without htmx the same forms post
 * and redirect back to the page.
 */
@Controller
class MaintenancePage {

    static final int RUNS_LISTED = 20;
    static final int USAGE_ROWS = 25;
    private static final int MAX_USAGE_OFFSET = 10_000_000;

    private final CollectionRuns runs;
    private final AuditLog audit;
    private final RegistryStatus status;

    MaintenancePage(CollectionRuns runs, AuditLog audit, RegistryStatus status) {
        this.runs = runs;
        this.audit = audit;
        this.status = status;
    }

    /** What the collection panel shows. */
    enum PanelState {
        form, confirm, running, finished
    }

    @GetMapping("/maintenance")
    String page(@ModelAttribute("viewer") Viewer viewer, @RequestParam(required = false) String run,
                @RequestParam(defaultValue = "0") int usageFrom, Model model) throws IOException {
        requireAdmin(viewer);
        List<CollectionRun> history = runs.recent(RUNS_LISTED);
        CollectionRun shown = null;
        if (run != null) {
            shown = runs.find(run).orElseThrow(() -> ConsoleException.notFound("no collection run " + run
                    + " (only the last " + runs.properties().keepRuns() + " are kept)"));
        } else if (!history.isEmpty() && history.getFirst().state() == CollectionRun.State.running) {
            shown = history.getFirst();
        }
        fullPage(model, history, usageFrom);
        panel(model, shown == null ? PanelState.form : stateOf(shown), shown, false);
        return "maintenance";
    }

    /** The panel of one run: htmx polls this while it runs; a finished run also refreshes the history and usage. */
    @GetMapping("/maintenance/run")
    String run(@ModelAttribute("viewer") Viewer viewer, @RequestParam String id, HttpServletRequest request, Model model)
            throws IOException {
        requireAdmin(viewer);
        if (!isHtmx(request)) {
            return "redirect:/maintenance?run=" + RepositoryPages.encode(id);
        }
        CollectionRun run = runs.find(id).orElseThrow(() -> ConsoleException.notFound("no collection run " + id));
        panel(model, stateOf(run), run, false);
        if (run.state() != CollectionRun.State.running) {
            fullPage(model, runs.recent(RUNS_LISTED), 0);
            model.addAttribute("refresh", true);
        }
        return "maintenance-poll :: poll";
    }

    /**
     * {@code mode}: {@code dry-run} starts a dry run; {@code confirm} only shows the confirmation for a real
     * run (nothing starts); {@code real} starts the real run (the confirmation's button).
     */
    @PostMapping("/maintenance/collect")
    String collect(@ModelAttribute("viewer") Viewer viewer, @RequestParam String mode,
                   @RequestParam(defaultValue = "false") boolean deleteUntagged, HttpServletRequest request,
                   HttpServletResponse response, Model model, RedirectAttributes redirect) throws IOException {
        requireAdmin(viewer);
        boolean htmx = isHtmx(request);
        if (mode.equals("confirm")) {
            model.addAttribute("deleteUntagged", deleteUntagged);
            model.addAttribute("lastDryRun", lastDryRun(runs.recent(RUNS_LISTED)).orElse(null));
            panel(model, PanelState.confirm, null, true);
            if (htmx) {
                return "maintenance :: run-panel";
            }
            fullPage(model, runs.recent(RUNS_LISTED), 0);
            return "maintenance";
        }
        if (!mode.equals("dry-run") && !mode.equals("real")) {
            throw ConsoleException.badRequest("mode must be dry-run, confirm or real; use the buttons on the Maintenance page");
        }
        boolean dryRun = mode.equals("dry-run");
        CollectionRun started;
        String notice = null;
        try {
            started = runs.start(dryRun, deleteUntagged, viewer.name());
            audit.record(viewer.name(), dryRun ? "gc-dry-run" : "gc", started.id(), request.getRemoteAddr(), "started");
        } catch (CollectionRuns.AlreadyRunningException e) {
            // Not an error page: the run that holds the lease is shown instead, with what to do.
            started = runs.find(e.runId()).orElse(null);
            notice = "A collection is already running on " + (started == null ? "another replica" : started.owner())
                    + " (its lease runs until " + new Format().time(e.leaseExpiresAt()) + "). Only one runs at a time "
                    + "across all replicas" + (started == null ? "" : "; its progress is shown here")
                    + ". Start yours when it has finished.";
            if (!htmx) {
                redirect.addFlashAttribute("notice", notice);
                return started == null ? "redirect:/maintenance" : "redirect:/maintenance?run=" + started.id();
            }
            response.setStatus(200); // htmx swaps 2xx only; the notice says what happened
        }
        if (!htmx) {
            return "redirect:/maintenance?run=" + started.id();
        }
        model.addAttribute("notice", notice);
        // Rendered from the record start() returned, so the first view is always the run in progress, then polled.
        panel(model, started == null ? PanelState.form : stateOf(started), started, true);
        return "maintenance :: run-panel";
    }

    private void fullPage(Model model, List<CollectionRun> history, int usageFrom) throws IOException {
        model.addAttribute("nav", "maintenance");
        model.addAttribute("status", status.now());
        model.addAttribute("history", history);
        Optional<StorageUsage> usage = runs.usage();
        model.addAttribute("usage", usage.orElse(null));
        if (usage.isPresent()) {
            List<StorageUsage.RepositoryUsage> all = usage.get().repositories();
            int from = Math.max(0, Math.min(usageFrom, Math.min(MAX_USAGE_OFFSET, all.size())));
            // the largest first: what an administrator looking for space wants to see
            List<StorageUsage.RepositoryUsage> sorted = all.stream()
                    .sorted(Comparator.comparingLong(StorageUsage.RepositoryUsage::referencedBytes).reversed()
                            .thenComparing(StorageUsage.RepositoryUsage::name))
                    .skip(from).limit(USAGE_ROWS).toList();
            long referencedSum = all.stream().mapToLong(StorageUsage.RepositoryUsage::referencedBytes).sum();
            model.addAttribute("usageRows", sorted);
            model.addAttribute("usageFrom", from);
            model.addAttribute("usageNext", from + USAGE_ROWS < all.size() ? from + USAGE_ROWS : null);
            model.addAttribute("usagePrevious", from > 0 ? Math.max(0, from - USAGE_ROWS) : null);
            model.addAttribute("referencedSum", referencedSum);
        }
    }

    private void panel(Model model, PanelState state, CollectionRun run, boolean focus) {
        model.addAttribute("gracePeriod", runs.properties().gracePeriod());
        model.addAttribute("panel", state.name());
        model.addAttribute("run", run);
        model.addAttribute("focus", focus);
    }

    private static PanelState stateOf(CollectionRun run) {
        return run.state() == CollectionRun.State.running ? PanelState.running : PanelState.finished;
    }

    private static Optional<CollectionRun> lastDryRun(List<CollectionRun> history) {
        return history.stream().filter(r -> r.dryRun() && r.state() == CollectionRun.State.succeeded && r.report() != null)
                .findFirst();
    }

    private static boolean isHtmx(HttpServletRequest request) {
        return request.getHeader("HX-Request") != null;
    }

    private static void requireAdmin(Viewer viewer) {
        if (!viewer.admin()) {
            throw ConsoleException.forbidden("only administrators run garbage collection and see storage usage");
        }
    }
}
