package io.cangku.policy;

import io.cangku.testing.Backends;

import java.util.List;

/** Retention and immutable tags on filesystem storage. */
class FilesystemRetentionTest extends RetentionContract {

    @Override
    List<String> freshStorage() {
        return Backends.filesystemArguments(Backends.newTempDir("cangku-retention-"));
    }
}
