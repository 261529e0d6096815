package io.cangku.clients;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** A small image made offline with umoci (TESTING.md): an OCI layout holding one tag, {@value #TAG}, with one file. */
final class AuthTestImages {

    static final String TAG = "v1";

    private AuthTestImages() {
    }

    /** Creates {@code <dir>/layout} and returns it; {@code oci:<layout>:v1} names the image for skopeo and podman. */
    static Path ociLayout(Path dir, String content) {
        try {
            Path layout = dir.resolve("layout");
            Path file = Files.createDirectories(dir.resolve("files")).resolve("hello.txt");
            Files.writeString(file, content);
            Duration timeout = Duration.ofMinutes(1);
            AuthTestProcesses.succeed(Map.of(), timeout, "umoci", "init", "--layout", layout.toString());
            AuthTestProcesses.succeed(Map.of(), timeout, "umoci", "new", "--image", layout + ":" + TAG);
            AuthTestProcesses.succeed(Map.of(), timeout, "umoci", "insert", "--image", layout + ":" + TAG, file.toString(), "/hello.txt");
            AuthTestProcesses.succeed(Map.of(), timeout, "umoci", "config", "--image", layout + ":" + TAG,
                    "--architecture", "amd64", "--os", "linux", "--config.cmd", "/hello.txt");
            AuthTestProcesses.succeed(Map.of(), timeout, "umoci", "gc", "--layout", layout.toString());
            return layout;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
