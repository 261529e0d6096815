package io.cangku.storage.filesystem;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.nio.file.Path;

/**
 * @param root         directory holding every object, and the temporary files that become them
 * @param directWrites uploads bypass the page cache ({@code O_DIRECT}) where the filesystem allows it
 */
@ConfigurationProperties("registry.storage.filesystem")
public record FilesystemProperties(@DefaultValue("./data") Path root, @DefaultValue("true") boolean directWrites) {
}
