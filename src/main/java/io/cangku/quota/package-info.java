/**
 * Storage quotas (placeholder; the design is written below once measured).
 */
package io.cangku.quota;
