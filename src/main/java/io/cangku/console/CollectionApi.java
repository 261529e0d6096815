package io.cangku.console;

import io.cangku.auth.AuditLog;
import io.cangku.gc.CollectionRun;
import io.cangku.gc.CollectionRuns;
import io.cangku.gc.StorageUsage;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

import java.io.IOException;
import java.net.URI;
import java.security.Principal;
import java.util.List;

/**
 * Garbage collection ({@code /api/gc}) and storage usage ({@code /api/usage}), administrators only. A run
 * started here runs on this replica; its record lives in storage, so any replica answers for it.
 */
@RestController
@RequestMapping("/api")
class CollectionApi {

    private static final int MAX_RUNS_LISTED = 100;

    private final CollectionRuns runs;
    private final AuditLog audit;

    CollectionApi(CollectionRuns runs, AuditLog audit) {
        this.runs = runs;
        this.audit = audit;
    }

    /** Both optional: an empty body asks for a real run that keeps untagged manifests. */
    record RunRequest(Boolean dryRun, Boolean deleteUntagged) {
    }

    @PostMapping("/gc")
    ResponseEntity<?> start(@RequestBody(required = false) RunRequest body, Principal principal, HttpServletRequest request)
            throws IOException {
        boolean dryRun = body != null && Boolean.TRUE.equals(body.dryRun());
        boolean deleteUntagged = body != null && Boolean.TRUE.equals(body.deleteUntagged());
        String actor = principal == null ? "anonymous" : principal.getName(); // null: authentication is off
        try {
            CollectionRun run = runs.start(dryRun, deleteUntagged, actor);
            audit.record(actor, dryRun ? "gc-dry-run" : "gc", run.id(), request.getRemoteAddr(), "started");
            return ResponseEntity.accepted().location(URI.create("/api/gc/" + run.id())).body(run);
        } catch (CollectionRuns.AlreadyRunningException e) {
            ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT, e.getMessage()
                    + "; wait for it to finish (GET /api/gc/" + e.runId() + ")");
            problem.setProperty("runningId", e.runId());
            return ResponseEntity.status(HttpStatus.CONFLICT).body(problem);
        }
    }

    @GetMapping("/gc/{id}")
    CollectionRun run(@PathVariable String id) throws IOException {
        return runs.find(id).orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND, "no collection run " + id));
    }

    @GetMapping("/gc")
    List<CollectionRun> recent(@RequestParam(defaultValue = "20") int limit) throws IOException {
        return runs.recent(Math.max(1, Math.min(limit, MAX_RUNS_LISTED)));
    }

    @GetMapping("/usage")
    StorageUsage usage() throws IOException {
        return runs.usage().orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND,
                "no usage figures yet: they come from a garbage collection; start one with POST /api/gc {\"dryRun\": true}"));
    }
}
