/**
 * Who may do what: Docker token authentication ({@code /token}), users, groups and robot accounts, access
 * rules per repository pattern, login throttling and the audit log, and the Spring Security wiring for
 * {@code /v2}.
 */
package io.cangku.auth;
