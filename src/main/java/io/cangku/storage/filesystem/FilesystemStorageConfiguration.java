package io.cangku.storage.filesystem;

import io.cangku.storage.ObjectStore;
import io.cangku.storage.StorageBackend;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.io.IOException;

/** Chosen with {@code registry.storage.type=filesystem}, the default. */
@Configuration(proxyBeanMethods = false)
class FilesystemStorageConfiguration {

    @Bean
    StorageBackend filesystemStorage(FilesystemProperties properties) {
        return new StorageBackend() {
            @Override
            public String type() {
                return "filesystem";
            }

            @Override
            public ObjectStore open() throws IOException {
                return new FilesystemObjectStore(properties.root());
            }
        };
    }
}
