package io.cangku.auth;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code registry.auth.*}.
 *
 * @param mode {@code none}: an open registry, anyone may push and pull
 */
@ConfigurationProperties("registry.auth")
public record AuthProperties(@DefaultValue("none") String mode) {

    public boolean enabled() {
        return !"none".equalsIgnoreCase(mode);
    }
}
