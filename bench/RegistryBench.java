import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A load generator for any OCI registry (Cangku or a peer): pushes blobs the way docker and skopeo do
 * (POST, one streamed PATCH, PUT ?digest=) and pulls them back, with several clients at once, and prints
 * throughput. Run with the JDK's source launcher, no build needed:
 *
 *   java bench/RegistryBench.java --url http://127.0.0.1:5000 --label cangku-fs --blobs 16 --size-mib 32 --clients 4 --rounds 3
 *
 * Blobs are random (seeded, distinct per round) and generated before timing starts, so the client spends
 * its time on the wire, not on generating data. Each round pushes every blob and then pulls every blob;
 * the median round is reported. Output: one CSV line per phase (label,phase,MiB/s,requests/s).
 */
public class RegistryBench {

    public static void main(String[] args) throws Exception {
        String url = arg(args, "--url", "http://127.0.0.1:5000");
        String label = arg(args, "--label", "registry");
        int blobs = Integer.parseInt(arg(args, "--blobs", "16"));
        int sizeMiB = Integer.parseInt(arg(args, "--size-mib", "32"));
        int clients = Integer.parseInt(arg(args, "--clients", "4"));
        int rounds = Integer.parseInt(arg(args, "--rounds", "3"));
        String repo = arg(args, "--repo", "bench/blobs");

        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        double[] pushRates = new double[rounds];
        double[] pullRates = new double[rounds];
        long totalBytes = (long) blobs * sizeMiB * 1024 * 1024;
        for (int round = 0; round < rounds; round++) {
            List<byte[]> data = new ArrayList<>();
            List<String> digests = new ArrayList<>();
            for (int i = 0; i < blobs; i++) {
                byte[] bytes = new byte[sizeMiB * 1024 * 1024];
                new Random(round * 1_000_003L + i + System.nanoTime()).nextBytes(bytes);
                data.add(bytes);
                digests.add("sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
            }
            pushRates[round] = totalBytes / seconds(() -> parallel(clients, blobs, i -> push(http, url, repo, data.get(i), digests.get(i))))
                    / (1024.0 * 1024.0);
            pullRates[round] = totalBytes / seconds(() -> parallel(clients, blobs, i -> pull(http, url, repo, digests.get(i), data.get(i).length)))
                    / (1024.0 * 1024.0);
            System.err.printf("%s round %d: push %.1f MiB/s, pull %.1f MiB/s%n", label, round + 1, pushRates[round], pullRates[round]);
        }
        double push = median(pushRates);
        double pull = median(pullRates);
        System.out.printf("%s,push,%.1f,%.2f%n", label, push, push / sizeMiB);
        System.out.printf("%s,pull,%.1f,%.2f%n", label, pull, pull / sizeMiB);
    }

    interface Task {
        void run(int index) throws Exception;
    }

    interface Timed {
        void run() throws Exception;
    }

    static void parallel(int clients, int count, Task task) throws Exception {
        AtomicLong next = new AtomicLong();
        try (ExecutorService pool = Executors.newFixedThreadPool(clients)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                futures.add(pool.submit(() -> {
                    for (long i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                        task.run((int) i);
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        }
    }

    static double seconds(Timed timed) throws Exception {
        long start = System.nanoTime();
        timed.run();
        return (System.nanoTime() - start) / 1e9;
    }

    static void push(HttpClient http, String url, String repo, byte[] bytes, String digest) throws Exception {
        HttpResponse<Void> post = http.send(HttpRequest.newBuilder(URI.create(url + "/v2/" + repo + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
        expect(post, 202);
        URI session = URI.create(url).resolve(post.headers().firstValue("Location").orElseThrow());
        HttpResponse<Void> patch = http.send(HttpRequest.newBuilder(session)
                .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(bytes))
                .header("Content-Type", "application/octet-stream").build(), HttpResponse.BodyHandlers.discarding());
        expect(patch, 202);
        URI location = URI.create(url).resolve(patch.headers().firstValue("Location").orElseThrow());
        String separator = location.getQuery() == null ? "?" : "&";
        HttpResponse<Void> put = http.send(HttpRequest.newBuilder(URI.create(location + separator + "digest=" + digest))
                .PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
        expect(put, 201);
    }

    static void pull(HttpClient http, String url, String repo, String digest, long size) throws Exception {
        HttpResponse<InputStream> get = http.send(HttpRequest.newBuilder(URI.create(url + "/v2/" + repo + "/blobs/" + digest)).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        expect(get, 200);
        long read = 0;
        try (InputStream in = get.body()) {
            byte[] buffer = new byte[256 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                read += n;
            }
        }
        if (read != size) {
            throw new IllegalStateException("pulled " + read + " bytes of " + digest + ", expected " + size);
        }
    }

    static void expect(HttpResponse<?> response, int status) {
        if (response.statusCode() != status) {
            throw new IllegalStateException(response.request().method() + " " + response.uri() + " answered "
                    + response.statusCode() + ", expected " + status);
        }
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    static String arg(String[] args, String name, String fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }
}
