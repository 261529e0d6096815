package io.cangku.console;

import io.cangku.auth.AuditLog;
import io.cangku.policy.InvalidRuleException;
import io.cangku.quota.Quota;
import io.cangku.quota.Quotas;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

import java.io.IOException;
import java.security.Principal;
import java.time.Instant;
import java.util.List;

/**
 * Storage quotas ({@code /api/quotas}), administrators only, each with its usage and limit. Quotas are kept in
 * storage, so every replica enforces a change at once; those declared in configuration are listed but cannot be
 * changed here. A PUT counts the quota's usage at once (a PUT of an unchanged quota counts it again).
 */
@RestController
@RequestMapping("/api/quotas")
class QuotasApi {

    private final Quotas quotas;
    private final AuditLog audit;

    QuotasApi(Quotas quotas, AuditLog audit) {
        this.quotas = quotas;
        this.audit = audit;
    }

    /** {@code limit} as configuration writes it ({@code 500MB}, {@code 10GB}: powers of 1024) or in bytes. */
    record QuotaRequest(String repositories, String limit) {
    }

    /** A quota with its usage: what its repositories reference, each distinct blob once, as last counted. */
    record QuotaView(String name, String repositories, long limitBytes, long usedBytes, long blobs, Instant countedAt,
                     boolean declared) {
        static QuotaView of(Quotas.QuotaUsage usage) {
            Quota q = usage.quota();
            return new QuotaView(q.name(), q.repositories(), q.limitBytes(), usage.usedBytes(), usage.blobs(),
                    usage.countedAt(), q.declared());
        }
    }

    @GetMapping
    List<QuotaView> list() throws IOException {
        return quotas.usage().stream().map(QuotaView::of).toList();
    }

    @GetMapping("/{name}")
    QuotaView quota(@PathVariable String name) throws IOException {
        Quota quota = quotas.find(name).orElseThrow(() -> AccountsApi.notFound("quota " + name));
        return QuotaView.of(quotas.usage(quota));
    }

    @PutMapping("/{name}")
    ResponseEntity<QuotaView> save(@PathVariable String name, @RequestBody QuotaRequest body, Principal principal,
                                   HttpServletRequest request) throws IOException {
        long limit;
        boolean created;
        try {
            limit = Quotas.parseLimit(body.limit());
            created = quotas.save(name, body.repositories(), limit);
        } catch (InvalidRuleException e) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST, e.getMessage());
        }
        audit.record(actor(principal), "save-quota", name + " " + body.repositories() + " " + limit, request.getRemoteAddr(), "ok");
        Quota saved = quotas.find(name).orElseThrow(() -> AccountsApi.notFound("quota " + name));
        return ResponseEntity.status(created ? HttpStatus.CREATED : HttpStatus.OK).body(QuotaView.of(quotas.usage(saved)));
    }

    @DeleteMapping("/{name}")
    ResponseEntity<Void> delete(@PathVariable String name, Principal principal, HttpServletRequest request) throws IOException {
        if (!quotas.delete(name)) {
            throw AccountsApi.notFound("quota " + name);
        }
        audit.record(actor(principal), "delete-quota", name, request.getRemoteAddr(), "ok");
        return ResponseEntity.noContent().build();
    }

    private static String actor(Principal principal) {
        return principal == null ? "anonymous" : principal.getName(); // null: authentication is off
    }
}
