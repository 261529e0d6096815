package io.cangku.conformance;

import io.cangku.testing.Backends;
import io.cangku.testing.RegistryContext;

/** The conformance workflows against the registry on filesystem storage. */
class FilesystemConformanceTest extends CangkuConformance {

    @Override
    protected RegistryContext startRegistry() {
        return RegistryContext.startOpen(Backends.filesystemArguments(Backends.newTempDir("cangku-conformance-")));
    }
}
