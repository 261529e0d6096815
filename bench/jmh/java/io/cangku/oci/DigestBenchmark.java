package io.cangku.oci;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.security.MessageDigest;
import java.util.Random;

/** Digests: parsing the text form (every blob and manifest route), and hashing bytes as they stream by. */
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class DigestBenchmark {

    @Param({"8192", "262144"})
    int chunkBytes;

    private byte[] chunk;
    private MessageDigest sha256;
    private final String text = "sha256:" + "0123456789abcdef".repeat(4);

    @Setup
    public void setUp() {
        chunk = new byte[chunkBytes];
        new Random(1).nextBytes(chunk);
        sha256 = Digest.newMessageDigest("sha256");
    }

    @Benchmark
    public Digest parse() {
        return Digest.parse(text);
    }

    /** Throughput of the streaming hash per chunk (a servlet read is 8 KiB; the store copies 256 KiB). */
    @Benchmark
    public MessageDigest hashChunk() {
        sha256.update(chunk);
        return sha256;
    }
}
