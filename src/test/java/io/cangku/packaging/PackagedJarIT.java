package io.cangku.packaging;

import io.cangku.testing.Backends;
import io.cangku.testing.FailingStartups;
import io.cangku.testing.OciLayout;
import io.cangku.testing.Processes;
import io.cangku.testing.RegistryProcess;
import io.cangku.testing.RequiresTool;
import io.cangku.testing.TestImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The jar {@code mvn package} makes, run as {@code java -jar} runs it, after the package phase (Maven's
 * failsafe plugin): the server then starts from the bean definitions Spring AOT generated at build time, which
 * the tests before the package phase never use. What AOT could get wrong is what is chosen at run time: the
 * storage backend, the authentication, the management port, the one-line start-up failures, and the
 * {@code gc} command, which must not use the server's definitions.
 */
@RequiresTool("skopeo")
@DisplayName("The packaged jar: build-time bean definitions, backends and settings chosen at run time")
class PackagedJarIT {

    static final Path JAR = Path.of("target", "cangku.jar").toAbsolutePath();
    static final String PASSWORD = "packaged-jar-admin-password";
    static final String AOT_LINE = "Starting AOT-processed CangkuApplication";
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    static Path work;
    static Path layout;

    @BeforeAll
    static void image() {
        assertThat(JAR).as("the packaged jar (this test runs after mvn's package phase)").isRegularFile();
        work = Backends.newTempDir("cangku-jar-");
        layout = OciLayout.create(work.resolve("image"))
                .add(TestImages.image().seed(77).randomLayers(2, 200_000).build(), "v1").root();
    }

    @AfterAll
    static void clean() {
        Backends.deleteRecursively(work);
    }

    @Test
    @DisplayName("on the filesystem with token logins: push, pull, Prometheus on the management port, then gc from the same jar")
    void filesystem() throws Exception {
        Path root = work.resolve("fs-root");
        int management = RegistryProcess.freePort();
        try (RegistryProcess registry = RegistryProcess.start(RegistryProcess.jarCommand(JAR, List.of("-Xmx256m")),
                work.resolve("fs.log"), List.of("--registry.storage.filesystem.root=" + root,
                        "--management.server.port=" + management, "--registry.auth.admin.password=" + PASSWORD))) {
            assertThat(registry.log()).as("the server used the build-time bean definitions").contains(AOT_LINE);
            pushAndPull(registry, "fs");

            HttpResponse<String> scrape = HTTP.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + management + "/actuator/prometheus")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(scrape.statusCode()).isEqualTo(200);
            assertThat(scrape.body()).contains("cangku_storage_operations_seconds_count").contains("backend=\"filesystem\"");

            // the collector, online beside the server, from the same jar: its own context, no web server
            Processes.Output gc = Processes.command(javaCommand(List.of("gc", "--dry-run",
                    "--registry.storage.filesystem.root=" + root))).timeout(Duration.ofMinutes(2)).runAllowingFailure();
            assertThat(gc.exitCode()).as("%s", gc).isZero();
            assertThat(gc.stdout()).as("%s", gc).contains("\"blobsDeleted\"");
            assertThat(gc.stderr()).as("%s", gc).doesNotContain("AOT-processed");
        }
    }

    @Test
    @DisplayName("on S3 with the management port off: push and pull")
    void s3() throws Exception {
        List<String> settings = new ArrayList<>(Backends.s3Arguments(Backends.newBucketName()));
        settings.addAll(List.of("--management.server.port=-1", "--registry.auth.admin.password=" + PASSWORD));
        try (RegistryProcess registry = RegistryProcess.start(RegistryProcess.jarCommand(JAR, List.of("-Xmx256m")),
                work.resolve("s3.log"), settings)) {
            assertThat(registry.log()).contains(AOT_LINE).contains("storage: S3 bucket");
            pushAndPull(registry, "s3");
            HttpResponse<Void> livez = HTTP.send(HttpRequest.newBuilder(registry.uri().resolve("/livez")).build(),
                    HttpResponse.BodyHandlers.discarding());
            assertThat(livez.statusCode()).isEqualTo(200);
        }
    }

    @Test
    @DisplayName("misconfigurations still end in one line naming the setting")
    void misconfigurations() throws Exception {
        try (FailingStartups runs = new FailingStartups(work.resolve("failing"), FailingStartups.EXIT_BOUND,
                RegistryProcess.jarCommand(JAR, List.of("-Xmx192m")))) {
            Files.createDirectories(work.resolve("failing"));
            runs.launch("unknown type", List.of("--registry.storage.type=s4"));
            runs.launch("no bucket", List.of("--registry.storage.type=s3"));
            runs.launch("bad size", List.of("--registry.storage.filesystem.root=" + work.resolve("bad-size"),
                    "--registry.manifests.max-size=lots"));
            runs.assertOneLine("unknown type", "registry.storage.type=s4 is not a storage type; use filesystem or s3");
            runs.assertOneLine("no bucket", "registry.storage.s3.bucket");
            runs.assertOneLine("bad size", "registry.manifests.max-size=lots is not valid");
            assertThat(runs.run("unknown type").output()).contains(AOT_LINE);
        }
    }

    private static void pushAndPull(RegistryProcess registry, String name) throws Exception {
        Path authFile = Files.writeString(work.resolve(name + "-auth.json"), "{\"auths\":{}}");
        String host = "127.0.0.1:" + registry.port();
        String reference = "docker://" + host + "/team/" + name + ":v1";
        Path pulled = work.resolve(name + "-pulled");
        for (List<String> arguments : List.of(
                List.of("login", "--tls-verify=false", "-u", "admin", "-p", PASSWORD, host),
                List.of("copy", "--dest-tls-verify=false", "oci:" + layout + ":v1", reference),
                List.of("copy", "--src-tls-verify=false", reference, "oci:" + pulled + ":v1"))) {
            Processes.Output run = ContainerImageTest.skopeo(authFile, arguments.toArray(String[]::new));
            assertThat(run.succeeded()).as("%s%n%s", run, registry.logTail()).isTrue();
        }
        assertThat(OciLayout.open(pulled).digestOf("v1")).isEqualTo(OciLayout.open(layout).digestOf("v1"));
    }

    private static List<String> javaCommand(List<String> arguments) {
        List<String> command = new ArrayList<>(RegistryProcess.jarCommand(JAR, List.of("-Xmx256m")));
        command.addAll(arguments);
        return command;
    }
}
