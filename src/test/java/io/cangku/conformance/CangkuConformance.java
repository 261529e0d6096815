package io.cangku.conformance;

import java.net.URI;
import java.util.Optional;

import io.cangku.testing.RegistryContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * The conformance workflows against Cangku: one registry for the whole run, started by the subclass, and
 * Cangku's answers to the suite's settings. One instance per class, so that the registry is an instance field
 * the abstract {@link #startRegistry()} can fill (the workflows' {@code @Nested} classes share it).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class CangkuConformance extends ConformanceWorkflows {

    private RegistryContext registry;

    /** Starts the registry this run is against; it is closed after the last workflow. */
    protected abstract RegistryContext startRegistry();

    @BeforeAll
    void start() {
        registry = startRegistry();
    }

    @AfterAll
    void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    @Override
    protected URI registryUri() {
        return registry.uri();
    }

    /** Cangku mounts only from a named repository: mounting by digest alone would reveal other repositories' blobs. */
    @Override
    protected Optional<Boolean> automaticCrossmount() {
        return Optional.of(false);
    }
}
