package io.cangku.auth;

import io.cangku.api.OciErrorWriter;
import io.cangku.oci.OciError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.firewall.RequestRejectedHandler;

import java.util.Map;

/** The security filter chain. */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

    private static final Logger log = LoggerFactory.getLogger(SecurityConfiguration.class);

    @Bean
    SecurityFilterChain registryFilterChain(HttpSecurity http, AuthProperties properties) throws Exception {
        if (!properties.enabled()) {
            log.warn("registry.auth.mode=none: this registry is open, anyone who can reach it may push, pull and delete");
        }
        http.csrf(csrf -> csrf.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(c -> c.disable())
                .securityContext(c -> c.requireExplicitSave(true))
                .headers(h -> h.cacheControl(cc -> cc.disable()))
                .authorizeHttpRequests(a -> a.anyRequest().permitAll());
        return http.build();
    }

    /**
     * The request firewall refuses paths with encoded slashes, dot segments and the like. For {@code /v2}
     * those are always a bad repository name, so answer with the spec's error instead of a bare 400.
     */
    @Bean
    RequestRejectedHandler ociRequestRejectedHandler(OciErrorWriter errors) {
        return (request, response, rejected) -> errors.write(request, response, 400, OciError.NAME_INVALID,
                "the request path contains characters or segments a repository name cannot hold (encoded '/', '..', ';')",
                null, Map.of());
    }
}
