package io.cangku.console.web;

import io.cangku.oci.Descriptor;
import io.cangku.oci.Digest;
import io.cangku.oci.MediaTypes;
import io.cangku.oci.RegistryException;
import io.cangku.oci.RepositoryName;
import io.cangku.oci.Tag;
import io.cangku.registry.BlobService;
import io.cangku.registry.Listing;
import io.cangku.registry.Manifest;
import io.cangku.registry.ManifestService;
import io.cangku.registry.ReferrersService;
import io.cangku.registry.RepositoryCatalog;
import io.cangku.registry.TagService;
import org.springframework.stereotype.Service;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the repository pages show, read through the registry's services. Everything is paged: a page of the
 * catalog, a page of tags; nothing lists a whole registry.
 */
@Service
class RepositoryBrowser {

    /**
     * Most catalog names one request looks at while filling a page with matches: a search that matches
     * little on a huge registry answers with what it found and a cursor to go on, instead of reading the
     * whole catalog in one request.
     */
    static final int MAX_SCANNED_PER_REQUEST = 20_000;
    /** A config blob is JSON of a few KiB; larger ones are not shown rather than read whole. */
    static final int MAX_CONFIG_BYTES = 1024 * 1024;
    static final int MAX_REFERRERS_SHOWN = 200;
    /** Tag listings one page of repositories runs at once: enough for a page, few enough for S3's connection pool. */
    static final int MAX_PARALLEL_LISTINGS = 16;

    private final RepositoryCatalog catalog;
    private final TagService tags;
    private final ManifestService manifests;
    private final ReferrersService referrers;
    private final BlobService blobs;
    private final JsonMapper json;

    RepositoryBrowser(RepositoryCatalog catalog, TagService tags, ManifestService manifests, ReferrersService referrers,
                      BlobService blobs, JsonMapper json) {
        this.catalog = catalog;
        this.tags = tags;
        this.manifests = manifests;
        this.referrers = referrers;
        this.blobs = blobs;
        this.json = json;
    }

    record RepositoryRow(String name, int tagCount, Instant lastPush) {
    }

    /** A page of repositories; {@code next} is the cursor for the following page, null at the end. */
    record RepositoryPage(List<RepositoryRow> rows, String next, boolean scanLimited) {
    }

    RepositoryPage repositories(Viewer viewer, String query, String after, int size) throws IOException {
        String needle = query == null ? "" : query.trim().toLowerCase(Locale.ROOT);
        List<String> names = new ArrayList<>(size);
        String cursor = after;
        int scanned = 0;
        boolean more;
        boolean limited = false;
        while (true) {
            Listing<String> page = catalog.list(cursor, 1000);
            int seen = 0;
            boolean full = false;
            for (String name : page.items()) {
                seen++;
                scanned++;
                cursor = name;
                if ((needle.isEmpty() || name.contains(needle)) && viewer.mayPull(name)) {
                    names.add(name);
                    if (names.size() == size) {
                        full = true;
                        break;
                    }
                }
            }
            if (full) {
                more = seen < page.items().size() || page.more();
                break;
            }
            if (!page.more() || page.items().isEmpty()) {
                more = false;
                break;
            }
            if (scanned >= MAX_SCANNED_PER_REQUEST) {
                more = true;
                limited = true;
                break;
            }
        }
        return new RepositoryPage(summarize(names), more ? cursor : null, limited);
    }

