package io.cangku.storage.filesystem;

import io.cangku.storage.StorageBackend;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Chosen with {@code registry.storage.type=filesystem}, the default. */
@Configuration(proxyBeanMethods = false)
class FilesystemStorageConfiguration {

    @Bean
    StorageBackend filesystemStorage(FilesystemProperties properties) {
        return new StorageBackend("filesystem", () -> new FilesystemObjectStore(properties.root(), properties.directWrites()));
    }
}
