package io.cangku.config;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.observation.SecurityObservationSettings;

/**
 * No Micrometer observations of Spring Security's own steps (each filter of the chain, authentication,
 * authorization). Nothing reads them: requests are timed once as {@code http.server.requests}, logins
 * counted as {@code cangku.logins}. A JFR profile of manifest GETs on 64 connections put 6 % of the
 * registry's samples in the wrapper that starts and stops an observation around each of the chain's
 * dozen filters.
 */
@Configuration(proxyBeanMethods = false)
class SecurityObservationConfiguration {

    @Bean
    SecurityObservationSettings securityObservationSettings() {
        return SecurityObservationSettings.noObservations();
    }
}
