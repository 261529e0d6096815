import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A load generator for any OCI registry (Cangku or a peer). Run with the JDK's source launcher, no build needed:
 *
 *   java bench/RegistryBench.java --target cangku=http://127.0.0.1:5000 --target distribution=http://127.0.0.1:5001 \
 *        [--blobs 16] [--size-mib 32] [--clients 4] [--rounds 5] [--big-mib 256] [--chunks 16] \
 *        [--images 8] [--image-layers 4] [--layer-mib 8] [--connections 64] [--small-seconds 5] [--warmup 1] \
 *        [--phases push,pull,monolithic,chunked,images,manifest,head]
 *
 * Phases (each round, every target in turn, in alternating order so that the shared machine's drift falls
 * on all alike; {@code --warmup} unmeasured rounds come first; the median round of each is reported):
 * <ul>
 * <li>{@code push}: blobs pushed the way docker and skopeo do (POST, one streamed PATCH, PUT ?digest=), by
 *     {@code --clients} at once; {@code pull}: the same blobs pulled back twice, by as many clients, each
 *     pull timed: {@code first-pull} the first right after the push (from memory only where the registry
 *     wrote the blobs through the page cache; a registry that writes around it, as Cangku does with direct
 *     writes, reads them from disk), then {@code pull} the second (the page cache is warm for every registry).
 * <li>{@code monolithic}: one {@code --big-mib} blob in one PUT (POST, then PUT ?digest= with the body);
 *     {@code chunked}: the same size in {@code --chunks} PATCHes with Content-Range, then PUT ?digest=.
 * <li>{@code images}: {@code --images} clients at once each push an image (layers, config, manifest).
 * <li>{@code manifest} and {@code head}: {@code --connections} keep-alive connections GET one manifest by
 *     tag, or HEAD one blob, for {@code --small-seconds}; requests per second and the 99th percentile.
 * </ul>
 * Blobs are random (distinct per round and target) and generated before timing starts, so the client
 * spends its time on the wire. Output: one CSV line per target and phase
 * ({@code label,phase,rate,unit,p99 ms}; rate in MiB/s or requests/s).
 */
public class RegistryBench {

    record Target(String label, String url) {
    }

