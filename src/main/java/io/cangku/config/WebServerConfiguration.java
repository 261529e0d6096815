package io.cangku.config;

import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Web server settings the registry protocol needs. */
@Configuration(proxyBeanMethods = false)
class WebServerConfiguration {

    /**
     * Lets an encoded slash ({@code %2F}) through undecoded instead of Tomcat's bare 400 page, so the
     * {@code /v2} route parser can refuse it with the spec's NAME_INVALID body.
     */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> encodedSlashPassthrough() {
        return factory -> factory.addConnectorCustomizers(connector -> connector.setEncodedSolidusHandling("passthrough"));
    }
}
