package io.cangku.console;

import io.cangku.auth.AccessPolicy;
import io.cangku.auth.AccountDirectory;
import io.cangku.auth.AuditLog;
import io.cangku.auth.Scope;
import io.cangku.auth.Subject;
import io.cangku.oci.RepositoryName;
import io.cangku.registry.RegistryProperties;
import io.cangku.registry.RepositoryService;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

import java.io.IOException;
import java.security.Principal;
import java.util.Set;

/**
 * {@code DELETE /api/repositories/{name}}: removes a whole repository (its tags, revisions, links and catalog
 * entry); the next garbage collection frees the blobs no other repository uses. Administrators, and whoever
 * may delete in the repository.
 */
@RestController
@RequestMapping("/api/repositories")
class RepositoriesApi {

    private static final String PREFIX = "/api/repositories/";

    private final RepositoryService repositories;
    private final AccessPolicy policy;
    private final AccountDirectory directory;
    private final AuditLog audit;
    private final RegistryProperties properties;

    RepositoriesApi(RepositoryService repositories, AccessPolicy policy, AccountDirectory directory, AuditLog audit,
                    RegistryProperties properties) {
        this.repositories = repositories;
        this.policy = policy;
        this.directory = directory;
        this.audit = audit;
        this.properties = properties;
    }

    /** The name is the rest of the path: repository names contain slashes. */
    @DeleteMapping("/**")
    ResponseEntity<Void> delete(@RequestParam(defaultValue = "false") boolean force, Principal principal,
                                HttpServletRequest request) throws IOException {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        String name = path.startsWith(PREFIX) ? path.substring(PREFIX.length()) : "";
        if (!RepositoryName.isValid(name)) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "\"" + abbreviate(name) + "\" is not a valid repository name");
        }
        if (!properties.delete().enabled()) {
            throw new ResponseStatusException(HttpStatus.METHOD_NOT_ALLOWED, "deleting is disabled on this registry (registry.delete.enabled=false)");
        }
        // no principal: authentication is off (registry.auth.mode=none), where anyone may do anything
        String actor = principal == null ? "anonymous" : principal.getName();
        if (principal != null) {
            Subject subject = directory.findAccount(actor).map(Subject::of)
                    .orElseThrow(() -> new ResponseStatusException(HttpStatus.FORBIDDEN, "account " + actor + " no longer exists"));
            if (policy.allowedActions(subject, Scope.repository(name, Set.of(Scope.DELETE))).isEmpty()) {
                throw new ResponseStatusException(HttpStatus.FORBIDDEN, actor + " may not delete in " + name);
            }
            if (force && !subject.admin()) {
                throw new ResponseStatusException(HttpStatus.FORBIDDEN,
                        "only administrators may delete a repository with force (past its immutable tags)");
            }
        }
        if (!repositories.delete(RepositoryName.parse(name), force)) {
            throw new ResponseStatusException(HttpStatus.NOT_FOUND, "repository " + name + " does not exist");
        }
        audit.record(actor, force ? "delete-repository-forced" : "delete-repository", name, request.getRemoteAddr(), "ok");
        return ResponseEntity.noContent().build();
    }

    private static String abbreviate(String text) {
        return text.length() > 80 ? text.substring(0, 80) + "…" : text;
    }
}
