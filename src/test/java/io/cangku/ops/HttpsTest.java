package io.cangku.ops;

import io.cangku.testing.Backends;
import io.cangku.testing.OciLayout;
import io.cangku.testing.Processes;
import io.cangku.testing.RegistryContext;
import io.cangku.testing.RequiresTool;
import io.cangku.testing.TestImages;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** HTTPS served by the registry itself (server.ssl.*), with a self-signed certificate that skopeo trusts through --cert-dir. */
@DisplayName("HTTPS with server.ssl.* and a self-signed certificate")
class HttpsTest {

    @Test
    @RequiresTool("skopeo")
    @DisplayName("skopeo pushes and pulls over HTTPS, verifying the certificate it was given in --cert-dir")
    void pushAndPullOverHttps() throws Exception {
        // given a self-signed certificate for 127.0.0.1 (keytool, from the running JDK) and skopeo's cert dir
        Path work = Backends.newTempDir("cangku-https-");
        Path keystore = work.resolve("registry.p12");
        Path certs = Files.createDirectories(work.resolve("certs"));
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Processes.command(keytool, "-genkeypair", "-alias", "cangku", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", "changeit").run();
        Processes.command(keytool, "-exportcert", "-rfc", "-alias", "cangku", "-keystore", keystore.toString(),
                "-storepass", "changeit", "-file", certs.resolve("ca.crt").toString()).run();
        Path layout = OciLayout.create(work.resolve("image")).add(TestImages.image().seed(77).build(), "v1").root();

        try (RegistryContext registry = RegistryContext.startOpen(Backends.filesystemArguments(work.resolve("data")),
                "--server.ssl.enabled=true", "--server.ssl.key-store=" + keystore, "--server.ssl.key-store-password=changeit",
                "--server.ssl.key-store-type=PKCS12", "--server.ssl.key-alias=cangku")) {
            String image = "docker://" + registry.hostPort() + "/secure/app:v1";

            // when (TLS verification on: no --tls-verify=false anywhere)
            Processes.Output push = skopeo(work, "copy", "--dest-cert-dir", certs.toString(), "oci:" + layout + ":v1", image);
            Processes.Output pull = skopeo(work, "copy", "--src-cert-dir", certs.toString(), image, "oci:" + work.resolve("pulled") + ":v1");
            Processes.Output untrusted = skopeo(work, "inspect", image);

            // then
            assertThat(push.succeeded()).as(push.describe()).isTrue();
            assertThat(pull.succeeded()).as(pull.describe()).isTrue();
            assertThat(OciLayout.open(work.resolve("pulled")).digestOf("v1")).isEqualTo(OciLayout.open(layout).digestOf("v1"));
            assertThat(untrusted.succeeded()).as("without the certificate skopeo refuses the server").isFalse();
            assertThat(untrusted.text()).containsIgnoringCase("certificate");
        }
    }

    private static Processes.Output skopeo(Path work, String... arguments) throws Exception {
        Path auth = Files.writeString(Files.createTempFile(work, "auth", ".json"), "{\"auths\":{}}");
        List<String> command = new ArrayList<>(List.of("skopeo"));
        command.addAll(List.of(arguments));
        return Processes.command(command).env("REGISTRY_AUTH_FILE", auth.toString()).env("TMPDIR", work.toString()).runAllowingFailure();
    }
}
