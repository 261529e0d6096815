package io.cangku.clients;

import com.marcnuri.helm.Helm;
import io.cangku.auth.TokenHttp;
import io.cangku.auth.TokenAuthRegistry;
import io.cangku.testing.Backends;
import io.cangku.testing.OciLayout;
import io.cangku.testing.TestImages;
import io.cangku.testing.DockerEngine;
import io.cangku.testing.Processes;
import io.cangku.testing.RequiresTool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import static io.cangku.auth.TokenHttp.bearer;
import static io.cangku.auth.TokenAuthRegistry.ADMIN;
import static io.cangku.auth.TokenAuthRegistry.ADMIN_PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The real clients against the registry with token authentication: each logs in, pushes and pulls; a user
 * without rights is refused a push with the spec's error; anonymous pulls work on the public pattern only.
 * alice (group team-a) may push to team-a/**; bob may push nowhere; everyone may pull public/**.
 */
@DisplayName("Real clients with token authentication")
class AuthenticatedClientsTest {

    static final String ALICE = "alice";
    static final String ALICE_PASSWORD = "alice-client-password";
    static final String BOB = "bob";
    static final String BOB_PASSWORD = "bob-client-password";
    static final String TAG = "v1";
    /** How the clients word a 401 or 403 from the registry. */
    static final String REFUSED = "(?is).*(denied|unauthorized|authentication required|invalid username/password|forbidden|403|401).*";

    static TokenAuthRegistry registry;
    static TokenHttp http;
    static Path work;
    static Path layout;
    static Path engineDir;
    static DockerEngine engine;
    static final List<Path> podmanDirs = new ArrayList<>();

    @BeforeAll
    static void startRegistry() {
        registry = TokenAuthRegistry.with()
                .set("--registry.auth.throttle.max-failures=1000")
                .user(ALICE, ALICE_PASSWORD, "team-a")
                .user(BOB, BOB_PASSWORD)
                .rule("team-a/**", "group:team-a", "pull,push")
                .rule("public/**", "anonymous", "pull")
                .start();
        http = registry.http();
        work = Backends.newTempDir("cgk-clients-");
    }

    @AfterAll
    static void stopAll() {
        if (engine != null) {
            engine.close();
            Backends.deleteRecursively(engineDir);
        }
        registry.close();
        Backends.deleteRecursively(work);
        podmanDirs.forEach(Backends::deleteRecursively);
    }

    static String host() {
        return registry.hostPort();
    }

    /** The test image in an OCI layout, tagged {@value #TAG}: {@code oci:<layout>:v1} names it for skopeo and podman. */
    static synchronized Path layout() {
        if (layout == null) {
            layout = OciLayout.create(work.resolve("image")).add(TestImages.image().seed(401).build(), TAG).root();
        }
        return layout;
    }

