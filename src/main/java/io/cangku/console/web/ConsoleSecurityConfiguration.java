package io.cangku.console.web;

import io.cangku.auth.AccountAuthenticationProvider;
import io.cangku.auth.AuthProperties;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AuthenticationFailureHandler;
import org.springframework.security.web.authentication.SavedRequestAwareAuthenticationSuccessHandler;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter;
import org.springframework.security.web.util.matcher.RequestMatcher;

/**
 * The console's security filter chain, ahead of the admin API's and the registry's chains: every path that is
 * not {@code /v2}, {@code /token}, {@code /api} or the error page. A session cookie after a form sign-in with a
 * registry account (the same throttled, audited check as {@code docker login}), CSRF tokens on every form and
 * htmx request, sign-out, an idle timeout, and a strict Content-Security-Policy: the pages load only their own
 * CSS and scripts, so an injected script has nowhere to come from.
 */
// Not in the gc command, which runs without a web server.
@Configuration(proxyBeanMethods = false)
@org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication
class ConsoleSecurityConfiguration {

    static final String LOGIN = "/login";

    /** Paths other chains own; everything else is the console's. */
    static final RequestMatcher CONSOLE_PATHS = request -> {
        String path = pathOf(request);
        return !(path.equals("/v2") || path.startsWith("/v2/") || path.equals("/token") || path.startsWith("/token/")
                || path.equals("/api") || path.startsWith("/api/") || path.equals("/error")
                // the probes (io.cangku.ops) stay open without login on the registry port
                || path.equals("/livez") || path.equals("/readyz") || path.startsWith("/livez/") || path.startsWith("/readyz/")
                // Actuator on the management port (its own access rules, see README: Operations)
                || path.equals("/actuator") || path.startsWith("/actuator/"));
    };

    private static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
            + "object-src 'none'";

    @Bean
    @Order(0)
    SecurityFilterChain consoleFilterChain(HttpSecurity http, AuthProperties auth, AccountAuthenticationProvider accounts,
                                           ConsoleProperties properties) throws Exception {
        http.securityMatcher(CONSOLE_PATHS)
                .headers(h -> h.contentSecurityPolicy(csp -> csp.policyDirectives(CONTENT_SECURITY_POLICY))
                        .frameOptions(f -> f.deny())
                        .referrerPolicy(r -> r.policy(ReferrerPolicyHeaderWriter.ReferrerPolicy.SAME_ORIGIN)))
                .addFilterBefore(new ServerTimingFilter(), org.springframework.security.web.header.HeaderWriterFilter.class);
        if (!auth.enabled()) {
            // an open registry (registry.auth.mode=none) has no accounts to sign in with; its console is open too
            return http.authorizeHttpRequests(a -> a.anyRequest().permitAll()).build();
        }
        SavedRequestAwareAuthenticationSuccessHandler toPageAsked = new SavedRequestAwareAuthenticationSuccessHandler();
        toPageAsked.setDefaultTargetUrl("/repositories");
        AuthenticationFailureHandler failure = (request, response, e) -> response.sendRedirect(request.getContextPath()
                + LOGIN + (e instanceof AccountAuthenticationProvider.ThrottledException ? "?throttled" : "?error"));
        // A manager of its own without the global parent, as for /api: a parent holding the same provider
        // would check, count and audit every wrong password twice.
        return http.authenticationManager(new ProviderManager(accounts))
                .formLogin(f -> f.loginPage(LOGIN).permitAll()
                        .successHandler((request, response, authentication) -> {
                            request.getSession().setMaxInactiveInterval((int) properties.sessionTimeout().toSeconds());
                            toPageAsked.onAuthenticationSuccess(request, response, authentication);
                        })
                        .failureHandler(failure))
                .logout(l -> l.logoutUrl("/logout").logoutSuccessUrl(LOGIN + "?signedOut")
                        .deleteCookies("JSESSIONID").invalidateHttpSession(true))
                .sessionManagement(s -> s.invalidSessionUrl(LOGIN + "?expired"))
                .authorizeHttpRequests(a -> a
                        // the sign-in page with any of its notices (?error, ?expired, ?signedOut...)
                        .requestMatchers(LOGIN, "/css/**", "/js/**", "/webjars/**", "/favicon.svg", "/favicon.ico").permitAll()
                        .anyRequest().authenticated())
                .build();
    }

    private static String pathOf(HttpServletRequest request) {
        String uri = request.getRequestURI();
        String context = request.getContextPath();
        return context.isEmpty() ? uri : uri.substring(Math.min(context.length(), uri.length()));
    }
}
