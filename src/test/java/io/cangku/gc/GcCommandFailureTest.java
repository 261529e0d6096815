package io.cangku.gc;

import io.cangku.testing.Processes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@code gc} command, misconfigured, as an operator running it from a CronJob sees it. */
class GcCommandFailureTest {

    @Test
    void aBadSettingEndsTheCommandWithOneLineNamingTheKeyNotAChainOfBeanCreations(@TempDir Path root) {
        // when
        Processes.Output output = Processes.command(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx256m", "-cp", System.getProperty("java.class.path"), "io.cangku.CangkuApplication", "gc",
                        "--registry.auth.mode=none", "--registry.storage.filesystem.root=" + root, "--registry.gc.grace-period=0s"))
                .timeout(Duration.ofMinutes(2)).runAllowingFailure();

        // then: exit 1, the setting named, and no stack frame or bean name anywhere
        assertThat(output.exitCode()).as(output.describe()).isEqualTo(1);
        String everything = output.stdout() + output.stderr();
        assertThat(everything).contains("registry.gc.grace-period").contains("gc: could not start")
                .doesNotContain("Error creating bean").doesNotContainPattern("\\bat [\\w$.]+\\(");
    }
}
