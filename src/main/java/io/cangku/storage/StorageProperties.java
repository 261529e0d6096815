package io.cangku.storage;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code registry.storage.*}: which backend keeps the registry's objects. Each backend keeps its own
 * settings beside its code ({@code registry.storage.filesystem.*}, {@code registry.storage.s3.*}).
 *
 * @param type {@code filesystem} (the default) or {@code s3}
 */
@ConfigurationProperties("registry.storage")
public record StorageProperties(@DefaultValue("filesystem") String type) {
}
