package io.cangku.storage;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.io.IOException;
import java.util.List;
import java.util.stream.Collectors;

/** The one {@link ObjectStore}: the backend {@code registry.storage.type} names, opened at start-up. */
@Configuration(proxyBeanMethods = false)
public class StorageConfiguration {

    /** The store's bean name, by which start-up failures find the store's own failure. */
    public static final String STORE_BEAN = "objectStore";

    /** A store with a {@code close()} (S3's client and presigner) is closed by Spring at shutdown. */
    @Bean(STORE_BEAN)
    ObjectStore objectStore(StorageProperties properties, List<StorageBackend> backends) throws IOException {
        for (StorageBackend backend : backends) {
            if (backend.type().equals(properties.type())) {
                return backend.open();
            }
        }
        throw new UnknownStorageTypeException(properties.type(),
                backends.stream().map(StorageBackend::type).sorted().collect(Collectors.toList()));
    }
}
