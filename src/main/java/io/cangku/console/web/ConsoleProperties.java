package io.cangku.console.web;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;

/**
 * {@code registry.console.*}: the web console.
 *
 * @param sessionTimeout a console session idle this long ends, and the user signs in again
 * @param pageSize       rows per page of repositories, tags and audit events
 */
@Validated
@ConfigurationProperties("registry.console")
public record ConsoleProperties(@DefaultValue("30m") Duration sessionTimeout,
                                @DefaultValue("25") @Min(5) @Max(200) int pageSize) {

    public ConsoleProperties {
        if (sessionTimeout.isNegative() || sessionTimeout.isZero() || sessionTimeout.compareTo(Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException("registry.console.session-timeout must be between 1s and 24h");
        }
    }
}
