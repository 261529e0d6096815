package io.cangku.clients;

import io.cangku.testing.Backends;
import io.cangku.testing.DockerEngine;
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
 * Issue 12's immutable tags and quotas as a user meets them, in real clients against one registry that declares
 * both in configuration, as a GitOps deployment would. A CI job re-pushing the same image to a release tag
 * succeeds, pushing a different image to it fails in skopeo and in a real Docker engine, and each client shows
 * the registry's message naming the rule. skopeo pushes an image that fits a quota and is refused one that would
 * cross it, with the quota, the usage and the limit in its message. The rule and the quota cover different
 * repositories, so neither test sees the other's policy.
 */
class PolicyClientsTest {

    private static RegistryContext registry;

    @BeforeAll
    static void startRegistry() {
        registry = RegistryContext.startOpen(Backends.filesystemArguments(Backends.newTempDir("cangku-policy-clients-")),
                "--registry.immutable-tags[0].name=releases",
                "--registry.immutable-tags[0].repositories=imm/**",
                "--registry.immutable-tags[0].tags=v[0-9]+(\\.[0-9]+)*",
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
    @DisplayName("skopeo re-pushes the same image to a release tag, and is refused another image with the rule in its message")
    void skopeoIsRefusedMovingAnImmutableTag(@TempDir Path tmp) {
        // given: a release pushed by skopeo
        ClientWorkspace workspace = ClientWorkspace.in(tmp.resolve("clients"));
        TestImage release = TestImages.image().seed(16_001).randomLayers(1, 8 * 1024).build();
        TestImage other = TestImages.image().seed(16_002).randomLayers(1, 8 * 1024).build();
        OciLayout layout = OciLayout.create(tmp.resolve("layout")).add(release, "release").add(other, "other");
        String target = "docker://" + registry.hostPort() + "/imm/skopeo:v1.0";
        workspace.skopeo("copy", "--dest-tls-verify=false", layout.reference("release"), target).run();

        // when: CI retries the same push, then someone pushes a different image to the tag, then deletes it
        Processes.Output retry = workspace.skopeo("copy", "--dest-tls-verify=false", layout.reference("release"), target)
                .runAllowingFailure();
        Processes.Output move = workspace.skopeo("copy", "--dest-tls-verify=false", layout.reference("other"), target)
                .runAllowingFailure();
        Processes.Output delete = workspace.skopeo("delete", "--tls-verify=false", target).runAllowingFailure();

        // then
        System.out.println("skopeo shows: " + move.stderr().trim());
        assertThat(retry.exitCode()).as("%s", retry.describe()).isZero();
        assertThat(move.exitCode()).as("%s", move.describe()).isNotZero();
        assertThat(move.stderr()).contains("denied", "tag v1.0 of imm/skopeo is immutable", "rule 'releases'");
        assertThat(delete.exitCode()).as("%s", delete.describe()).isNotZero();
        assertThat(delete.stderr()).contains("immutable", "rule 'releases'");
        String digest = workspace.skopeo("inspect", "--tls-verify=false", "--format", "{{.Digest}}", target).run().stdout().trim();
        assertThat(digest).isEqualTo(release.manifest().digest());
    }

    @Test
    @RequiresTool({"dockerd", "docker", "skopeo"})
    @DisplayName("docker push of another image to a release tag fails with the registry's message; pushing it again as is succeeds")
    void dockerIsRefusedMovingAnImmutableTag(@TempDir Path tmp) {
        ClientWorkspace workspace = ClientWorkspace.in(tmp.resolve("clients"));
        Path config = tmp.resolve("docker-config");
        String reference = registry.hostPort() + "/imm/docker:v2";
        try (DockerEngine engine = DockerEngine.start(tmp.resolve("engine"), registry.hostPort())) {
            // given: a release pushed by the engine
            TestImage release = TestImages.image().seed(16_101).randomLayers(1, 8 * 1024).build();
            TestImage other = TestImages.image().seed(16_102).randomLayers(1, 8 * 1024).build();
            load(workspace, engine, config, release, reference);
            engine.docker(config, "push", reference).run();

            // when: the same image is pushed again, then another one under the same tag
            Processes.Output retry = engine.docker(config, "push", reference).runAllowingFailure();
            load(workspace, engine, config, other, reference);
            Processes.Output move = engine.docker(config, "push", reference).runAllowingFailure();

            // then
            System.out.println("docker shows: " + move.stderr().trim());
            assertThat(retry.exitCode()).as("%s", retry.describe()).isZero();
            assertThat(move.exitCode()).as("%s", move.describe()).isNotZero();
            assertThat(move.stderr()).contains("tag v2 of imm/docker is immutable", "rule 'releases'");
        }
    }

    private static void load(ClientWorkspace workspace, DockerEngine engine, Path config, TestImage image, String reference) {
        String name = image.config().hex().substring(0, 12);
        OciLayout layout = OciLayout.create(workspace.resolve("layout-" + name)).add(image, "v1");
        Path archive = workspace.resolve("image-" + name + ".tar");
        workspace.skopeo("copy", layout.reference("v1"), "docker-archive:" + archive + ":" + reference).run();
        engine.docker(config, "load", "-i", archive.toString()).run();
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
