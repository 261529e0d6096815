package io.cangku.storage.s3;

import io.cangku.storage.ObjectStore;
import io.cangku.storage.StorageBackend;
import io.cangku.storage.StorageProperties;
import io.cangku.storage.StorageStartup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.io.IOException;

/** Chosen with {@code registry.storage.type=s3}; settings under {@code registry.storage.s3.*}. */
@Configuration(proxyBeanMethods = false)
class S3StorageConfiguration {

    private static final Logger log = LoggerFactory.getLogger(S3StorageConfiguration.class);

    /** The store owns its S3 client and presigner; Spring calls its {@code close()} at shutdown. */
    @Bean
    StorageBackend s3Storage(S3Properties properties, StorageProperties storage) {
        return new StorageBackend("s3", () -> open(properties, storage));
    }

    private static ObjectStore open(S3Properties properties, StorageProperties storage) throws IOException {
        if (properties.bucket() == null || properties.bucket().isBlank()) {
            throw new IllegalStateException("registry.storage.type=s3 needs registry.storage.s3.bucket");
        }
        log.info("storage: S3 bucket {}{} at {} ({}), part size {}, redirects {}", properties.bucket(),
                properties.prefix().isEmpty() ? "" : " under prefix " + properties.prefix(),
                properties.endpoint() == null ? "AWS" : properties.endpoint(), properties.region(),
                properties.partSize(), properties.redirect() ? "on" : "off");
        String what = "S3 bucket " + properties.bucket() + " at " + (properties.endpoint() == null ? "AWS" : properties.endpoint());
        return StorageStartup.open(what, storage.startupTimeout(), () -> S3ObjectStore.create(properties));
    }
}
