package io.cangku.gc;

import io.cangku.registry.ReliancePolicy;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Hands the registry's write paths the times that keep them safe from the collector. */
@Configuration(proxyBeanMethods = false)
class GcConfiguration {

    @Bean
    ReliancePolicy reliancePolicy(GcProperties properties) {
        return ReliancePolicy.forGracePeriod(properties.gracePeriod(), properties.leaseTtl());
    }
}