    public static void main(String[] args) throws Exception {
        List<Target> targets = new ArrayList<>();
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals("--target")) {
                String[] labelUrl = args[i + 1].split("=", 2);
                targets.add(new Target(labelUrl[0], labelUrl[1]));
            }
        }
        if (targets.isEmpty()) {
            targets.add(new Target(arg(args, "--label", "registry"), arg(args, "--url", "http://127.0.0.1:5000")));
        }
        int blobs = Integer.parseInt(arg(args, "--blobs", "16"));
        int sizeMiB = Integer.parseInt(arg(args, "--size-mib", "32"));
        int clients = Integer.parseInt(arg(args, "--clients", "4"));
        int rounds = Integer.parseInt(arg(args, "--rounds", "3"));
        // unmeasured rounds first: a registry is measured as it runs, warm (a JVM's compiler, caches, the page cache)
        int warmup = Integer.parseInt(arg(args, "--warmup", "1"));
        int bigMiB = Integer.parseInt(arg(args, "--big-mib", "256"));
        int chunks = Integer.parseInt(arg(args, "--chunks", "16"));
        int images = Integer.parseInt(arg(args, "--images", "8"));
        int imageLayers = Integer.parseInt(arg(args, "--image-layers", "4"));
        int layerMiB = Integer.parseInt(arg(args, "--layer-mib", "8"));
        int connections = Integer.parseInt(arg(args, "--connections", "64"));
        double smallSeconds = Double.parseDouble(arg(args, "--small-seconds", "5"));
        List<String> phases = new ArrayList<>(List.of(arg(args, "--phases", "push,pull,monolithic,chunked,images,manifest,head").split(",")));
        if (phases.contains("pull")) {
            phases.add(phases.indexOf("pull"), "first-pull"); // reported beside the pull it comes before
        }
        String repo = arg(args, "--repo", "bench/blobs");

        Map<String, double[][]> rates = new LinkedHashMap<>();
        Map<String, double[][]> p99s = new LinkedHashMap<>();
        for (String phase : phases) {
            rates.put(phase, new double[targets.size()][rounds]);
            p99s.put(phase, new double[targets.size()][rounds]);
        }
        // The small-request phases need an image to ask for: one per target, pushed before timing.
        Map<String, Image> probes = new LinkedHashMap<>();
        for (Target target : targets) {
            probes.put(target.label, pushImage(target.url, "bench/small", "probe", 1, 1, new Random(42)));
        }
        for (int pass = 0; pass < warmup + rounds; pass++) {
            int round = pass - warmup; // negative: a warm-up round, recorded nowhere
            for (int k = 0; k < targets.size(); k++) {
                int t = pass % 2 == 0 ? k : targets.size() - 1 - k;
                Target target = targets.get(t);
                String url = target.url;
                long seed = pass * 1_000_003L + t * 104_729L + System.nanoTime();
                StringBuilder line = new StringBuilder(target.label + (round < 0 ? " warm-up:" : " round " + (round + 1) + ":"));
                if (phases.contains("push") || phases.contains("pull")) {
                    List<byte[]> data = new ArrayList<>();
                    List<String> digests = new ArrayList<>();
                    for (int i = 0; i < blobs; i++) {
                        byte[] bytes = random(sizeMiB * 1024 * 1024, seed + i * 7919L);
                        data.add(bytes);
                        digests.add(sha256(bytes));
                    }
                    long totalBytes = (long) blobs * sizeMiB * 1024 * 1024;
                    settle();
                    double push = totalBytes / seconds(() -> parallel(clients, blobs,
                            i -> push(url, repo, data.get(i), digests.get(i)))) / MIB;
                    record(rates, "push", t, round, push, line);
                    if (phases.contains("pull")) {
                        for (String phase : List.of("first-pull", "pull")) {
                            double pull = totalBytes / seconds(() -> parallel(clients, blobs,
                                    i -> pull(url, repo, digests.get(i), data.get(i).length))) / MIB;
                            record(rates, phase, t, round, pull, line);
                        }
                    }
                }
                if (phases.contains("monolithic")) {
                    byte[] big = random(bigMiB * 1024 * 1024, seed + 1);
                    String digest = sha256(big);
                    settle();
                    record(rates, "monolithic", t, round, big.length / seconds(() -> pushMonolithic(url, repo, big, digest)) / MIB, line);
                }
                if (phases.contains("chunked")) {
                    byte[] big = random(bigMiB * 1024 * 1024, seed + 2);
                    String digest = sha256(big);
                    settle();
                    record(rates, "chunked", t, round, big.length / seconds(() -> pushChunked(url, repo, big, digest, chunks)) / MIB, line);
                }
                if (phases.contains("images")) {
                    // generated before timing: the layers of every image
                    List<Image> prepared = new ArrayList<>();
                    for (int i = 0; i < images; i++) {
                        prepared.add(prepareImage(imageLayers, layerMiB, new Random(seed + 100 + i)));
                    }
                    long totalBytes = (long) images * imageLayers * layerMiB * 1024 * 1024;
                    String tag = "r" + pass;
                    settle();
                    double rate = totalBytes / seconds(() -> parallel(images, images,
                            i -> pushPrepared(url, "bench/images/i" + i, tag, prepared.get(i)))) / MIB;
                    record(rates, "images", t, round, rate, line);
                }
                Image probe = probes.get(target.label);
                if (phases.contains("manifest")) {
                    Load load = hammer(url, connections, smallSeconds, "GET", "/v2/bench/small/manifests/probe",
                            "Accept: application/vnd.oci.image.manifest.v1+json\r\n", probe.manifest.length);
                    record(rates, "manifest", t, round, load.perSecond, line);
                    if (round >= 0) {
                        p99s.get("manifest")[t][round] = load.p99Ms;
                    }
                    line.append(String.format(" (p99 %.1f ms)", load.p99Ms));
                }
                if (phases.contains("head")) {
                    Load load = hammer(url, connections, smallSeconds, "HEAD", "/v2/bench/small/blobs/" + probe.layerDigests.get(0), "", -1);
                    record(rates, "head", t, round, load.perSecond, line);
                    if (round >= 0) {
                        p99s.get("head")[t][round] = load.p99Ms;
                    }
                    line.append(String.format(" (p99 %.1f ms)", load.p99Ms));
                }
                System.err.println(line);
            }
        }
        for (int t = 0; t < targets.size(); t++) {
            for (String phase : phases) {
                boolean requests = phase.equals("manifest") || phase.equals("head");
                System.out.printf("%s,%s,%.1f,%s,%s%n", targets.get(t).label, phase, median(rates.get(phase)[t]),
                        requests ? "req/s" : "MiB/s", requests ? String.format("%.1f", median(p99s.get(phase)[t])) : "");
            }
        }
    }

    static final double MIB = 1024.0 * 1024.0;
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NORMAL) // as real clients do: a registry may send blob GETs to its storage
            .connectTimeout(Duration.ofSeconds(10)).build();

    /** The answer to a blob upload request: its status and Location header. */
    record Sent(int status, String location) {
    }

    /**
     * A blob's bytes (or a slice) as one request body, on a socket of its own ({@code Connection: close}), in
     * 1 MiB writes straight from the array, as {@link #hammer} sends small requests. java.net.http's client cost
     * this benchmark's JVM 0.3 to 1.5 s of CPU per 256 MiB sent (its body publisher copies the array into 16 KiB
     * buffers and hands each through its flow), on the two cores the registry under test needs too; a raw socket
     * costs about 0.1 s (bench/README.md, "The upload client"). HttpURLConnection would do it as cheaply but
     * refuses PATCH.
     */
    static Sent upload(String method, URI uri, byte[] bytes, int offset, int length, Map<String, String> headers) throws IOException {
        StringBuilder head = new StringBuilder(method).append(' ').append(uri.getRawPath())
                .append(uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())
                .append(" HTTP/1.1\r\nHost: ").append(uri.getHost()).append(':').append(uri.getPort())
                .append("\r\nConnection: close\r\nContent-Type: application/octet-stream\r\nContent-Length: ").append(length)
                .append("\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        head.append("\r\n");
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setTcpNoDelay(true);
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
            for (int at = offset; at < offset + length; at += 1 << 20) {
                out.write(bytes, at, Math.min(1 << 20, offset + length - at));
            }
            out.flush();
            InputStream in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
            String[] lines = readHeaders(in).split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            String location = null;
            for (String line : lines) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("Location")) {
                    location = line.substring(colon + 1).trim();
                }
            }
            in.readAllBytes(); // the body, if any, ends with the connection
            return new Sent(status, location);
        }
    }

    static void expect(Sent sent, String what, int status) {
        if (sent.status() != status) {
            throw new IllegalStateException(what + " answered " + sent.status() + ", expected " + status);
        }
    }

    static void record(Map<String, double[][]> rates, String phase, int t, int round, double value, StringBuilder line) {
        if (round >= 0) {
            rates.get(phase)[t][round] = value;
        }
        line.append(String.format(" %s %.1f", phase, value));
    }

    static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
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

    /**
     * Before a timed upload, outside the timing: {@code sync}, so that the writes the step before left in the
     * page cache are on disk before this one starts. Distribution 2.8 never calls fsync, so each of its turns
     * leaves up to a gigabyte to be written back, which the kernel may write back during the next registry's
     * turn, on the same disk that registry's fsyncs wait for. Every timed upload now starts with nothing
     * pending, for both registries alike; Distribution's deferred writes are then charged to no one. Two runs,
     * one each way, differed by no more than their rounds do (bench/README.md, "With a sync before each upload").
     */
    static void settle() throws Exception {
        Process sync = new ProcessBuilder("sync").inheritIO().start();
        if (sync.waitFor() != 0) {
            throw new IllegalStateException("sync failed");
        }
    }

    static double seconds(Timed timed) throws Exception {
        long start = System.nanoTime();
        timed.run();
        return (System.nanoTime() - start) / 1e9;
    }

    static void push(String url, String repo, byte[] bytes, String digest) throws Exception {
        HttpResponse<Void> post = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/v2/" + repo + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
        expect(post, 202);
        URI session = URI.create(url).resolve(post.headers().firstValue("Location").orElseThrow());
        Sent patch = upload("PATCH", session, bytes, 0, bytes.length, Map.of());
        expect(patch, "PATCH " + session, 202);
        URI location = URI.create(url).resolve(patch.location());
        String separator = location.getQuery() == null ? "?" : "&";
        HttpResponse<Void> put = HTTP.send(HttpRequest.newBuilder(URI.create(location + separator + "digest=" + digest))
                .PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
        expect(put, 201);
    }

    static void pull(String url, String repo, String digest, long size) throws Exception {
        HttpResponse<InputStream> get = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/v2/" + repo + "/blobs/" + digest)).GET().build(),
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

    static URI startUpload(String url, String repo) throws Exception {
        HttpResponse<Void> post = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/v2/" + repo + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
        expect(post, 202);
        return URI.create(url).resolve(post.headers().firstValue("Location").orElseThrow());
    }

    static URI withDigest(URI location, String digest) {
        return URI.create(location + (location.getQuery() == null ? "?" : "&") + "digest=" + digest);
    }

    /** The spec's monolithic upload: POST, then one PUT ?digest= with the whole body. */
    static void pushMonolithic(String url, String repo, byte[] bytes, String digest) throws Exception {
        URI session = withDigest(startUpload(url, repo), digest);
        expect(upload("PUT", session, bytes, 0, bytes.length, Map.of()), "PUT " + session, 201);
    }

    /** The spec's chunked upload: PATCHes with Content-Range, each to the Location the last one answered. */
    static void pushChunked(String url, String repo, byte[] bytes, String digest, int chunks) throws Exception {
        URI location = startUpload(url, repo);
        int chunk = (bytes.length + chunks - 1) / chunks;
        for (int offset = 0; offset < bytes.length; offset += chunk) {
            int length = Math.min(chunk, bytes.length - offset);
            Sent patch = upload("PATCH", location, bytes, offset, length, Map.of("Content-Range", offset + "-" + (offset + length - 1)));
            expect(patch, "PATCH " + location, 202);
            location = URI.create(url).resolve(patch.location());
        }
        HttpResponse<Void> put = HTTP.send(HttpRequest.newBuilder(withDigest(location, digest))
                .PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
        expect(put, 201);
    }

    record Image(List<byte[]> layers, List<String> layerDigests, byte[] config, String configDigest, byte[] manifest) {
    }

    static Image prepareImage(int layerCount, int layerMiB, Random random) throws Exception {
        List<byte[]> layers = new ArrayList<>();
        List<String> digests = new ArrayList<>();
        StringBuilder descriptors = new StringBuilder();
        for (int i = 0; i < layerCount; i++) {
            byte[] layer = new byte[Math.max(1, layerMiB * 1024 * 1024)];
            random.nextBytes(layer);
            layers.add(layer);
            digests.add(sha256(layer));
            descriptors.append(i == 0 ? "" : ",").append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"")
                    .append(digests.get(i)).append("\",\"size\":").append(layer.length).append('}');
        }
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"" + random.nextLong() + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        String configDigest = sha256(config);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest
                + "\",\"size\":" + config.length + "},\"layers\":[" + descriptors + "]}").getBytes(StandardCharsets.UTF_8);
        return new Image(layers, digests, config, configDigest, manifest);
    }

    static Image pushImage(String url, String repo, String tag, int layerCount, int layerMiB, Random random) throws Exception {
        Image image = prepareImage(layerCount, layerMiB, random);
        pushPrepared(url, repo, tag, image);
        return image;
    }

    /** As docker push does: each layer (HEAD first, then upload), the config, then the manifest by tag. */
    static void pushPrepared(String url, String repo, String tag, Image image) throws Exception {
        for (int i = 0; i < image.layers.size(); i++) {
            pushIfAbsent(url, repo, image.layers.get(i), image.layerDigests.get(i));
        }
        pushIfAbsent(url, repo, image.config, image.configDigest);
        HttpResponse<Void> put = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/v2/" + repo + "/manifests/" + tag))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(image.manifest))
                .header("Content-Type", "application/vnd.oci.image.manifest.v1+json").build(), HttpResponse.BodyHandlers.discarding());
        expect(put, 201);
    }

    static void pushIfAbsent(String url, String repo, byte[] bytes, String digest) throws Exception {
        HttpResponse<Void> head = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/v2/" + repo + "/blobs/" + digest))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
        if (head.statusCode() != 200) {
            push(url, repo, bytes, digest);
        }
    }

    record Load(double perSecond, double p99Ms) {
    }

    /**
     * Small requests on plain keep-alive sockets (one per connection, one thread each), so that the load
     * generator costs little beside the server: each thread sends a request, reads the whole answer,
     * records the latency and sends the next, until the time is up.
     */
    static Load hammer(String url, int connections, double seconds, String method, String path, String headers,
            int expectedBody) throws Exception {
        URI base = URI.create(url);
        byte[] request = (method + " " + path + " HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort() + "\r\n" + headers
                + "\r\n").getBytes(StandardCharsets.US_ASCII);
        long end = System.nanoTime() + (long) (seconds * 1e9);
        List<long[]> latencies = new ArrayList<>();
        AtomicReference<Exception> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        long started = System.nanoTime();
        for (int c = 0; c < connections; c++) {
            long[] mine = new long[100_000];
            latencies.add(mine);
            threads.add(Thread.ofPlatform().start(() -> {
                int count = 0;
                try {
                    // a new connection whenever the server ends one (Tomcat does after maxKeepAliveRequests)
                    while (System.nanoTime() < end && count < mine.length - 1) {
                        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
                            socket.setTcpNoDelay(true);
                            OutputStream out = socket.getOutputStream();
                            InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
                            boolean open = true;
                            while (open && System.nanoTime() < end && count < mine.length - 1) {
                                long t0 = System.nanoTime();
                                out.write(request);
                                out.flush();
                                open = readResponse(in, "HEAD".equals(method), expectedBody);
                                mine[++count] = System.nanoTime() - t0;
                            }
                        }
                    }
                } catch (Exception e) {
                    failure.compareAndSet(null, e);
                }
                mine[0] = count;
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        double elapsed = (System.nanoTime() - started) / 1e9;
        if (failure.get() != null) {
            throw failure.get();
        }
        int total = 0;
        for (long[] mine : latencies) {
            total += (int) mine[0];
        }
        long[] all = new long[total];
        int at = 0;
        for (long[] mine : latencies) {
            System.arraycopy(mine, 1, all, at, (int) mine[0]);
            at += (int) mine[0];
        }
        Arrays.sort(all);
        return new Load(total / elapsed, all.length == 0 ? 0 : all[(int) Math.min(all.length - 1, Math.ceil(all.length * 0.99) - 1)] / 1e6);
    }

    /** Reads one answer; false when the server closes the connection after it. */
    static boolean readResponse(InputStream in, boolean head, int expectedBody) throws IOException {
        String text = readHeaders(in);
        if (!text.startsWith("HTTP/1.1 200")) {
            throw new IOException("expected 200, got " + text.lines().findFirst().orElse(""));
        }
        long length = 0;
        boolean keepAlive = true;
        for (String header : text.split("\r\n")) {
            int colon = header.indexOf(':');
            if (colon > 0 && header.substring(0, colon).trim().equalsIgnoreCase("Content-Length")) {
                length = Long.parseLong(header.substring(colon + 1).trim());
            }
            if (colon > 0 && header.substring(0, colon).trim().equalsIgnoreCase("Connection")
                    && header.substring(colon + 1).trim().equalsIgnoreCase("close")) {
                keepAlive = false;
            }
        }
        if (head) {
            return keepAlive;
        }
        if (expectedBody >= 0 && length != expectedBody) {
            throw new IOException("body of " + length + " bytes, expected " + expectedBody);
        }
        in.skipNBytes(length);
        return keepAlive;
    }

    /** The status line and headers of one answer, up to and including the empty line. */
    static String readHeaders(InputStream in) throws IOException {
        StringBuilder headers = new StringBuilder();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed mid-response");
            }
            headers.append((char) b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3)) ? matched + 1 : 0;
        }
        return headers.toString();
    }

    static String sha256(byte[] bytes) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
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
