package io.cangku.ops;

import io.cangku.gc.CollectionRun;
import io.cangku.gc.CollectionRuns;
import io.cangku.testing.Backends;
import io.cangku.testing.MovableClock;
import io.cangku.testing.RegistryContext;
import io.cangku.testing.TestBlob;
import io.cangku.testing.TestImage;
import io.cangku.testing.TestImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The collector's {@code cangku_gc_*} meters, read the way Prometheus reads them: a scrape of the management
 * port after real runs over real HTTP and filesystem storage (an image pushed, deleted, and collected past the
 * grace period on a moved clock).
 */
@DisplayName("Operations: garbage collection runs in the Prometheus scrape")
class CollectionMetricsTest {

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    static final MovableClock CLOCK = new MovableClock();
    static RegistryContext registry;

    @BeforeAll
    static void start() {
        List<String> arguments = new ArrayList<>(Backends.filesystemArguments(Backends.newTempDir("cangku-gc-metrics-")));
        arguments.add("--registry.auth.mode=none");
        registry = RegistryContext.start(CLOCK, arguments);
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    @Test
    @DisplayName("a dry run and a real run show as runs by outcome with their duration, what the real run deleted, and its time of success")
    void scrapeAfterCollections() throws Exception {
        // given: an image pushed and then deleted, past the grace period
        TestImage image = TestImages.image().seed(4242).randomLayers(2, 3_000).build();
        for (TestBlob blob : image.blobs()) {
            assertThat(send("POST", "/v2/metrics/app/blobs/uploads/?digest=" + blob.digest(), blob).statusCode()).isEqualTo(201);
        }
        assertThat(send("PUT", "/v2/metrics/app/manifests/1", image.manifest()).statusCode()).isEqualTo(201);
        assertThat(send("DELETE", "/v2/metrics/app/manifests/" + image.manifest().digest(), null).statusCode()).isEqualTo(202);
        CLOCK.advance(Duration.ofHours(2));
        assertThat(scrape()).doesNotContain("cangku_gc_last_success_timestamp_seconds");
        CollectionRuns runs = registry.bean(CollectionRuns.class);

        // when
        CollectionRun dryRun = runs.runToEnd(true, false, "test");
        CollectionRun real = runs.runToEnd(false, false, "test");
        String scrape = scrape();

        // then: both runs, by outcome and kind
        assertThat(dryRun.state()).isEqualTo(CollectionRun.State.succeeded);
        assertThat(real.state()).isEqualTo(CollectionRun.State.succeeded);
        assertThat(value(scrape, "cangku_gc_runs_seconds_count", "dry_run=\"true\"", "outcome=\"succeeded\"")).hasValue(1.0);
        assertThat(value(scrape, "cangku_gc_runs_seconds_count", "dry_run=\"false\"", "outcome=\"succeeded\"")).hasValue(1.0);
        assertThat(value(scrape, "cangku_gc_runs_seconds_sum", "dry_run=\"false\"", "outcome=\"succeeded\"")).hasValueSatisfying(
                seconds -> assertThat(seconds).isGreaterThanOrEqualTo(0.0));
        // and what the real run deleted (the dry run counts nothing): the image's manifest, config and layers
        long imageBytes = image.blobs().stream().mapToLong(TestBlob::size).sum();
        assertThat(real.report().blobsDeleted()).isEqualTo(image.blobs().size());
        assertThat(value(scrape, "cangku_gc_blobs_deleted_total")).hasValue((double) image.blobs().size());
        assertThat(value(scrape, "cangku_gc_deleted_bytes_total")).hasValue((double) imageBytes);
        assertThat(value(scrape, "cangku_gc_repositories_deleted_total")).hasValue(1.0);
        assertThat(value(scrape, "cangku_gc_manifests_deleted_total")).hasValue((double) real.report().manifestsDeleted());
        assertThat(value(scrape, "cangku_gc_uploads_purged_total")).hasValue(0.0);
        assertThat(value(scrape, "cangku_gc_stored_bytes")).hasValue(0.0);
        // and when it last succeeded, in Unix seconds, from the run's own (moved) clock
        assertThat(value(scrape, "cangku_gc_last_success_timestamp_seconds"))
                .hasValue(real.report().finishedAt().toEpochMilli() / 1000.0);
    }

    private static HttpResponse<String> send(String method, String path, TestBlob body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(registry.uri().resolve(path)).timeout(Duration.ofSeconds(30));
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.method(method, HttpRequest.BodyPublishers.ofByteArray(body.content())).header("Content-Type",
                    body.mediaType().contains("manifest") ? body.mediaType() : "application/octet-stream");
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String scrape() throws IOException, InterruptedException {
        URI uri = URI.create("http://127.0.0.1:" + registry.managementPort() + "/actuator/prometheus");
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    /** The value of the one sample of {@code metric} whose labels contain all of {@code labels}. */
    private static Optional<Double> value(String scrape, String metric, String... labels) {
        List<Double> values = scrape.lines()
                .filter(line -> line.startsWith(metric + "{") || line.startsWith(metric + " "))
                .filter(line -> List.of(labels).stream().allMatch(line::contains))
                .map(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .toList();
        assertThat(values).as("samples of %s with %s", metric, List.of(labels)).hasSizeLessThanOrEqualTo(1);
        return values.stream().findFirst();
    }
}