    /**
     * Only the rows shown cost a tag listing each, and the listings run side by side on virtual threads: one
     * after the other, a page was as slow as the sum of its listings (on S3 one LIST request per 1,000 tags
     * each, and on the 10,000-repository check a single repository of 5,000 tags took most of the page's time).
     */
    private List<RepositoryRow> summarize(List<String> names) throws IOException {
        List<java.util.concurrent.Future<TagService.TagSummary>> summaries = new ArrayList<>(names.size());
        java.util.concurrent.Semaphore permits = new java.util.concurrent.Semaphore(MAX_PARALLEL_LISTINGS);
        try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (String name : names) {
                summaries.add(executor.submit(() -> {
                    permits.acquire();
                    try {
                        return tags.summarize(RepositoryName.parse(name));
                    } finally {
                        permits.release();
                    }
                }));
            }
            List<RepositoryRow> rows = new ArrayList<>(names.size());
            for (int i = 0; i < names.size(); i++) {
                TagService.TagSummary summary = summaries.get(i).get();
                rows.add(new RepositoryRow(names.get(i), summary.count(), summary.lastPush()));
            }
            return rows;
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while listing tags");
        }
    }

    record Platform(String os, String architecture, String variant) {
        @Override
        public String toString() {
            return os + "/" + architecture + (variant == null ? "" : "/" + variant);
        }
    }

    record TagRow(String tag, String digest, String mediaType, long size, Instant pushedAt, boolean index,
                  List<Platform> platforms) {
        public String kind() {
            return kindOf(mediaType);
        }
    }

    record TagPage(List<TagRow> rows, String next) {
    }

    boolean exists(RepositoryName repository) throws IOException {
        return catalog.exists(repository);
    }

    TagPage tags(RepositoryName repository, String after, int size) throws IOException {
        Listing<TagService.TagEntry> page = tags.listWithPushTimes(repository, after, size);
        List<TagRow> rows = new ArrayList<>(page.items().size());
        for (TagService.TagEntry entry : page.items()) {
            Optional<Manifest> manifest = Tag.isValid(entry.name())
                    ? manifests.get(repository, Tag.parse(entry.name())) : Optional.empty();
            if (manifest.isEmpty()) {
                continue; // deleted while listing
            }
            JsonNode root = parse(manifest.get().bytes());
            boolean index = MediaTypes.INDEXES.contains(manifest.get().mediaType());
            List<Platform> platforms = index ? childPlatforms(root) : List.of();
            long bytes = index ? sumSizes(root.path("manifests")) : imageSize(root);
            rows.add(new TagRow(entry.name(), manifest.get().digest().toString(), manifest.get().mediaType(), bytes,
                    entry.pushedAt(), index, platforms));
        }
        String next = page.more() && !page.items().isEmpty() ? page.items().getLast().name() : null;
        return new TagPage(rows, next);
    }

    record Layer(String mediaType, String digest, long size) {
    }

    record Child(String digest, String mediaType, long size, Platform platform) {
    }

    record HistoryEntry(String created, String createdBy, boolean emptyLayer) {
    }

    record ImageConfig(String created, String os, String architecture, List<String> entrypoint, List<String> cmd,
                       List<String> env, Map<String, String> labels, String workingDir, String user,
                       List<HistoryEntry> history) {
    }

    record Referrer(String digest, String mediaType, long size, Map<String, String> annotations) {
    }

    record ManifestView(String repository, String digest, String mediaType, long manifestSize, boolean index,
                        String artifactType, Layer config, ImageConfig image, String configProblem,
                        List<Layer> layers, long totalSize, List<Child> children, String subject,
                        Map<String, List<Referrer>> referrersByType, boolean moreReferrers,
                        Map<String, String> annotations) {
        public String kind() {
            return kindOf(mediaType);
        }
    }

    Optional<ManifestView> manifest(RepositoryName repository, Digest digest) throws IOException {
        Optional<Manifest> found = manifests.get(repository, digest);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Manifest manifest = found.get();
        JsonNode root = parse(manifest.bytes());
        boolean index = MediaTypes.INDEXES.contains(manifest.mediaType());
        Layer config = null;
        ImageConfig image = null;
        String configProblem = null;
        List<Layer> layers = new ArrayList<>();
        List<Child> children = new ArrayList<>();
        long total;
        if (index) {
            for (JsonNode child : root.path("manifests")) {
                children.add(new Child(child.path("digest").asString(""), child.path("mediaType").asString(""),
                        child.path("size").asLong(0), platform(child.path("platform"))));
            }
            total = sumSizes(root.path("manifests"));
        } else {
            JsonNode configNode = root.path("config");
            config = new Layer(configNode.path("mediaType").asString(""), configNode.path("digest").asString(""),
                    configNode.path("size").asLong(0));
            for (JsonNode layer : root.path("layers")) {
                layers.add(new Layer(layer.path("mediaType").asString(""), layer.path("digest").asString(""),
                        layer.path("size").asLong(0)));
            }
            total = imageSize(root);
            if (isImageConfig(config.mediaType())) {
                try {
                    image = readConfig(config);
                } catch (ConfigUnreadable e) {
                    configProblem = e.getMessage();
                }
            }
        }
        Listing<Descriptor> listing = referrers.list(repository, digest, null, null, MAX_REFERRERS_SHOWN);
        Map<String, List<Referrer>> grouped = new TreeMap<>();
        for (Descriptor d : listing.items()) {
            String type = d.artifactType() == null || d.artifactType().isEmpty() ? "(no artifact type)" : d.artifactType();
            grouped.computeIfAbsent(type, t -> new ArrayList<>())
                    .add(new Referrer(d.digest(), d.mediaType(), d.size(), d.annotations() == null ? Map.of() : d.annotations()));
        }
        String subject = root.path("subject").path("digest").asString(null);
        String artifactType = root.path("artifactType").asString(null);
        return Optional.of(new ManifestView(repository.toString(), manifest.digest().toString(), manifest.mediaType(),
                manifest.bytes().length, index, artifactType, config, image, configProblem, layers, total, children,
                subject, grouped, listing.more(), strings(root.path("annotations"))));
    }

    /** Every tag on the manifest, to name them before deleting it. */
    List<String> tagsOf(RepositoryName repository, Digest digest) throws IOException {
        return tags.tagsPointingAt(repository, digest).stream().map(Tag::toString).toList();
    }

    private static final class ConfigUnreadable extends Exception {
        ConfigUnreadable(String message) {
            super(message);
        }
    }

    private ImageConfig readConfig(Layer config) throws IOException, ConfigUnreadable {
        if (config.size() > MAX_CONFIG_BYTES) {
            throw new ConfigUnreadable("the config blob is " + config.size() + " bytes, more than the console shows");
        }
        Digest digest;
        try {
            digest = Digest.parse(config.digest());
        } catch (RegistryException e) {
            throw new ConfigUnreadable("the config's digest is invalid");
        }
        byte[] bytes;
        try (InputStream in = blobs.open(digest, 0, config.size())) {
            bytes = in.readNBytes(MAX_CONFIG_BYTES);
        } catch (RegistryException e) {
            throw new ConfigUnreadable("the config blob is no longer stored");
        }
        JsonNode root;
        try {
            root = json.readTree(bytes);
        } catch (JacksonException e) {
            throw new ConfigUnreadable("the config blob is not JSON");
        }
        JsonNode runtime = root.path("config");
        List<HistoryEntry> history = new ArrayList<>();
        for (JsonNode h : root.path("history")) {
            history.add(new HistoryEntry(h.path("created").asString(null), h.path("created_by").asString(""),
                    h.path("empty_layer").asBoolean(false)));
        }
        return new ImageConfig(root.path("created").asString(null), root.path("os").asString(null),
                root.path("architecture").asString(null), stringList(runtime.path("Entrypoint")),
                stringList(runtime.path("Cmd")), stringList(runtime.path("Env")), strings(runtime.path("Labels")),
                runtime.path("WorkingDir").asString(null), runtime.path("User").asString(null), history);
    }

    private static boolean isImageConfig(String mediaType) {
        return mediaType.equals("application/vnd.oci.image.config.v1+json")
                || mediaType.equals("application/vnd.docker.container.image.v1+json");
    }

    private JsonNode parse(byte[] bytes) {
        try {
            return json.readTree(bytes);
        } catch (JacksonException e) {
            return json.createObjectNode(); // stored manifests were validated at push; show what we can
        }
    }

    private static List<Platform> childPlatforms(JsonNode index) {
        List<Platform> platforms = new ArrayList<>();
        for (JsonNode child : index.path("manifests")) {
            Platform platform = platform(child.path("platform"));
            if (platform != null) {
                platforms.add(platform);
            }
        }
        return platforms;
    }

    private static Platform platform(JsonNode node) {
        if (!node.isObject()) {
            return null;
        }
        return new Platform(node.path("os").asString("?"), node.path("architecture").asString("?"),
                node.path("variant").asString(null));
    }

    private static long imageSize(JsonNode manifest) {
        return manifest.path("config").path("size").asLong(0) + sumSizes(manifest.path("layers"));
    }

    private static long sumSizes(JsonNode descriptors) {
        long sum = 0;
        for (JsonNode d : descriptors) {
            sum += d.path("size").asLong(0);
        }
        return sum;
    }

    private static List<String> stringList(JsonNode node) {
        List<String> result = new ArrayList<>();
        for (JsonNode item : node) {
            result.add(item.asString(""));
        }
        return result;
    }

    private static Map<String, String> strings(JsonNode node) {
        Map<String, String> result = new LinkedHashMap<>();
        if (node.isObject()) {
            for (var entry : node.properties()) {
                result.put(entry.getKey(), entry.getValue().asString(""));
            }
        }
        return result;
    }

    static String kindOf(String mediaType) {
        return switch (mediaType) {
            case MediaTypes.OCI_INDEX -> "OCI index";
            case MediaTypes.DOCKER_MANIFEST_LIST -> "Docker manifest list";
            case MediaTypes.OCI_MANIFEST -> "OCI manifest";
            case MediaTypes.DOCKER_MANIFEST -> "Docker manifest";
            default -> mediaType;
        };
    }
}
