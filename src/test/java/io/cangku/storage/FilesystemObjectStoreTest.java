package io.cangku.storage;

import io.cangku.storage.filesystem.FilesystemObjectStore;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The contract on the filesystem backend, in a fresh directory per test. */
class FilesystemObjectStoreTest extends ObjectStoreContract {

    @TempDir
    Path root;

    @Override
    protected ObjectStore createStore() throws Exception {
        return new FilesystemObjectStore(root);
    }

    /** Every file under the root, including the backend's temporary files. */
    @Override
    protected List<String> leftovers() throws Exception {
        try (Stream<Path> files = Files.walk(root)) {
            // .locks/ holds one empty lock file per conditionally written key, kept on purpose: removing a lock
            // file another process may be waiting on would let two processes hold "the" lock
            return files.filter(Files::isRegularFile).map(p -> root.relativize(p).toString())
                    .filter(p -> !p.startsWith(".locks/")).toList();
        }
    }
}
