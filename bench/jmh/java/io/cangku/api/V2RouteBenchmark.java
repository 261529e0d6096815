package io.cangku.api;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** The /v2 route parser, run on every request: a blob HEAD, a manifest GET by tag, a tag list. */
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class V2RouteBenchmark {

    private final String blob = "/v2/team/app/api/blobs/sha256:" + "0123456789abcdef".repeat(4);
    private final String manifest = "/v2/team/app/api/manifests/v1.2.3";
    private final String tags = "/v2/team/app/api/tags/list";

    @Benchmark
    public V2Route blob() {
        return V2Route.parse(blob);
    }

    @Benchmark
    public V2Route manifestByTag() {
        return V2Route.parse(manifest);
    }

    @Benchmark
    public V2Route tagList() {
        return V2Route.parse(tags);
    }
}
