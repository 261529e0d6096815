import io.cangku.oci.Digest;
import io.cangku.oci.RepositoryName;
import io.cangku.oci.Tag;
import io.cangku.storage.StorageKey;
import io.cangku.storage.StorageLayout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Writes the same registry content twice, straight into storage: once in Cangku's layout (keys from
 * {@code StorageLayout} itself) and once in Distribution 2.8's filesystem-driver layout, so both collectors
 * get identical data without hours of pushing. Every file is two hours old, past any grace period.
 *
 *   java -cp target/classes bench/GcSeed.java --cangku DIR --distribution DIR --blobs 100000 --manifests 10000
 *
 * Content: {@code manifests} OCI image manifests over {@code manifests / 100} repositories, each with its own
 * config, one of ten shared base layers and its own layers; 10 % of the manifests are deleted (their blobs
 * stay, linked, unreferenced: what a {@code skopeo delete} leaves) and 5 % of the blobs are strays no
 * manifest names (failed pushes). Blobs are 256 random bytes: the collectors' work is per object, not per byte.
 * Either directory may be the root of an s3proxy filesystem bucket (objects are files there too).
 */
public class GcSeed {

    private static final FileTime OLD = FileTime.from(Instant.now().minus(Duration.ofHours(2)));
    private static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";

    public static void main(String[] args) throws IOException {
        Path cangku = Path.of(arg(args, "--cangku"));
        Path distribution = Path.of(arg(args, "--distribution"));
        int blobs = Integer.parseInt(arg(args, "--blobs"));
        int manifests = Integer.parseInt(arg(args, "--manifests"));
        int repositories = Math.max(1, manifests / 100);
        int strays = blobs / 20;
        int layersEach = Math.max(1, (blobs - strays - 10 - 2 * manifests) / manifests);
        SplittableRandom random = new SplittableRandom(42);
        List<String> base = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            base.add(blob(cangku, distribution, random));
        }
        long written = 10;
        long deleted = 0;
        for (int m = 0; m < manifests; m++) {
            String repository = "bench/r" + (m % repositories);
            String config = blob(cangku, distribution, random);
            List<String> layers = new ArrayList<>(List.of(base.get(m % base.size())));
            for (int l = 0; l < layersEach; l++) {
                layers.add(blob(cangku, distribution, random));
            }
            StringBuilder json = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"" + MANIFEST + "\",\"config\":"
                    + descriptor("application/vnd.oci.image.config.v1+json", config) + ",\"layers\":[");
            for (int l = 0; l < layers.size(); l++) {
                json.append(l == 0 ? "" : ",").append(descriptor("application/vnd.oci.image.layer.v1.tar+gzip", layers.get(l)));
            }
            byte[] manifest = json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
            String digest = store(cangku, distribution, manifest);
            written += 2 + layersEach;
            RepositoryName name = RepositoryName.parse(repository);
            List<String> linked = new ArrayList<>(layers);
            linked.add(config);
            for (String layer : linked) {
                Digest d = Digest.parse(layer);
                write(cangku, StorageLayout.layerLink(name, d), new byte[0]);
                write(distribution, "docker/registry/v2/repositories/" + repository + "/_layers/sha256/" + d.hex() + "/link", layer);
            }
            write(cangku, StorageLayout.catalogEntry(name), new byte[0]);
            if (m % 10 == 9) {
                deleted++; // pushed, then deleted by digest: links stay, revision and tag are gone
                continue;
            }
            Digest d = Digest.parse(digest);
            write(cangku, StorageLayout.manifestRevision(name, d), MANIFEST.getBytes(StandardCharsets.UTF_8));
            write(cangku, StorageLayout.tag(name, Tag.parse("t" + m)), digest.getBytes(StandardCharsets.US_ASCII));
            String repo = "docker/registry/v2/repositories/" + repository + "/_manifests/";
            write(distribution, repo + "revisions/sha256/" + d.hex() + "/link", digest);
            write(distribution, repo + "tags/t" + m + "/current/link", digest);
            write(distribution, repo + "tags/t" + m + "/index/sha256/" + d.hex() + "/link", digest);
        }
        for (int s = 0; s < strays; s++) {
            blob(cangku, distribution, random);
        }
        written += strays;
        System.out.printf("seeded %d blobs (%d manifests, %d of them deleted, %d stray blobs) in %d repositories%n",
                written, manifests, deleted, strays, repositories);
    }

    private static String blob(Path cangku, Path distribution, SplittableRandom random) throws IOException {
        byte[] content = new byte[256];
        random.nextBytes(content);
        return store(cangku, distribution, content);
    }

    private static String store(Path cangku, Path distribution, byte[] content) throws IOException {
        Digest digest = Digest.sha256Of(content);
        write(cangku, StorageLayout.blob(digest), content);
        write(distribution, "docker/registry/v2/blobs/sha256/" + digest.hex().substring(0, 2) + "/" + digest.hex() + "/data", content);
        return digest.toString();
    }

    private static String descriptor(String mediaType, String digest) {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + digest + "\",\"size\":256}"; // every blob a manifest names is 256 bytes
    }

    private static void write(Path root, StorageKey key, byte[] content) throws IOException {
        write(root, key.path(), content);
    }

    private static void write(Path root, String path, String content) throws IOException {
        write(root, path, content.getBytes(StandardCharsets.US_ASCII));
    }

    private static void write(Path root, String path, byte[] content) throws IOException {
        Path file = root.resolve(path);
        Files.createDirectories(file.getParent());
        Files.write(file, content);
        Files.setLastModifiedTime(file, OLD);
    }

    private static String arg(String[] args, String name) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        throw new IllegalArgumentException("missing " + name);
    }
}
