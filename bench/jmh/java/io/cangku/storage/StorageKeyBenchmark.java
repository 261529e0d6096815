package io.cangku.storage;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Building a validated key: every storage call does, and a tag list builds one per tag. */
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class StorageKeyBenchmark {

    private final String tagKey = "repositories/team/app/_manifests/tags/v1.2.3-rc1";
    private final String blobKey = "blobs/sha256/01/" + "0123456789abcdef".repeat(4);

    @Benchmark
    public StorageKey tag() {
        return new StorageKey(tagKey);
    }

    @Benchmark
    public StorageKey blob() {
        return new StorageKey(blobKey);
    }
}
