/**
 * Operations: probes and readiness, metrics (HTTP routes, bytes, uploads, logins, storage operations, caches, collector runs),
 * the access log with its request id, and start-up failures reported in one line. Reads what other features
 * leave on a request (Spring's matched pattern, the authenticated user), the collector's finished runs, and
 * wraps the storage SPI; only {@code config} depends on this package (it contributes the {@code /v2} answer of
 * the readiness gate, {@link io.cangku.ops.NotReadyResponse}).
 */
package io.cangku.ops;
