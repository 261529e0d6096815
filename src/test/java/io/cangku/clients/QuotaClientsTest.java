package io.cangku.clients;

import io.cangku.testing.Backends;
import io.cangku.testing.OciLayout;
import io.cangku.testing.Processes;
import io.cangku.testing.RegistryContext;
import io.cangku.testing.RequiresTool;
import io.cangku.testing.TestImage;
import io.cangku.testing.TestImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12's quotas as a user meets them: skopeo pushes an image that fits, and a push that would cross the quota
 * fails with the registry's message naming the quota, the usage and the limit. The quota is declared in
 * configuration, as a GitOps deployment would.
 */
class QuotaClientsTest {

    private static RegistryContext registry;

    @BeforeAll
    static void startRegistry() {
        registry = RegistryContext.startOpen(Backends.filesystemArguments(Backends.newTempDir("cangku-quota-clients-")),
                "--registry.quotas[0].name=team-q",
                "--registry.quotas[0].repositories=team-q/**",
                "--registry.quotas[0].limit=100KB");
    }

    @AfterAll
    static void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    @RequiresTool("skopeo")
    @DisplayName("skopeo pushes an image that fits the quota, and is refused one that would cross it with usage and limit in its message")
    void skopeoShowsTheQuotaRefusal(@TempDir Path tmp) {
        // given: 60 KiB pushed under a 100 KiB quota
        ClientWorkspace workspace = ClientWorkspace.in(tmp.resolve("clients"));
        TestImage fits = TestImages.image().seed(34_001).randomLayers(1, 60 * 1024).build();
        TestImage tooMuch = TestImages.image().seed(34_002).randomLayers(1, 60 * 1024).build();
        OciLayout layout = OciLayout.create(tmp.resolve("layout")).add(fits, "fits").add(tooMuch, "too-much");
        workspace.skopeo("copy", "--dest-tls-verify=false", layout.reference("fits"),
                "docker://" + registry.hostPort() + "/team-q/app:1").run();

        // when: another 60 KiB image goes to another repository of the scope
        Processes.Output refused = workspace.skopeo("copy", "--dest-tls-verify=false", layout.reference("too-much"),
                "docker://" + registry.hostPort() + "/team-q/other:1").runAllowingFailure();

        // then
        System.out.println("skopeo shows: " + refused.stderr().trim());
        assertThat(refused.exitCode()).as("%s", refused.describe()).isNotZero();
        assertThat(refused.stderr()).contains("denied", "storage quota 'team-q'", "its repositories already use", "of the limit of 100.0 KB (102400 bytes)");
    }
}
