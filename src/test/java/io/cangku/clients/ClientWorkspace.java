package io.cangku.clients;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.cangku.testing.Processes;

/**
 * One test's private corner for the containers/image clients (skopeo, podman, buildah): its own credentials
 * file, its own image storage and its own temp dir, all inside the test's temp directory, so tests never see
 * each other's logins or images and deleting the directory removes everything they made.
 *
 * <p>Storage uses the {@code vfs} driver: plain directories, no overlay mounts to leak if a test dies midway.
 * Only containers/image's blob-info cache (under {@code /var/lib/containers/cache}) stays shared; it is what
 * lets buildah find a blob in another repository and ask for a mount, and it is keyed by registry host and
 * port, so other runs cannot confuse it.
 */
final class ClientWorkspace {

    private final Path dir;
    private final Path authFile;

    private ClientWorkspace(Path dir, Path authFile) {
        this.dir = dir;
        this.authFile = authFile;
    }

    static ClientWorkspace in(Path dir) {
        try {
            Files.createDirectories(dir.resolve("storage"));
            Files.createDirectories(dir.resolve("run"));
            Files.createDirectories(dir.resolve("tmp"));
            // podman refuses a REGISTRY_AUTH_FILE that does not exist; skopeo accepts an empty one.
            Path authFile = Files.writeString(dir.resolve("auth.json"), "{\"auths\":{}}");
            return new ClientWorkspace(dir, authFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path dir() {
        return dir;
    }

    Path resolve(String name) {
        return dir.resolve(name);
    }

    Processes.Command skopeo(String... arguments) {
        return command(List.of("skopeo"), arguments);
    }

    Processes.Command podman(String... arguments) {
        return command(List.of("podman",
                "--root", dir.resolve("storage").toString(),
                "--runroot", dir.resolve("run").toString(),
                "--tmpdir", dir.resolve("run/libpod").toString(),
                "--storage-driver", "vfs",
                "--events-backend", "none"), arguments);
    }

    Processes.Command buildah(String... arguments) {
        return command(List.of("buildah",
                "--root", dir.resolve("storage").toString(),
                "--runroot", dir.resolve("run").toString(),
                "--storage-driver", "vfs"), arguments);
    }

    private Processes.Command command(List<String> program, String... arguments) {
        List<String> command = new ArrayList<>(program);
        command.addAll(List.of(arguments));
        return Processes.command(command)
                .env("REGISTRY_AUTH_FILE", authFile.toString())
                .env("TMPDIR", dir.resolve("tmp").toString());
    }
}
