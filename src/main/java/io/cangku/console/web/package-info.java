/**
 * The web console served at {@code /}: server-rendered Thymeleaf pages with htmx for the live parts, behind a
 * session-cookie login of its own. It shows and changes only what the signed-in account may pull, push or
 * delete, through the same {@link io.cangku.auth.AccessPolicy} as {@code /v2}.
 */
package io.cangku.console.web;
