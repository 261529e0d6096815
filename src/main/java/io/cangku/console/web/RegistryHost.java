package io.cangku.console.web;

import io.cangku.auth.ExternalUrlProperties;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.stereotype.Component;

/**
 * The host clients name the registry by, for the {@code docker pull} and {@code docker login} lines the console
 * offers to copy: {@code registry.external-url}'s host, else the host this page was requested from.
 */
@Component
class RegistryHost {

    private final ExternalUrlProperties externalUrl;

    RegistryHost(ExternalUrlProperties externalUrl) {
        this.externalUrl = externalUrl;
    }

    String of(HttpServletRequest request) {
        if (externalUrl.externalUrl() != null) {
            return externalUrl.externalUrl().getAuthority();
        }
        String host = request.getServerName();
        int port = request.getServerPort();
        boolean defaultPort = port == 80 || port == 443;
        return (host.contains(":") ? "[" + host + "]" : host) + (defaultPort ? "" : ":" + port);
    }
}
