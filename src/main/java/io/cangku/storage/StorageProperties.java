package io.cangku.storage;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * {@code registry.storage.*}: which backend keeps the registry's objects. Each backend keeps its own
 * settings beside its code ({@code registry.storage.filesystem.*}, {@code registry.storage.s3.*}).
 *
 * @param type           {@code filesystem} (the default) or {@code s3}
 * @param startupTimeout how long start-up waits for the storage to answer (unreachable or silent S3 endpoints are
 *                       retried meanwhile) before the registry gives up and exits
 */
@ConfigurationProperties("registry.storage")
public record StorageProperties(@DefaultValue("filesystem") String type,
                                @DefaultValue("30s") Duration startupTimeout) {

    public StorageProperties {
        if (startupTimeout == null) {
            startupTimeout = Duration.ofSeconds(30);
        }
        if (startupTimeout.isNegative() || startupTimeout.isZero()) {
            throw new IllegalArgumentException("registry.storage.startup-timeout must be positive, not " + startupTimeout);
        }
    }
}
