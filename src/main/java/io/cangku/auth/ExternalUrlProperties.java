package io.cangku.auth;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.net.URI;

/**
 * {@code registry.external-url}: the URL clients reach the registry at (behind a load balancer, say). The
 * token realm in authentication challenges is built from it; when unset, from the request's own scheme
 * and host.
 */
@ConfigurationProperties("registry")
public record ExternalUrlProperties(URI externalUrl) {
}
