package io.cangku.auth;

import java.time.Instant;

/**
 * One audited action: who ({@code actor}, null for anonymous) did what ({@code action}: login, push,
 * delete, user/rule changes...) to which repository or object, from which address, with which result.
 */
public record AuditEvent(Instant at, String actor, String action, String target, String clientAddress, String result) {
}