    static Path freshDir(String prefix) {
        try {
            return Files.createDirectories(work.resolve(prefix + "-" + UUID.randomUUID().toString().substring(0, 8)));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A client's own credentials file, storage and temp dir, under the test's work directory. */
    static ClientWorkspace workspace(String prefix) {
        return ClientWorkspace.in(freshDir(prefix));
    }

    static Processes.Output skopeo(ClientWorkspace client, String... args) {
        return client.skopeo(args).runAllowingFailure();
    }

    /** Pushes the test image to {@code repository:v1} as the administrator (a setup step, with skopeo). */
    static void pushAsAdmin(String repository) {
        Processes.Output result = skopeo(workspace("admin-auth"), "copy", "--dest-tls-verify=false",
                "--dest-creds", ADMIN + ":" + ADMIN_PASSWORD, "oci:" + layout() + ":" + TAG, "docker://" + host() + "/" + repository + ":" + TAG);
        assertThat(result.succeeded()).as("%s", result).isTrue();
    }

    /** The tags of a repository, read over HTTP as the administrator. */
    static List<String> tags(String repository) {
        String token = http.token(ADMIN, ADMIN_PASSWORD, "repository:" + repository + ":pull");
        TokenHttp.Response response = http.get("/v2/" + repository + "/tags/list", bearer(token));
        List<String> tags = new ArrayList<>();
        if (response.status() == 200) {
            response.json().path("tags").forEach(t -> tags.add(t.asString()));
        }
        return tags;
    }

    @Nested
    @DisplayName("skopeo")
    class Skopeo {

        @Test
        @RequiresTool({"skopeo"})
        @DisplayName("logs in, pushes and pulls")
        void loginPushPull() {
            // given
            ClientWorkspace alice = workspace("skopeo");
            String image = "docker://" + host() + "/team-a/skopeo:" + TAG;

            // when
            Processes.Output login = skopeo(alice, "login", "--tls-verify=false", "-u", ALICE, "-p", ALICE_PASSWORD, host());
            Processes.Output push = skopeo(alice, "copy", "--dest-tls-verify=false", "oci:" + layout() + ":" + TAG, image);
            Processes.Output pull = skopeo(alice, "copy", "--src-tls-verify=false", image, "oci:" + freshDir("pulled") + "/layout:" + TAG);
            Processes.Output inspect = skopeo(alice, "inspect", "--tls-verify=false", image);

            // then
            assertThat(login.succeeded()).as("%s", login).isTrue();
            assertThat(login.text()).contains("Login Succeeded");
            assertThat(push.succeeded()).as("%s", push).isTrue();
            assertThat(pull.succeeded()).as("%s", pull).isTrue();
            assertThat(inspect.succeeded()).as("%s", inspect).isTrue();
            assertThat(tags("team-a/skopeo")).contains(TAG);
        }

        @Test
        @RequiresTool({"skopeo"})
        @DisplayName("is refused a login with a wrong password")
        void wrongPassword() {
            // when
            Processes.Output login = skopeo(workspace("skopeo"), "login", "--tls-verify=false",
                    "-u", ALICE, "-p", "not-alices-password", host());

            // then
            assertThat(login.succeeded()).as("%s", login).isFalse();
            assertThat(login.text()).matches(REFUSED);
        }

        @Test
        @RequiresTool({"skopeo"})
        @DisplayName("a second user without rights logs in but is refused the push")
        void pushDenied() {
            // given
            ClientWorkspace bob = workspace("skopeo-bob");
            assertThat(skopeo(bob, "login", "--tls-verify=false", "-u", BOB, "-p", BOB_PASSWORD, host()).succeeded()).isTrue();

            // when
            Processes.Output push = skopeo(bob, "copy", "--dest-tls-verify=false", "oci:" + layout() + ":" + TAG,
                    "docker://" + host() + "/team-a/by-bob:" + TAG);

            // then: the refusal of its first request (a HEAD, no body) still tells who may not do what, where
            // skopeo printed only "403 (Forbidden)" before
            assertThat(push.succeeded()).as("%s", push).isFalse();
            assertThat(push.text()).contains("denied: bob may not pull team-a/by-bob").doesNotContain("403 (Forbidden)");
            assertThat(tags("team-a/by-bob")).isEmpty();
        }

        @Test
        @RequiresTool({"skopeo"})
        @DisplayName("pulls anonymously from public/** and from nowhere else")
        void anonymousPull() {
            // given
            pushAsAdmin("public/skopeo");
            pushAsAdmin("team-a/private-skopeo");
            ClientWorkspace anonymous = workspace("skopeo-anonymous");

            // when
            Processes.Output publicPull = skopeo(anonymous, "copy", "--src-tls-verify=false",
                    "docker://" + host() + "/public/skopeo:" + TAG, "oci:" + freshDir("pulled") + "/layout:" + TAG);
            Processes.Output privatePull = skopeo(anonymous, "copy", "--src-tls-verify=false",
                    "docker://" + host() + "/team-a/private-skopeo:" + TAG, "oci:" + freshDir("pulled") + "/layout:" + TAG);
            Processes.Output publicPush = skopeo(anonymous, "copy", "--dest-tls-verify=false",
                    "oci:" + layout() + ":" + TAG, "docker://" + host() + "/public/anonymous:" + TAG);

            // then
            assertThat(publicPull.succeeded()).as("%s", publicPull).isTrue();
            assertThat(privatePull.succeeded()).as("%s", privatePull).isFalse();
            assertThat(privatePull.text()).matches(REFUSED);
            assertThat(publicPush.succeeded()).as("%s", publicPush).isFalse();
        }
    }

    @Nested
    @DisplayName("podman")
    class Podman {

        /** podman's workspace for one test; directly under the temp dir, as podman refuses a runroot over 50 characters. */
        ClientWorkspace podmanWorkspace() {
            Path dir = Backends.newTempDir("cgk-pm-");
            podmanDirs.add(dir);
            return ClientWorkspace.in(dir);
        }

        Processes.Output podman(ClientWorkspace client, String... args) {
            return client.podman(args).runAllowingFailure();
        }

        @Test
        @RequiresTool({"podman"})
        @DisplayName("logs in, pushes and pulls")
        void loginPushPull() {
            // given an image in podman's own (temporary) storage
            ClientWorkspace client = podmanWorkspace();
            String image = host() + "/team-a/podman:" + TAG;
            Processes.Output load = podman(client, "pull", "oci:" + layout() + ":" + TAG);
            assertThat(load.succeeded()).as("%s", load).isTrue();
            String id = load.stdout().strip().lines().reduce((first, last) -> last).orElseThrow();
            assertThat(podman(client, "tag", id, image).succeeded()).isTrue();

            // when
            Processes.Output login = podman(client, "login", "--tls-verify=false", "-u", ALICE, "-p", ALICE_PASSWORD, host());
            Processes.Output push = podman(client, "push", "--tls-verify=false", image);
            Processes.Output remove = podman(client, "rmi", "--force", image);
            Processes.Output pull = podman(client, "pull", "--tls-verify=false", image);

            // then
            assertThat(login.succeeded()).as("%s", login).isTrue();
            assertThat(login.text()).contains("Login Succeeded");
            assertThat(push.succeeded()).as("%s", push).isTrue();
            assertThat(remove.succeeded()).as("%s", remove).isTrue();
            assertThat(pull.succeeded()).as("%s", pull).isTrue();
            assertThat(tags("team-a/podman")).contains(TAG);
        }

        @Test
        @RequiresTool({"podman"})
        @DisplayName("a second user without rights is refused the push")
        void pushDenied() {
            // given
            ClientWorkspace client = podmanWorkspace();
            String image = host() + "/team-a/podman-by-bob:" + TAG;
            Processes.Output load = podman(client, "pull", "oci:" + layout() + ":" + TAG);
            assertThat(load.succeeded()).as("%s", load).isTrue();
            String id = load.stdout().strip().lines().reduce((first, last) -> last).orElseThrow();
            assertThat(podman(client, "tag", id, image).succeeded()).isTrue();
            assertThat(podman(client, "login", "--tls-verify=false", "-u", BOB, "-p", BOB_PASSWORD, host()).succeeded()).isTrue();

            // when
            Processes.Output push = podman(client, "push", "--tls-verify=false", image);

            // then: as for skopeo (the same containers/image code), the reason, not only "403 (Forbidden)"
            assertThat(push.succeeded()).as("%s", push).isFalse();
            assertThat(push.text()).contains("denied: bob may not pull team-a/podman-by-bob").doesNotContain("403 (Forbidden)");
            assertThat(tags("team-a/podman-by-bob")).isEmpty();
        }
    }

    @Nested
    @DisplayName("docker (the real engine)")
    class Docker {

        static final String LOCAL_IMAGE = "cangku-auth-test/hello:" + TAG;

        /** Our own engine, started on first use, with the test image loaded into it. */
        DockerEngine engine() {
            synchronized (AuthenticatedClientsTest.class) {
                if (engine == null) {
                    // a short path: the engine's unix sockets live under it and must stay within 108 bytes
                    engineDir = Backends.newTempDir("cgk-dockerd-");
                    engine = DockerEngine.start(engineDir, host());
                    Path archive = freshDir("docker-archive").resolve("image.tar");
                    Processes.Output copy = skopeo(workspace("skopeo"), "copy",
                            "oci:" + layout() + ":" + TAG, "docker-archive:" + archive + ":" + LOCAL_IMAGE);
                    assertThat(copy.succeeded()).as("%s", copy).isTrue();
                    Processes.Output load = engine.docker(freshDir("docker-config"), "load", "-i", archive.toString())
                            .runAllowingFailure();
                    assertThat(load.succeeded()).as("%s", load).isTrue();
                }
                return engine;
            }
        }

        @Test
        @RequiresTool({"dockerd", "docker", "skopeo"})
        @DisplayName("logs in (keeping a refresh token, not the password), then pushes and pulls through the refresh-token grant")
        void loginPushPull() throws IOException {
            // given
            Path config = freshDir("docker-alice");
            String image = host() + "/team-a/docker:" + TAG;

            // when
            Processes.Output login = engine().docker(config, "login", "-u", ALICE, "--password-stdin", host())
                    .stdin(ALICE_PASSWORD).runAllowingFailure();
            String stored = Files.readString(config.resolve("config.json"));
            Processes.Output tag = engine().docker(config, "tag", LOCAL_IMAGE, image).runAllowingFailure();
            Processes.Output push = engine().docker(config, "push", image).runAllowingFailure();
            Processes.Output remove = engine().docker(config, "rmi", image).runAllowingFailure();
            Processes.Output pull = engine().docker(config, "pull", image).runAllowingFailure();

            // then
            assertThat(login.succeeded()).as("%s", login).isTrue();
            assertThat(login.text()).contains("Login Succeeded");
            // docker keeps the identity (refresh) token from the offline token request, never the password,
            // so the daemon's push below can only have authenticated with POST /token grant_type=refresh_token
            JsonNode entry = TokenHttp.JSON.readTree(stored).path("auths").path(host());
            assertThat(entry.path("identitytoken").asString()).isNotEmpty();
            assertThat(stored).doesNotContain(ALICE_PASSWORD)
                    .doesNotContain(Base64.getEncoder().encodeToString((ALICE + ":" + ALICE_PASSWORD).getBytes(StandardCharsets.UTF_8)));
            assertThat(tag.succeeded()).as("%s", tag).isTrue();
            assertThat(push.succeeded()).as("%s\n%s", push, engine().log()).isTrue();
            assertThat(remove.succeeded()).as("%s", remove).isTrue();
            assertThat(pull.succeeded()).as("%s", pull).isTrue();
            assertThat(tags("team-a/docker")).contains(TAG);
        }

        @Test
        @RequiresTool({"dockerd", "docker", "skopeo"})
        @DisplayName("a second user without rights is refused the push with the registry's denied error")
        void pushDenied() {
            // given
            Path config = freshDir("docker-bob");
            String image = host() + "/team-a/docker-by-bob:" + TAG;
            assertThat(engine().docker(config, "login", "-u", BOB, "--password-stdin", host())
                    .stdin(BOB_PASSWORD).runAllowingFailure().succeeded()).isTrue();
            assertThat(engine().docker(config, "tag", LOCAL_IMAGE, image).runAllowingFailure().succeeded()).isTrue();

            // when
            Processes.Output push = engine().docker(config, "push", image).runAllowingFailure();

            // then
            assertThat(push.succeeded()).as("%s", push).isFalse();
            assertThat(push.text()).matches("(?is).*denied.*");
            assertThat(tags("team-a/docker-by-bob")).isEmpty();
        }

        @Test
        @RequiresTool({"dockerd", "docker", "skopeo"})
        @DisplayName("pulls anonymously from public/** and from nowhere else")
        void anonymousPull() {
            // given
            pushAsAdmin("public/docker");
            pushAsAdmin("team-a/private-docker");
            Path config = freshDir("docker-anonymous");

            // when
            Processes.Output publicPull = engine().docker(config, "pull", host() + "/public/docker:" + TAG).runAllowingFailure();
            Processes.Output privatePull = engine().docker(config, "pull", host() + "/team-a/private-docker:" + TAG).runAllowingFailure();

            // then
            assertThat(publicPull.succeeded()).as("%s", publicPull).isTrue();
            assertThat(privatePull.succeeded()).as("%s", privatePull).isFalse();
            assertThat(privatePull.text()).matches(REFUSED);
        }
    }

    @Nested
    @DisplayName("helm (helm-java)")
    class HelmRegistry {

        Path packagedChart() {
            Path dir = freshDir("chart");
            Helm chart = Helm.create().withName("demo").withDir(dir).call();
            chart.packageIt().withDestination(dir).call();
            return dir.resolve("demo-0.1.0.tgz");
        }

        @Test
        @DisplayName("logs in and pushes a chart")
        void loginAndPush() {
            // given
            Path chart = packagedChart();

            // when
            Helm.registry().login().withHost(host()).withUsername(ALICE).withPassword(ALICE_PASSWORD).plainHttp().call();
            String pushed = Helm.push().withChart(chart).withRemote(URI.create("oci://" + host() + "/team-a/charts")).plainHttp().call();

            // then
            assertThat(pushed).contains("team-a/charts/demo");
            assertThat(tags("team-a/charts/demo")).contains("0.1.0");
        }

        @Test
        @DisplayName("a second user without rights is refused the push")
        void pushDenied() {
            // given
            Path chart = packagedChart();
            Helm.registry().login().withHost(host()).withUsername(BOB).withPassword(BOB_PASSWORD).plainHttp().call();

            // then
            assertThatThrownBy(() -> Helm.push().withChart(chart).withRemote(URI.create("oci://" + host() + "/team-a/bobs-charts"))
                    .plainHttp().call())
                    .hasMessageMatching(REFUSED);
            assertThat(tags("team-a/bobs-charts/demo")).isEmpty();
        }

        @Test
        @DisplayName("is refused a login with a wrong password")
        void wrongPassword() {
            assertThatThrownBy(() -> Helm.registry().login().withHost(host()).withUsername(ALICE).withPassword("wrong-password")
                    .plainHttp().call())
                    .hasMessageMatching(REFUSED);
        }
    }
}
