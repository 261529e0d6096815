package io.cangku.console.web;

import io.cangku.auth.AuthProperties;
import io.cangku.storage.StorageProperties;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.info.BuildProperties;
import org.springframework.stereotype.Component;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;

/** What the status and maintenance pages say about this process: version, storage backend, uptime. */
@Component
class RegistryStatus {

    record Figures(String version, String backend, String authMode, Instant startedAt, Duration uptime, String java) {
    }

    private final String version;
    private final StorageProperties storage;
    private final AuthProperties auth;

    RegistryStatus(ObjectProvider<BuildProperties> build, StorageProperties storage, AuthProperties auth) {
        BuildProperties properties = build.getIfAvailable();
        this.version = properties != null ? properties.getVersion() : "development build";
        this.storage = storage;
        this.auth = auth;
    }

    Figures now() {
        var runtime = ManagementFactory.getRuntimeMXBean();
        return new Figures(version, String.valueOf(storage.type()), String.valueOf(auth.mode()),
                Instant.ofEpochMilli(runtime.getStartTime()), Duration.ofMillis(runtime.getUptime()), Runtime.version().toString());
    }
}
