package io.cangku.conformance;

import io.cangku.testing.Backends;
import io.cangku.testing.RegistryContext;

/** The conformance workflows against the registry on S3 storage (s3proxy, a fresh bucket). */
class S3ConformanceTest extends CangkuConformance {

    @Override
    protected RegistryContext startRegistry() {
        return RegistryContext.startOpen(Backends.s3Arguments(Backends.newBucketName()));
    }
}
