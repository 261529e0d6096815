package io.cangku.storage.filesystem;

import io.cangku.storage.ObjectStore;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.io.IOException;

/** Chosen with {@code registry.storage.type=filesystem}, the default. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "registry.storage.type", havingValue = "filesystem", matchIfMissing = true)
class FilesystemStorageConfiguration {

    @Bean
    ObjectStore filesystemObjectStore(FilesystemProperties properties) throws IOException {
        return new FilesystemObjectStore(properties.root());
    }
}
