package io.cangku.quota;

import io.cangku.gc.GcHttp;
import io.cangku.oci.Digest;
import io.cangku.oci.RepositoryName;
import io.cangku.testing.Backends;
import io.cangku.testing.RegistryContext;
import io.cangku.testing.TestBlob;
import io.cangku.testing.TestImage;
import io.cangku.testing.TestImages;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cost of the quota check on a 1,000-repository scope (filesystem), beside the same manifest PUT into a
 * repository no quota covers, in the same run: figures for the package Javadoc, not a timed assertion. Tagged
 * {@code bench}, so the suite leaves it out; run it with {@code -Dcangku.test.excluded-groups=}.
 */
@Tag("bench")
class QuotaCheckCostBench {

    private static final int REPOSITORIES = 1000;
    private static final int ROUNDS = 200;

    @Test
    @DisplayName("quota check on a 1,000-repository scope: ledger check, manifest PUT beside an uncovered one, and a recount")
    void measuresTheCheckOnAThousandRepositories() throws Exception {
        try (RegistryContext registry = RegistryContext.startOpen(Backends.filesystemArguments(Backends.newTempDir("cangku-quota-bench-")),
                "--registry.quotas[0].name=big", "--registry.quotas[0].repositories=big/**", "--registry.quotas[0].limit=100GB")) {
            GcHttp http = new GcHttp(registry.uri());
            // given: 1,000 repositories in the scope, each with an image sharing one base layer
            for (int i = 0; i < REPOSITORIES; i++) {
                TestImage image = TestImages.image().seed(40_000 + i).sharedFirstLayer(39_999).randomLayers(2, 1024).build();
                push(http, "big/r" + i, image);
            }
            TestImage probe = TestImages.image().seed(41_000).randomLayers(1, 1024).build();
            push(http, "big/probe", probe);
            push(http, "free/probe", probe);
            Quotas quotas = registry.bean(Quotas.class);
            Quota quota = quotas.find("big").orElseThrow();

            // when
            long recountNanos = System.nanoTime();
            UsageLedger ledger = quotas.recount(quota);
            recountNanos = System.nanoTime() - recountNanos;
            long[] inScope = new long[ROUNDS];
            long[] outOfScope = new long[ROUNDS];
            long[] admitNew = new long[ROUNDS];
            for (int i = 0; i < ROUNDS; i++) {
                inScope[i] = timePut(http, "big/probe", "t" + i, probe.manifest());
                outOfScope[i] = timePut(http, "free/probe", "t" + i, probe.manifest());
                Digest fresh = Digest.sha256Of(("fresh " + i).getBytes());
                long start = System.nanoTime();
                quotas.admit(RepositoryName.parse("big/probe"), Map.of(fresh, 1L));
                admitNew[i] = System.nanoTime() - start;
            }

            // then
            assertThat(ledger.blobs()).isEqualTo(REPOSITORIES * 3 + 1 + 3);
            System.out.printf("quota bench (filesystem, %d repositories, %d blobs, ledger %d bytes): recount %.1f ms; "
                            + "manifest PUT (nothing new) median %.2f ms in scope vs %.2f ms uncovered; admit of a new blob "
                            + "(read + conditional write) median %.2f ms%n",
                    REPOSITORIES, ledger.blobs(), ledger.encode().length, recountNanos / 1e6, median(inScope), median(outOfScope),
                    median(admitNew));
        }
    }

    private static long timePut(GcHttp http, String repository, String tag, TestBlob manifest) {
        long start = System.nanoTime();
        assertThat(http.putManifest(repository, tag, manifest.mediaType(), manifest.content()).status()).isEqualTo(201);
        return System.nanoTime() - start;
    }

    private static double median(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2] / 1e6;
    }

    private static void push(GcHttp http, String repository, TestImage image) {
        for (TestBlob blob : image.blobs()) {
            if (blob != image.manifest()) {
                assertThat(http.upload(repository, blob.digest(), blob.content()).status()).isEqualTo(201);
            }
        }
        assertThat(http.putManifest(repository, "1", image.manifest().mediaType(), image.manifest().content()).status()).isEqualTo(201);
    }
}
