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
 *   java bench/RegistryBench.java --target cangku=http://127.0.0.1:5000 --target distribution=http://127.0.0.1:5001 \
 *        --blobs 16 --size-mib 32 --clients 4 --rounds 5
 *
 * Blobs are random (distinct per round and target) and generated before timing starts, so the client
 * spends its time on the wire, not on generating data. In each round every target pushes every blob and
 * then pulls every blob, targets taking turns; the median round of each is reported. Output: one CSV line
 * per target and phase (label,phase,MiB/s,blobs/s).
 */
public class RegistryBench {

    public static void main(String[] args) throws Exception {
        List<String[]> targets = new ArrayList<>();
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals("--target")) {
                String[] labelUrl = args[i + 1].split("=", 2);
                targets.add(labelUrl);
            }
        }
        if (targets.isEmpty()) {
            targets.add(new String[] {arg(args, "--label", "registry"), arg(args, "--url", "http://127.0.0.1:5000")});
        }
        int blobs = Integer.parseInt(arg(args, "--blobs", "16"));
        int sizeMiB = Integer.parseInt(arg(args, "--size-mib", "32"));
        int clients = Integer.parseInt(arg(args, "--clients", "4"));
        int rounds = Integer.parseInt(arg(args, "--rounds", "3"));
        String repo = arg(args, "--repo", "bench/blobs");

        // Follow redirects as real clients do (a registry may send blob GETs to its storage).
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(10)).build();
        double[][] pushRates = new double[targets.size()][rounds];
        double[][] pullRates = new double[targets.size()][rounds];
        long totalBytes = (long) blobs * sizeMiB * 1024 * 1024;
        for (int round = 0; round < rounds; round++) {
            // Targets take turns within each round, in alternating order, so drift in the machine's load
            // (it is shared) falls on all of them alike.
            for (int k = 0; k < targets.size(); k++) {
                int t = round % 2 == 0 ? k : targets.size() - 1 - k;
                String label = targets.get(t)[0];
                String url = targets.get(t)[1];
                List<byte[]> data = new ArrayList<>();
                List<String> digests = new ArrayList<>();
                for (int i = 0; i < blobs; i++) {
                    byte[] bytes = new byte[sizeMiB * 1024 * 1024];
                    new Random(round * 1_000_003L + i * 7919L + t * 104_729L + System.nanoTime()).nextBytes(bytes);
                    data.add(bytes);
                    digests.add("sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
                }
                pushRates[t][round] = totalBytes / seconds(() -> parallel(clients, blobs,
                        i -> push(http, url, repo, data.get(i), digests.get(i)))) / (1024.0 * 1024.0);
                pullRates[t][round] = totalBytes / seconds(() -> parallel(clients, blobs,
                        i -> pull(http, url, repo, digests.get(i), data.get(i).length))) / (1024.0 * 1024.0);
                System.err.printf("%s round %d: push %.1f MiB/s, pull %.1f MiB/s%n", label, round + 1,
                        pushRates[t][round], pullRates[t][round]);
            }
        }
        for (int t = 0; t < targets.size(); t++) {
            double push = median(pushRates[t]);
            double pull = median(pullRates[t]);
            System.out.printf("%s,push,%.1f,%.2f%n", targets.get(t)[0], push, push / sizeMiB);
            System.out.printf("%s,pull,%.1f,%.2f%n", targets.get(t)[0], pull, pull / sizeMiB);
        }
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
