package io.cangku.testing;

import org.springframework.test.context.DynamicPropertyRegistry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

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

    /**
     * A fresh bucket (created by the registry at start) on the JVM's one s3proxy, a real S3 REST server
     * with SigV4 on a free port that keeps objects as files under a temporary directory.
     */
    public static void s3(DynamicPropertyRegistry registry) {
        s3Properties(newBucketName()).forEach((key, value) -> registry.add(key, () -> value));
    }

    /** The properties that put a registry on {@code bucket} of the shared s3proxy. */
    public static Map<String, String> s3Properties(String bucket) {
        return s3Properties(S3TestServer.shared(), bucket);
    }

    /** The properties that put a registry on {@code bucket} of {@code server} (created at start if missing). */
    public static Map<String, String> s3Properties(S3TestServer server, String bucket) {
        return Map.of(
                "registry.storage.type", "s3",
                "registry.storage.s3.bucket", bucket,
                "registry.storage.s3.endpoint", server.endpoint().toString(),
                "registry.storage.s3.path-style-access", "true",
                "registry.storage.s3.region", "us-east-1",
                "registry.storage.s3.access-key", S3TestServer.ACCESS_KEY,
                "registry.storage.s3.secret-key", S3TestServer.SECRET_KEY,
                "registry.storage.s3.create-bucket", "true");
    }

    /**
     * Command-line arguments ({@code --name=value}) for filesystem storage at {@code root}, for a registry started
     * by hand ({@link RegistryContext}, {@link RegistryProcess}), e.g. to restart it on the same storage.
     */
    public static List<String> filesystemArguments(Path root) {
        return List.of("--registry.storage.type=filesystem", "--registry.storage.filesystem.root=" + root.toAbsolutePath());
    }

    /** Command-line arguments for a bucket of the shared s3proxy (see {@link #s3Properties(String)}). */
    public static List<String> s3Arguments(String bucket) {
        return arguments(s3Properties(bucket));
    }

    /** Command-line arguments for a bucket of {@code server}, an s3proxy the test controls (stops, restarts). */
    public static List<String> s3Arguments(S3TestServer server, String bucket) {
        return arguments(s3Properties(server, bucket));
    }

    private static List<String> arguments(Map<String, String> properties) {
        return properties.entrySet().stream().map(p -> "--" + p.getKey() + "=" + p.getValue()).sorted().toList();
    }

    /** A bucket name no other test uses (S3 names: 3-63 lowercase letters, digits and hyphens). */
    public static String newBucketName() {
        return "cangku-" + UUID.randomUUID().toString().substring(0, 18);
    }

    /** A fresh temporary directory, deleted with everything in it when the test JVM exits. */
    public static Path newTempDir(String prefix) {
        try {
            Path dir = Files.createTempDirectory(prefix);
            synchronized (TEMP_DIRS) {
                if (TEMP_DIRS.isEmpty()) {
                    Runtime.getRuntime().addShutdownHook(new Thread(Backends::deleteTempDirs, "delete-test-dirs"));
                }
                TEMP_DIRS.add(dir);
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final List<Path> TEMP_DIRS = new ArrayList<>();

    /**
     * Best effort: deletes {@code dir} and everything in it, passing over what cannot go (a path a client
     * still has mounted or open), which the OS's temp cleanup removes later.
     */
    public static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // as above
        }
    }

    private static void deleteTempDirs() {
        synchronized (TEMP_DIRS) {
            TEMP_DIRS.forEach(Backends::deleteRecursively);
        }
    }
}
