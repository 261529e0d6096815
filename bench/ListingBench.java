import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Listing at scale, for any pair of OCI registries: tags of one repository (1,000 to 50,000) and the
 * catalog (1,000 and 10,000 repositories), each listed whole and walked page by page by following
 * {@code Link} headers, targets taking turns round by round (alternating order) so that the shared
 * machine's drift falls on both. Optionally a catalog walk as a user who may see only some repositories
 * (token authentication: the bench answers the Bearer challenge with the given user's password).
 *
 *   java bench/ListingBench.java --target distribution=http://127.0.0.1:5001 --target cangku=http://127.0.0.1:5000 \
 *        [--tags 1000,10000,50000] [--repositories 1000,10000] [--rounds 3] [--clients 8] \
 *        [--filtered cangku-auth=http://127.0.0.1:5002,user,password] [--filtered-peer distribution] [--filtered-pages 1000]
 *        [--filtered-peer-pages 100] [--warmup-seconds 3]
 *
 * Seeding goes through the API as cheaply as it can: one image is pushed, then its manifest is PUT under
 * every further tag (tags) or mounted into every further repository and PUT there (catalog), by
 * {@code --clients} at once, within {@code --seed-timeout} seconds. Output: CSV lines
 * {@code label,case,size,pages,total ms,ms per page} (medians over the rounds), then the ratio table.
 */
public class ListingBench {

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    static final String TAG_REPOSITORY = "bench/tags";
    static final String CATALOG_PREFIX = "bench/catalog/r";

    record Target(String label, String url) {
    }

    record Image(byte[] manifest, String manifestDigest, String configDigest, String layerDigest) {
    }

    record Result(String label, String kase, int size, int pages, double totalMs) {
        double perPage() {
            return totalMs / Math.max(1, pages);
        }
    }

    static final List<Result> RESULTS = new ArrayList<>();
    static long seedDeadline;
    static long warmupNanos;

    public static void main(String[] args) throws Exception {
        List<Target> targets = new ArrayList<>();
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals("--target")) {
                String[] labelUrl = args[i + 1].split("=", 2);
                targets.add(new Target(labelUrl[0], labelUrl[1]));
            }
        }
        int rounds = Integer.parseInt(arg(args, "--rounds", "3"));
        int clients = Integer.parseInt(arg(args, "--clients", "8"));
        int[] tagCounts = ints(arg(args, "--tags", "1000,5000,10000,50000"));
        int[] repositoryCounts = ints(arg(args, "--repositories", "1000,10000"));
        int pageSize = Integer.parseInt(arg(args, "--n", "100"));
        warmupNanos = (long) (Double.parseDouble(arg(args, "--warmup-seconds", "3")) * 1e9);
        seedDeadline = System.nanoTime() + Long.parseLong(arg(args, "--seed-timeout", "1800")) * 1_000_000_000L;

        Map<String, Image> images = new LinkedHashMap<>();
        for (Target target : targets) {
            images.put(target.label, pushImage(target.url, TAG_REPOSITORY));
        }

        // tags of one repository, growing level by level
        int seededTags = 1;
        for (int level : tagCounts) {
            for (Target target : targets) {
                seedTags(target, images.get(target.label), seededTags, level, clients);
            }
            seededTags = level;
            settle(targets, "/v2/" + TAG_REPOSITORY + "/tags/list?n=" + pageSize);
            for (int round = 0; round < rounds; round++) {
                for (Target target : inTurn(targets, round)) {
                    String tags = "/v2/" + TAG_REPOSITORY + "/tags/list";
                    record(target, "tags full list", level, walk(target, tags + "?n=" + level, null), round);
                    record(target, "tags walk n=" + pageSize, level, walk(target, tags + "?n=" + pageSize, null), round);
                }
            }
        }

        // repositories in the catalog, growing level by level
        int seededRepositories = 0;
        for (int level : repositoryCounts) {
            for (Target target : targets) {
                seedRepositories(target, images.get(target.label), seededRepositories, level, clients);
            }
            seededRepositories = level;
            settle(targets, "/v2/_catalog?n=" + pageSize);
            for (int round = 0; round < rounds; round++) {
                for (Target target : inTurn(targets, round)) {
                    record(target, "catalog walk n=" + pageSize, level, walk(target, "/v2/_catalog?n=" + pageSize, null), round);
                }
            }
        }

        // the catalog as a user who sees few of the repositories, beside the peer's unfiltered walk of as many pages
        String filtered = arg(args, "--filtered", null);
        if (filtered != null) {
            String[] parts = filtered.split("=", 2);
            String[] urlUserPassword = parts[1].split(",", 3);
            Target auth = new Target(parts[0], urlUserPassword[0]);
            Credentials credentials = new Credentials(urlUserPassword[1], urlUserPassword[2]);
            int wanted = Integer.parseInt(arg(args, "--filtered-pages", "1000"));
            // the peer's unfiltered catalog costs it a walk of the whole tree per page: fewer pages give its per-page time
            int peerWanted = Integer.parseInt(arg(args, "--filtered-peer-pages", "100"));
            String peerLabel = arg(args, "--filtered-peer", targets.getFirst().label);
            Target peer = targets.stream().filter(t -> t.label.equals(peerLabel)).findFirst().orElseThrow();
            int size = seededRepositories;
            for (int round = 0; round < rounds; round++) {
                List<Runnable> turns = new ArrayList<>();
                turns.add(() -> record(auth, "catalog filtered walk n=1", size, walkPages(auth, "/v2/_catalog?n=1", credentials, wanted), -1));
                turns.add(() -> record(peer, "catalog filtered walk n=1", size, walkPages(peer, "/v2/_catalog?n=1", null, peerWanted), -1));
                if (round % 2 == 0) {
                    turns = turns.reversed(); // the peer first in the first round: the table lists it first
                }
                turns.forEach(Runnable::run);
            }
        }

        report(targets);
    }

    /** Pages fetched and milliseconds spent. */
    record Walk(int pages, double ms) {
    }

    static void record(Target target, String kase, int size, Walk walk, int round) {
        RESULTS.add(new Result(target.label, kase, size, walk.pages, walk.ms));
        System.err.printf("%s %s at %d: %d pages in %.1f ms (%.2f ms per page)%n", target.label, kase, size, walk.pages,
                walk.ms, walk.ms / Math.max(1, walk.pages));
    }

    static List<Target> inTurn(List<Target> targets, int round) {
        return round % 2 == 0 ? targets : targets.reversed();
    }

    /** Follows Link headers from {@code first} to the end. */
    static Walk walk(Target target, String first, Credentials credentials) {
        return walkPages(target, first, credentials, Integer.MAX_VALUE);
    }

    /** Follows Link headers, starting over at the end, until {@code wanted} pages were fetched. */
    static Walk walkPages(Target target, String first, Credentials credentials, int wanted) {
        String token = credentials == null ? null : credentials.token(target.url, "registry:catalog:*");
        int pages = 0;
        long start = System.nanoTime();
        String next = first;
        while (pages < wanted) {
            HttpRequest.Builder get = HttpRequest.newBuilder(URI.create(target.url + next)).GET();
            if (token != null) {
                get.header("Authorization", "Bearer " + token);
            }
            HttpResponse<byte[]> page = send(get.build());
            expect(page, 200);
            pages++;
            next = nextLink(page);
            if (next == null) {
                if (wanted == Integer.MAX_VALUE) {
                    break;
                }
                next = first;
            }
        }
        return new Walk(pages, (System.nanoTime() - start) / 1e6);
    }

    static final Pattern LINK = Pattern.compile("<([^>]+)>;\\s*rel=\"?next\"?");

    static String nextLink(HttpResponse<?> response) {
        return response.headers().firstValue("Link").map(link -> {
            Matcher m = LINK.matcher(link);
            if (!m.find()) {
                throw new IllegalStateException("unreadable Link " + link);
            }
            String target = m.group(1);
            return target.startsWith("http") ? URI.create(target).getRawPath() + "?" + URI.create(target).getRawQuery() : target;
        }).orElse(null);
    }

    /**
     * Both registries at rest after seeding: unmeasured walks for {@code --warmup-seconds} each (at least one; alike
     * for both), then a pause past Cangku's timestamp-settling window, after which it trusts the sorted directory
     * listings it keeps. One walk was the warm-up before: a JVM's listing code was still interpreted or on its first
     * compilation for the first sizes (8.5 ms per page at 1,000 tags, 0.7 ms at 50,000, the same code), so those
     * figures measured Cangku's JIT warming up, which a registry does once after it starts, not its listing.
     */
    static void settle(List<Target> targets, String walk) throws InterruptedException {
        for (Target target : targets) {
            long started = System.nanoTime();
            do {
                walk(target, walk, null);
            } while (System.nanoTime() - started < warmupNanos);
        }
        Thread.sleep(1500);
    }

    // ---- seeding -------------------------------------------------------------------------------

    static Image pushImage(String url, String repository) throws Exception {
        byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"
                .getBytes(StandardCharsets.UTF_8);
        byte[] layer = ("listing bench layer " + System.nanoTime()).getBytes(StandardCharsets.UTF_8);
        String configDigest = sha256(config);
        String layerDigest = sha256(layer);
        pushBlob(url, repository, config, configDigest);
        pushBlob(url, repository, layer, layerDigest);
        String manifest = """
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",\
                "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},\
                "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":%d}]}"""
                .formatted(configDigest, config.length, layerDigest, layer.length);
        byte[] bytes = manifest.getBytes(StandardCharsets.UTF_8);
        Image image = new Image(bytes, sha256(bytes), configDigest, layerDigest);
        putManifest(url, repository, "t00000", image);
        return image;
    }

    static void pushBlob(String url, String repository, byte[] bytes, String digest) throws Exception {
        HttpResponse<byte[]> post = send(HttpRequest.newBuilder(URI.create(url + "/v2/" + repository + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        expect(post, 202);
        URI location = URI.create(url).resolve(post.headers().firstValue("Location").orElseThrow());
        String separator = location.getQuery() == null ? "?" : "&";
        HttpResponse<byte[]> put = send(HttpRequest.newBuilder(URI.create(location + separator + "digest=" + digest))
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build());
        expect(put, 201);
    }

    static void putManifest(String url, String repository, String tag, Image image) {
        HttpResponse<byte[]> put = send(HttpRequest.newBuilder(URI.create(url + "/v2/" + repository + "/manifests/" + tag))
                .header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(image.manifest)).build());
        expect(put, 201);
    }

    static void seedTags(Target target, Image image, int from, int to, int clients) throws Exception {
        long start = System.nanoTime();
        parallel(clients, from, to, i -> putManifest(target.url, TAG_REPOSITORY, String.format("t%05d", i), image));
        System.err.printf("%s: tags %d..%d seeded in %.1f s%n", target.label, from, to, (System.nanoTime() - start) / 1e9);
    }

    static void seedRepositories(Target target, Image image, int from, int to, int clients) throws Exception {
        long start = System.nanoTime();
        parallel(clients, from, to, i -> {
            String repository = CATALOG_PREFIX + String.format("%05d", i);
            for (String digest : List.of(image.configDigest, image.layerDigest)) {
                HttpResponse<byte[]> mount = send(HttpRequest.newBuilder(URI.create(target.url + "/v2/" + repository
                        + "/blobs/uploads/?mount=" + digest + "&from=" + TAG_REPOSITORY)).POST(HttpRequest.BodyPublishers.noBody()).build());
                expect(mount, 201);
            }
            putManifest(target.url, repository, "1", image);
        });
        System.err.printf("%s: repositories %d..%d seeded in %.1f s%n", target.label, from, to, (System.nanoTime() - start) / 1e9);
    }

    interface Task {
        void run(int index) throws Exception;
    }

    static void parallel(int clients, int from, int to, Task task) throws Exception {
        AtomicInteger next = new AtomicInteger(from);
        try (ExecutorService pool = Executors.newFixedThreadPool(clients)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                futures.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < to; i = next.getAndIncrement()) {
                        if (System.nanoTime() > seedDeadline) {
                            throw new IllegalStateException("seeding took longer than --seed-timeout");
                        }
                        task.run(i);
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        }
    }

    // ---- token authentication (Docker token protocol) ------------------------------------------

    record Credentials(String user, String password) {
        String token(String url, String scope) {
            HttpResponse<byte[]> challenge = send(HttpRequest.newBuilder(URI.create(url + "/v2/_catalog?n=1")).GET().build());
            String header = challenge.headers().firstValue("WWW-Authenticate")
                    .orElseThrow(() -> new IllegalStateException(url + " sent no Bearer challenge"));
            String realm = param(header, "realm");
            String service = param(header, "service");
            String basic = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
            HttpResponse<byte[]> token = send(HttpRequest.newBuilder(URI.create(realm + "?service="
                    + URLEncoder.encode(service, StandardCharsets.UTF_8) + "&scope=" + URLEncoder.encode(scope, StandardCharsets.UTF_8)))
                    .header("Authorization", "Basic " + basic).GET().build());
            expect(token, 200);
            Matcher m = Pattern.compile("\"(?:token|access_token)\"\\s*:\\s*\"([^\"]+)\"").matcher(new String(token.body(), StandardCharsets.UTF_8));
            if (!m.find()) {
                throw new IllegalStateException("no token in the answer of " + realm);
            }
            return m.group(1);
        }

        static String param(String header, String name) {
            Matcher m = Pattern.compile(name + "=\"([^\"]*)\"").matcher(header);
            if (!m.find()) {
                throw new IllegalStateException("no " + name + " in " + header);
            }
            return m.group(1);
        }
    }

    // ---- report --------------------------------------------------------------------------------

    static void report(List<Target> targets) {
        Map<String, List<Result>> byCase = new LinkedHashMap<>();
        for (Result r : RESULTS) {
            byCase.computeIfAbsent(r.kase + "|" + r.size + "|" + r.label, k -> new ArrayList<>()).add(r);
        }
        Map<String, Result> medians = new LinkedHashMap<>();
        byCase.forEach((key, results) -> {
            Result[] sorted = results.stream().sorted((a, b) -> Double.compare(a.totalMs, b.totalMs)).toArray(Result[]::new);
            Result median = sorted[sorted.length / 2];
            medians.put(key, median);
            System.out.printf("%s,%s,%d,%d,%.1f,%.3f%n", median.label, median.kase, median.size, median.pages, median.totalMs,
                    median.perPage());
        });
        System.out.println();
        System.out.println("| case | size | " + String.join(" | ", targets.stream().map(t -> t.label + " pages, ms/page (total ms)").toList())
                + " | ratio (first ÷ last, total) |");
        System.out.println("|---|---|" + "---|".repeat(targets.size()) + "---|");
        Map<String, List<Result>> rows = new LinkedHashMap<>();
        medians.values().forEach(r -> rows.computeIfAbsent(r.kase + "|" + r.size, k -> new ArrayList<>()).add(r));
        rows.forEach((key, results) -> {
            String[] caseSize = key.split("\\|");
            StringBuilder line = new StringBuilder("| " + caseSize[0] + " | " + caseSize[1] + " |");
            for (Result r : results) {
                line.append(String.format(" %s: %d, %.2f (%.0f) |", r.label, r.pages, r.perPage(), r.totalMs));
            }
            if (results.size() >= 2) {
                Result first = results.getFirst();
                Result last = results.getLast();
                boolean perPage = key.startsWith("catalog filtered");
                double ratio = perPage ? first.perPage() / last.perPage() : first.totalMs / last.totalMs;
                line.append(String.format(" %.2f%s |", ratio, perPage ? " (per page)" : ""));
            } else {
                line.append(" |");
            }
            System.out.println(line);
        });
    }

    // ---- plumbing ------------------------------------------------------------------------------

    static HttpResponse<byte[]> send(HttpRequest request) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (Exception e) {
            throw new IllegalStateException(request.method() + " " + request.uri() + ": " + e, e);
        }
    }

    static void expect(HttpResponse<?> response, int status) {
        if (response.statusCode() != status) {
            throw new IllegalStateException(response.request().method() + " " + response.uri() + " answered "
                    + response.statusCode() + ", expected " + status);
        }
    }

    static String sha256(byte[] bytes) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    static int[] ints(String list) {
        return list.isBlank() ? new int[0] : Arrays.stream(list.split(",")).mapToInt(Integer::parseInt).toArray();
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
