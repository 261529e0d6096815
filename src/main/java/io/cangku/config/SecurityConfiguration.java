package io.cangku.config;

import io.cangku.auth.AccountAuthenticationProvider;
import io.cangku.auth.AuthProperties;
import io.cangku.auth.RegistryTokenFilter;
import io.cangku.auth.TokenService;
import io.cangku.console.AdminApiProblems;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.security.web.firewall.RequestRejectedHandler;


/**
 * The security filter chains, in order: the admin API ({@code /api/**}, HTTP basic, administrators only),
 * then everything else, where {@code /v2} requests carry registry tokens that the {@code /v2} access check
 * evaluates per request (so its 401 can name the scope) and {@code /token} hands them out.
 */
// Not in the gc command, which runs without a web server.
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication
class SecurityConfiguration {

    private static final Logger log = LoggerFactory.getLogger(SecurityConfiguration.class);

    @Bean
    @Order(1)
    SecurityFilterChain adminApiFilterChain(HttpSecurity http, AuthProperties properties,
                                            AccountAuthenticationProvider accounts, AdminApiProblems problems) throws Exception {
        http.securityMatcher("/api/**");
        stateless(http);
        if (!properties.enabled()) {
            return http.authorizeHttpRequests(a -> a.anyRequest().permitAll()).build();
        }
        AuthenticationEntryPoint entryPoint = problems.entryPoint(properties.service());
        // A manager of its own, without the global one as parent: ProviderManager asks its parent again after
        // a failure, and the parent holds the same provider, so every wrong password was checked, counted by
        // the throttle and audited twice.
        return http.authenticationManager(new ProviderManager(accounts))
                .httpBasic(b -> b.authenticationEntryPoint(entryPoint))
                .exceptionHandling(e -> e.authenticationEntryPoint(entryPoint).accessDeniedHandler(problems.accessDenied()))
                // deleting a repository is also for whoever may delete in it: RepositoriesApi checks that
                .authorizeHttpRequests(a -> a.requestMatchers(HttpMethod.DELETE, "/api/repositories/**").authenticated()
                        .anyRequest().hasRole("ADMIN"))
                .build();
    }

    @Bean
    @Order(2)
    SecurityFilterChain registryFilterChain(HttpSecurity http, AuthProperties properties, TokenService tokens) throws Exception {
        stateless(http);
        if (properties.enabled()) {
            http.addFilterBefore(new RegistryTokenFilter(tokens), AnonymousAuthenticationFilter.class);
        } else {
            log.warn("registry.auth.mode=none: this registry is open, anyone who can reach it may push, pull and delete");
        }
        return http.authorizeHttpRequests(a -> a.anyRequest().permitAll()).build();
    }

    /**
     * The request firewall refuses paths with encoded slashes, dot segments and the like. For {@code /v2}
     * those are always a bad repository name, so the answer is the spec's NAME_INVALID instead of a bare 400;
     * {@code /token} and {@code /api} get their own formats ({@link ProtocolErrors}).
     */
    @Bean
    RequestRejectedHandler protocolRequestRejectedHandler(ProtocolErrors errors) {
        return (request, response, rejected) -> {
            if (!errors.write(request, response, 400,
                    "the request path contains characters or segments a repository name cannot hold (encoded '/', '..', ';')")) {
                response.sendError(400);
            }
        };
    }

    private static void stateless(HttpSecurity http) throws Exception {
        http.csrf(csrf -> csrf.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(c -> c.disable())
                .securityContext(c -> c.requireExplicitSave(true))
                .headers(h -> h.cacheControl(cc -> cc.disable()));
    }
}
