package io.cangku.packaging;

import io.cangku.testing.Backends;
import io.cangku.testing.DockerEngine;
import io.cangku.testing.OciLayout;
import io.cangku.testing.Processes;
import io.cangku.testing.RequiresTool;
import io.cangku.testing.TestImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Dockerfile, built and run for real on a Docker engine of the test's own. No base image can be pulled here,
 * so {@code stand-in-base-images.sh} makes the two it names from this machine's JDK and Maven; the build itself is
 * the Dockerfile's, Maven stage included ({@code --network host} lets it reach Maven Central).
 *
 * <p>One build, then the image runs as an operator would run it: non-root, read-only root filesystem, a volume
 * for {@code /data}, a tmpfs for {@code /tmp}. skopeo pushes an image and pulls it back; a second container on
 * the same volume, started without the AOT cache, serves what the first stored. The time from
 * {@code docker start} to the first 200 on {@code /readyz} is printed for both; it is not asserted (a shared
 * machine's load decides it), but that the AOT cache is used is: {@code -XX:AOTMode=on} makes an unusable cache
 * a failed start.
 */
@Tag("slow")
@RequiresTool({"dockerd", "docker", "skopeo", "mvn"})
@DisplayName("Container image")
class ContainerImageTest {

    static final String IMAGE = "cangku-test/cangku:test";
    static final String JRE_IMAGE = "cangku-test/jre:25";
    static final String MAVEN_IMAGE = "cangku-test/maven:25";
    static final String ADMIN_PASSWORD = "image-test-admin-password";
    static final Duration BUILD_TIMEOUT = Duration.ofMinutes(20);
    static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    static Path work;
    static DockerEngine engine;
    static Path dockerConfig;

    @BeforeAll
    static void startEngine() throws IOException {
        work = Backends.newTempDir("cgk-image-");
        dockerConfig = Files.createDirectories(work.resolve("docker-config"));
        engine = DockerEngine.start(work.resolve("engine"));
    }

    @AfterAll
    static void stopEngine() {
        if (engine != null) {
            engine.close();
            unmountUnder(work);
        }
        Backends.deleteRecursively(work);
    }

    @Test
    @DisplayName("builds, runs non-root on a read-only root filesystem, serves a push and a pull, and uses its AOT cache")
    void buildRunPushPull() throws Exception {
        // given: stand-ins for the public base images, and the image built from the Dockerfile on top of them
        Path script = Path.of(getClass().getResource("stand-in-base-images.sh").toURI());
        Processes.command("bash", script.toString(), JRE_IMAGE, MAVEN_IMAGE, work.resolve("base-images").toString())
                .env("JAVA_HOME", System.getProperty("java.home"))
                .env("DOCKER_HOST", engine.host())
                .env("DOCKER_CONFIG", dockerConfig.toString())
                .timeout(Duration.ofMinutes(5))
                .run();
        Path project = Path.of("").toAbsolutePath();
        Processes.Output build = docker("build", "--network", "host",
                "--build-arg", "BUILD_IMAGE=" + MAVEN_IMAGE, "--build-arg", "RUNTIME_IMAGE=" + JRE_IMAGE,
                "-t", IMAGE, project.toString())
                .env("DOCKER_BUILDKIT", "0")
                .timeout(BUILD_TIMEOUT)
                .run();
        assertThat(build.stdout()).contains("Successfully tagged " + IMAGE);
        String user = docker("image", "inspect", "--format", "{{.Config.User}}", IMAGE).run().stdout().strip();
        assertThat(user).as("the image's own USER").isNotEmpty().doesNotStartWith("0").doesNotStartWith("root");
        docker("volume", "create", "cangku-image-test-data").run();

        // when: it starts with the AOT cache required, and skopeo pushes an image and pulls it back
        Container withCache = Container.create(Map.of("JDK_JAVA_OPTIONS", "-XX:AOTMode=on -Xlog:aot"));
        Duration startWithCache;
        Path layout = OciLayout.create(work.resolve("image")).add(TestImages.image().seed(901).randomLayers(2, 300_000).build(), "v1").root();
        Path authFile = Files.writeString(work.resolve("auth.json"), "{\"auths\":{}}");
        String reference = "docker://" + withCache.hostPort() + "/team/app:v1";
        Processes.Output login;
        Processes.Output push;
        Processes.Output pull;
        Processes.Output inspectRunning;
        try {
            startWithCache = withCache.startAndAwaitReady();
            inspectRunning = docker("inspect", "--format", "{{.Config.User}} {{.HostConfig.ReadonlyRootfs}}", withCache.id).run();
            login = skopeo(authFile, "login", "--tls-verify=false", "-u", "admin", "-p", ADMIN_PASSWORD, withCache.hostPort());
            push = skopeo(authFile, "copy", "--dest-tls-verify=false", "oci:" + layout + ":v1", reference);
            pull = skopeo(authFile, "copy", "--src-tls-verify=false", reference, "oci:" + work.resolve("pulled") + ":v1");
        } finally {
            withCache.remove();
        }
        // and: a second container on the same volume, without the AOT cache, for the comparison
        Container withoutCache = Container.create(Map.of("JDK_JAVA_OPTIONS", "-XX:AOTMode=off"));
        Duration startWithoutCache;
        Processes.Output inspectAgain;
        try {
            startWithoutCache = withoutCache.startAndAwaitReady();
            inspectAgain = skopeo(authFile, "inspect", "--tls-verify=false",
                    "--creds", "admin:" + ADMIN_PASSWORD, "docker://" + withoutCache.hostPort() + "/team/app:v1");
        } finally {
            withoutCache.remove();
        }

        // then
        System.out.printf("container start to first 200 on /readyz: with AOT cache %d ms, without %d ms%n",
                startWithCache.toMillis(), startWithoutCache.toMillis());
        assertThat(inspectRunning.stdout().strip()).isEqualTo("10001:10001 true");
        assertThat(withCache.logs).as("the JVM's AOT log").contains("Opened AOT cache /app/cangku.aot");
        assertThat(withCache.logs).as("Spring's build-time bean definitions").contains("Starting AOT-processed CangkuApplication");
        assertThat(login.succeeded()).as("%s", login).isTrue();
        assertThat(push.succeeded()).as("%s", push).isTrue();
        assertThat(pull.succeeded()).as("%s", pull).isTrue();
        assertThat(OciLayout.open(work.resolve("pulled")).digestOf("v1"))
                .isEqualTo(OciLayout.open(layout).digestOf("v1"));
        assertThat(inspectAgain.succeeded()).as("the volume kept what the first container stored: %s", inspectAgain).isTrue();
    }

    /** dockerd leaves its network namespace (exec-root/netns/default) mounted, which would keep the folder. */
    static void unmountUnder(Path dir) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
                String mountPoint = line.split(" ")[1];
                if (mountPoint.startsWith(dir.toString() + "/")) {
                    Processes.command("umount", mountPoint).run();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Processes.Command docker(String... arguments) {
        return engine.docker(dockerConfig, arguments);
    }

    static Processes.Output skopeo(Path authFile, String... arguments) {
        return Processes.command("skopeo").args(arguments).env("REGISTRY_AUTH_FILE", authFile.toString()).runAllowingFailure();
    }

    /** One container of the image, created (not started) as an operator would run it. */
    static final class Container {

        final String id;
        final int port;
        final int managementPort;
        String logs = "";

        private Container(String id, int port, int managementPort) {
            this.id = id;
            this.port = port;
            this.managementPort = managementPort;
        }

        static Container create(Map<String, String> environment) {
            // The host's network (the test engine has no bridge), so free ports, on loopback only.
            int port = freePort();
            int managementPort = freePort();
            List<String> command = new ArrayList<>(List.of("create", "--network", "host",
                    "--read-only", "--user", "10001:10001",
                    "--volume", "cangku-image-test-data:/data", "--tmpfs", "/tmp",
                    "--env", "SERVER_ADDRESS=127.0.0.1", "--env", "SERVER_PORT=" + port,
                    "--env", "MANAGEMENT_SERVER_PORT=" + managementPort,
                    "--env", "REGISTRY_AUTH_ADMIN_PASSWORD=" + ADMIN_PASSWORD));
            environment.forEach((name, value) -> command.addAll(List.of("--env", name + "=" + value)));
            command.add(IMAGE);
            String id = docker(command.toArray(String[]::new)).run().stdout().strip();
            return new Container(id, port, managementPort);
        }

        String hostPort() {
            return "127.0.0.1:" + port;
        }

        /** Starts the container and returns the time from {@code docker start} to the first 200 on /readyz. */
        Duration startAndAwaitReady() throws InterruptedException {
            URI readyz = URI.create("http://" + hostPort() + "/readyz");
            try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build()) {
                HttpRequest probe = HttpRequest.newBuilder(readyz).timeout(Duration.ofSeconds(2)).build();
                long started = System.nanoTime();
                docker("start", id).run();
                while (System.nanoTime() - started < START_TIMEOUT.toNanos()) {
                    try {
                        if (http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                            return Duration.ofNanos(System.nanoTime() - started);
                        }
                    } catch (IOException notListeningYet) {
                        // the JVM has not opened its port yet
                    }
                    String state = docker("inspect", "--format", "{{.State.Status}}", id).run().stdout().strip();
                    if (!state.equals("running") && !state.equals("created")) {
                        throw new AssertionError("the container stopped (" + state + ") before /readyz answered:\n" + readLogs());
                    }
                    Thread.sleep(20);
                }
            }
            throw new AssertionError("no 200 on " + readyz + " within " + START_TIMEOUT + ":\n" + readLogs());
        }

        String readLogs() {
            Processes.Output output = docker("logs", id).runAllowingFailure();
            logs = output.stdout() + output.stderr();
            return logs;
        }

        void remove() {
            readLogs();
            docker("rm", "--force", id).run();
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
