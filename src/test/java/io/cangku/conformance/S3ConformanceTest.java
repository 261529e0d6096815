package io.cangku.conformance;

import io.cangku.CangkuApplication;
import io.cangku.testing.Backends;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The conformance workflows against the registry on S3 storage (s3proxy, a fresh bucket). */
class S3ConformanceTest extends ConformanceWorkflows {

    static ConfigurableApplicationContext registry;

    @BeforeAll
    static void startRegistry() {
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--registry.auth.mode=none"));
        Backends.s3Properties(Backends.newBucketName()).forEach((key, value) -> args.add("--" + key + "=" + value));
        registry = new SpringApplicationBuilder(CangkuApplication.class).run(args.toArray(String[]::new));
    }

    @AfterAll
    static void stopRegistry() {
        registry.close();
    }

    /** Cangku mounts only from a named repository: mounting by digest alone would reveal other repositories' blobs. */
    @Override
    protected Optional<Boolean> automaticCrossmount() {
        return Optional.of(false);
    }

    @Override
    protected URI registryUri() {
        return URI.create("http://127.0.0.1:" + registry.getEnvironment().getProperty("local.server.port"));
    }
}
