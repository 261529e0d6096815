/**
 * Operations: probes and readiness, metrics (HTTP routes, bytes, uploads, logins, storage operations, caches, collector runs),
 * the access log with its request id, and start-up failures reported in one line. Reads what other features
 * leave on a request (Spring's matched pattern, the authenticated user) and wraps the storage SPI; nothing
 * depends on this package.
 */
package io.cangku.ops;
