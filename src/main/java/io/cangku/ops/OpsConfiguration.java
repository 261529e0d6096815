package io.cangku.ops;

import ch.qos.logback.classic.LoggerContext;
import io.cangku.storage.ObjectStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.util.function.SingletonSupplier;
import org.springframework.web.filter.ServerHttpObservationFilter;

import java.util.function.Supplier;

/** Probes, metrics and the access log, wired onto the registry's own port. */
@Configuration(proxyBeanMethods = false)
class OpsConfiguration {

    /** Just inside Spring Security's filter chain (order -100), where the authentication is known. */
    private static final int AFTER_SECURITY = -99;

    @Bean
    FilterRegistrationBean<ReadinessGate> readinessGate(ApplicationAvailability availability,
                                                        ObjectProvider<NotReadyResponse> protocols) {
        FilterRegistrationBean<ReadinessGate> registration = new FilterRegistrationBean<>(
                new ReadinessGate(availability, protocols.orderedStream().toList()));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return registration;
    }

    @Bean
    FilterRegistrationBean<AuthenticatedUserFilter> authenticatedUserFilter() {
        FilterRegistrationBean<AuthenticatedUserFilter> registration = new FilterRegistrationBean<>(new AuthenticatedUserFilter());
        registration.setOrder(AFTER_SECURITY);
        return registration;
    }

    /**
     * Spring's observation filter off: {@link RequestLogValve} records {@code http.server.requests} with the
     * same tags for a fraction of the cost (its Javadoc has the profile). A disabled registration of the
     * filter's type is what keeps Spring Boot from registering its own.
     */
    @Bean
    FilterRegistrationBean<ServerHttpObservationFilter> serverHttpObservationFilterOff() {
        FilterRegistrationBean<ServerHttpObservationFilter> registration =
                new FilterRegistrationBean<>(new ServerHttpObservationFilter(ObservationRegistry.NOOP));
        registration.setEnabled(false);
        return registration;
    }

    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> requestLogValve(ObjectProvider<MeterRegistry> registry) {
        Supplier<MeterRegistry> meters = SingletonSupplier.of(registry::getObject);
        return factory -> factory.addContextValves(new RequestLogValve(meters));
    }

    /** Wraps the configured storage backend, whichever it is, in the metered decorator. */
    @Bean
    static BeanPostProcessor meteredObjectStore(ObjectProvider<MeterRegistry> registry, Environment environment) {
        Supplier<MeterRegistry> meters = SingletonSupplier.of(registry::getObject);
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String beanName) {
                if (bean instanceof ObjectStore store && !(bean instanceof MeteredObjectStore)) {
                    return new MeteredObjectStore(store, environment.getProperty("registry.storage.type", "filesystem"), meters);
                }
                return bean;
            }
        };
    }

    @Bean
    CollectionMetrics collectionMetrics(ObjectProvider<MeterRegistry> registry) {
        return new CollectionMetrics(SingletonSupplier.of(registry::getObject));
    }

    @Bean
    static CaffeineCacheBinder caffeineCacheBinder() {
        return new CaffeineCacheBinder();
    }

    @Bean
    HealthIndicator storageHealthIndicator(ObjectStore store, Environment environment) {
        return new StorageHealthIndicator(store, environment.getProperty("registry.storage.type", "filesystem"));
    }

    /** Installs the filter that shortens Tomcat's report of a TLS ClientHello on the plain-HTTP port. */
    @Bean
    Object plainPortTlsFilterInstaller() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context
                && context.getTurboFilterList().stream().noneMatch(PlainPortTlsFilter.class::isInstance)) {
            PlainPortTlsFilter filter = new PlainPortTlsFilter();
            filter.setContext(context);
            filter.start();
            context.addTurboFilter(filter);
        }
        return new Object();
    }
}
