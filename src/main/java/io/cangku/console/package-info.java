/** The admin REST API under {@code /api/} (users, groups, robots, access rules, audit), which the console uses. */
package io.cangku.console;
