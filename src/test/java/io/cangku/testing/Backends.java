package io.cangku.testing;

import org.springframework.test.context.DynamicPropertyRegistry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Storage backends for tests that run the whole registry: each method points a Spring test context at
 * real storage. Use from a subclass's {@code @DynamicPropertySource}.
 */
public final class Backends {

    private Backends() {
    }

    /** A fresh directory under the system temp dir, removed by the JVM's temp cleanup or the OS. */
    public static void filesystem(DynamicPropertyRegistry registry) {
        Path root = newTempDir("cangku-fs-");
        registry.add("registry.storage.type", () -> "filesystem");
        registry.add("registry.storage.filesystem.root", root::toString);
    }

    public static Path newTempDir(String prefix) {
        try {
            Path dir = Files.createTempDirectory(prefix);
            dir.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
