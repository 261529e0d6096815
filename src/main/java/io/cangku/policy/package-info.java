/**
 * Retention policies and immutable tags: which tags a registry keeps, removes on a schedule, or refuses to
 * move. Rules come from configuration and from the admin API (kept in storage under {@code _policy/}, so every
 * replica sees them); deletions go through the registry's services, and the garbage collector frees the space.
 * Pull times are recorded here too: in memory on every pull, written to storage once per flush interval.
 */
package io.cangku.policy;
