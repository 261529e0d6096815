package io.cangku.conformance;

import io.cangku.CangkuApplication;
import io.cangku.testing.Backends;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import java.net.URI;
import java.util.Optional;

/** The conformance workflows against the registry on filesystem storage. */
class FilesystemConformanceTest extends ConformanceWorkflows {

    static ConfigurableApplicationContext registry;

    @BeforeAll
    static void startRegistry() {
        registry = new SpringApplicationBuilder(CangkuApplication.class).run("--server.port=0",
                "--registry.auth.mode=none", "--registry.storage.type=filesystem",
                "--registry.storage.filesystem.root=" + Backends.newTempDir("cangku-conformance-"));
    }

    @AfterAll
    static void stopRegistry() {
        registry.close();
    }

    /** Cangku mounts only from a named repository: mounting by digest alone would reveal other repositories' blobs. */
    @Override
    protected Optional<Boolean> automaticCrossmount() {
        return Optional.of(false);
    }

    @Override
    protected URI registryUri() {
        return URI.create("http://127.0.0.1:" + registry.getEnvironment().getProperty("local.server.port"));
    }
}
