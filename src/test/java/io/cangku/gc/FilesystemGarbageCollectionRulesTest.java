package io.cangku.gc;

import io.cangku.testing.Backends;

import java.util.List;

/** The collector's rules on filesystem storage. */
class FilesystemGarbageCollectionRulesTest extends GarbageCollectionRulesContract {

    @Override
    List<String> freshStorage() {
        return Backends.filesystemArguments(Backends.newTempDir("cangku-gc-"));
    }
}
