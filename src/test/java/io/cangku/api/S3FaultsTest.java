package io.cangku.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;


import io.cangku.api.OciContent.Blob;
import io.cangku.api.OciContent.Image;
import io.cangku.api.V2Client.Reply;
import io.cangku.testing.Backends;
import io.cangku.testing.RegistryContext;
import io.cangku.testing.S3FaultProxy;
import io.cangku.testing.S3TestServer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The registry on S3 that misbehaves as S3 does under load (8 % of requests answered 503 SlowDown, 3 % of
 * connections cut mid-response after S3 acted), through {@link S3FaultProxy}, seeded. Distribution 2.8
 * acknowledged 12 of 12 pushes behind the same faults (measured once, by hand); so must Cangku, here 8 of 8, and every acknowledged image must
 * then pull back byte for byte.
 */
class S3FaultsTest {

    private static final String OCTET_STREAM = "application/octet-stream";

    @Test
    @DisplayName("8 pushes through throttling and cut connections are all acknowledged and pull back intact")
    void everyPushSurvivesS3Faults() throws Exception {
        String bucket = Backends.newBucketName();
        try (S3FaultProxy proxy = new S3FaultProxy(S3TestServer.shared().endpoint(), 20261202)) {
            List<String> arguments = new ArrayList<>();
            Backends.s3Properties(bucket).forEach((key, value) -> arguments.add("--" + key + "="
                    + (key.equals("registry.storage.s3.endpoint") ? proxy.endpoint() : value)));
            arguments.add("--registry.storage.s3.part-size=5MB");
            try (RegistryContext running = RegistryContext.startOpen(arguments)) {
                V2Client registry = V2Client.onPort(running.port());

                // given S3 answering 8 % of requests 503 SlowDown and cutting 3 % of responses
                proxy.faults(0.08, 0.03);

                // when 8 images are pushed the way skopeo pushes: HEAD each blob, POST, one PATCH, PUT ?digest=,
                // then the manifest
                List<Image> images = new ArrayList<>();
                List<Reply> failed = new ArrayList<>();
                // (8, not more: each fault costs the SDK's throttling backoff, about 10 s of this test per push)
                for (int i = 0; i < 8; i++) {
                    Blob config = OciContent.uniqueConfig();
                    // every fourth image has a layer of 6 MiB: a full part and a tail
                    int large = i % 4 == 0 ? 6 * 1024 * 1024 : 200_000;
                    List<Blob> layers = List.of(OciContent.uniqueBlob(large + i), OciContent.uniqueBlob(100_000 + i));
                    Image image = new Image(OciContent.ociManifest(config, layers, null),
                            List.of(config, layers.get(0), layers.get(1)));
                    images.add(image);
                    pushLikeSkopeo(registry, "faults/app", "v" + i, image, failed);
                }

                // then every push was acknowledged, though the proxy did inject faults
                assertThat(proxy.slowDowns()).as("503s injected").isPositive();
                assertThat(proxy.cuts()).as("responses cut").isPositive();
                assertThat(failed).as("requests that failed, of %d S3 requests with %d 503s and %d cuts",
                        proxy.requests(), proxy.slowDowns(), proxy.cuts()).isEmpty();

                // and, with S3 healthy again, every image pulls back byte for byte
                proxy.faults(0, 0);
                for (int i = 0; i < images.size(); i++) {
                    Image image = images.get(i);
                    Reply manifest = registry.get("/v2/faults/app/manifests/v" + i, "Accept", OciContent.OCI_MANIFEST);
                    assertThat(manifest.body()).as("manifest v%d", i).isEqualTo(image.manifest().bytes());
                    for (Blob blob : image.blobs()) {
                        Reply pulled = registry.get("/v2/faults/app/blobs/" + OciContent.sha256(blob.bytes()));
                        assertThat(pulled.status()).isEqualTo(200);
                        assertThat(OciContent.sha256(pulled.body())).isEqualTo(OciContent.sha256(blob.bytes()));
                    }
                }
                registry.assertEveryReplyWellFormed();
            }
        }
    }

    /** One push, as containers/image sends it; a request that fails goes to {@code failed} and ends the push. */
    private static void pushLikeSkopeo(V2Client registry, String repository, String tag, Image image, List<Reply> failed) {
        for (Blob blob : image.blobs()) {
            String digest = OciContent.sha256(blob.bytes());
            Reply head = registry.head("/v2/" + repository + "/blobs/" + digest);
            if (head.status() == 200) {
                continue;
            }
            if (!expect(head, 404, failed)) {
                return;
            }
            Reply post = registry.post("/v2/" + repository + "/blobs/uploads/", new byte[0]);
            if (!expect(post, 202, failed)) {
                return;
            }
            Reply patch = registry.patch(post.header("Location"), blob.bytes(), "Content-Type", OCTET_STREAM);
            if (!expect(patch, 202, failed)) {
                return;
            }
            Reply put = registry.put(RegistryApiContract.withQuery(patch.header("Location"), "digest", digest), new byte[0]);
            if (!expect(put, 201, failed)) {
                return;
            }
        }
        expect(registry.putManifest(repository, tag, image.manifest()), 201, failed);
    }

    private static boolean expect(Reply reply, int status, List<Reply> failed) {
        if (reply.status() == status) {
            return true;
        }
        failed.add(reply);
        return false;
    }

}
