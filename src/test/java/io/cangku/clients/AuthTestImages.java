package io.cangku.clients;

import io.cangku.testing.Processes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

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
            Processes.command("umoci", "init", "--layout", layout.toString()).timeout(timeout).run();
            Processes.command("umoci", "new", "--image", layout + ":" + TAG).timeout(timeout).run();
            Processes.command("umoci", "insert", "--image", layout + ":" + TAG, file.toString(), "/hello.txt").timeout(timeout).run();
            Processes.command("umoci", "config", "--image", layout + ":" + TAG,
                    "--architecture", "amd64", "--os", "linux", "--config.cmd", "/hello.txt").timeout(timeout).run();
            Processes.command("umoci", "gc", "--layout", layout.toString()).timeout(timeout).run();
            return layout;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
