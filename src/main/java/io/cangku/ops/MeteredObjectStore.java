package io.cangku.ops;

import io.cangku.storage.ObjectInfo;
import io.cangku.storage.ObjectNotFoundException;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.Page;
import io.cangku.storage.StorageKey;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Wraps whichever backend is configured and times every SPI call as {@code cangku_storage_operations_seconds}
 * by backend, operation and outcome ({@code success}, {@code absent} for an object that is not there,
 * {@code error}). One decorator for every backend, as distribution's {@code driver/base} does, so no backend
 * carries metrics code.
 *
 * <p>Each SPI method delegates through {@link #timed}; a new SPI method needs one more such line here
 * ({@code MeteredObjectStoreTest} fails until it has it). {@code read} times opening the stream, not reading
 * it. {@code forEach} is left to the interface's default, which pages through {@link #list}, so each page is
 * timed.
 */
final class MeteredObjectStore implements ObjectStore, AutoCloseable {

    static final String METRIC = "cangku.storage.operations";

    private final ObjectStore delegate;
    private final String backend;
    private final Supplier<MeterRegistry> registry;
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

    MeteredObjectStore(ObjectStore delegate, String backend, Supplier<MeterRegistry> registry) {
        this.delegate = delegate;
        this.backend = backend;
        this.registry = registry;
    }

    /** The wrapped backend. */
    ObjectStore delegate() {
        return delegate;
    }

    /**
     * Closes the backend if it holds resources (S3's client and presigner). Spring closes the bean it holds,
     * which is this decorator, not the backend inside it.
     */
    @Override
    public void close() throws Exception {
        if (delegate instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }

    @FunctionalInterface
    private interface Call<T> {
        T run() throws IOException;
    }

    @FunctionalInterface
    private interface VoidCall {
        void run() throws IOException;
    }

    private <T> T timed(String operation, Call<T> call) throws IOException {
        long start = System.nanoTime();
        String outcome = "error";
        try {
            T result = call.run();
            outcome = result instanceof Optional<?> o && o.isEmpty() ? "absent" : "success";
            return result;
        } catch (ObjectNotFoundException e) {
            outcome = "absent";
            throw e;
        } finally {
            timer(operation, outcome).record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
        }
    }

    private void timed(String operation, VoidCall call) throws IOException {
        timed(operation, () -> {
            call.run();
            return Boolean.TRUE;
        });
    }

    private Timer timer(String operation, String outcome) {
        return timers.computeIfAbsent(operation + '/' + outcome, k -> Timer.builder(METRIC)
                .description("Calls to the storage backend")
                .tags("backend", backend, "operation", operation, "outcome", outcome)
                .register(registry.get()));
    }

    @Override
    public Optional<ObjectInfo> stat(StorageKey key) throws IOException {
        return timed("stat", () -> delegate.stat(key));
    }

    @Override
    public InputStream read(StorageKey key, long offset, long length) throws IOException {
        return timed("read", () -> delegate.read(key, offset, length));
    }

    @Override
    public Optional<byte[]> readSmall(StorageKey key, int maxBytes) throws IOException {
        return timed("readSmall", () -> delegate.readSmall(key, maxBytes));
    }

    @Override
    public void writeSmall(StorageKey key, byte[] content) throws IOException {
        timed("writeSmall", () -> delegate.writeSmall(key, content));
    }

    @Override
    public void writeSmall(StorageKey key, byte[] content, Durability durability) throws IOException {
        timed(durability == Durability.DURABLE ? "writeSmall" : "writeSmallEphemeral",
                () -> delegate.writeSmall(key, content, durability));
    }

    @Override
    public io.cangku.storage.KeyPage listKeys(StorageKey prefix, String startAfter, int limit) throws IOException {
        return timed("listKeys", () -> delegate.listKeys(prefix, startAfter, limit));
    }

    @Override
    public Optional<VersionedBytes> readVersioned(StorageKey key, int maxBytes) throws IOException {
        return timed("readVersioned", () -> delegate.readVersioned(key, maxBytes));
    }

    @Override
    public boolean supportsConditionalWrites() {
        return delegate.supportsConditionalWrites();
    }

    @Override
    public boolean writeSmallIfVersion(StorageKey key, byte[] content, String expectedVersion) throws IOException {
        return timed("writeSmallIfVersion", () -> delegate.writeSmallIfVersion(key, content, expectedVersion));
    }

    @Override
    public void deleteBatch(java.util.Collection<StorageKey> keys) throws IOException {
        timed("deleteBatch", () -> delegate.deleteBatch(keys));
    }

    @Override
    public void move(StorageKey source, StorageKey target) throws IOException {
        timed("move", () -> delegate.move(source, target));
    }

    @Override
    public void delete(StorageKey key) throws IOException {
        timed("delete", () -> delegate.delete(key));
    }

    @Override
    public void deleteAll(StorageKey prefix) throws IOException {
        timed("deleteAll", () -> delegate.deleteAll(prefix));
    }

    @Override
    public Page list(StorageKey prefix, String startAfter, int limit) throws IOException {
        return timed("list", () -> delegate.list(prefix, startAfter, limit));
    }

    @Override
    public void createAppendable(StorageKey key) throws IOException {
        timed("createAppendable", () -> delegate.createAppendable(key));
    }

    @Override
    public long appendableSize(StorageKey key) throws IOException {
        return timed("appendableSize", () -> delegate.appendableSize(key));
    }

    @Override
    public long append(StorageKey key, long offset, InputStream data) throws IOException {
        return timed("append", () -> delegate.append(key, offset, data));
    }

    @Override
    public ObjectInfo sealAppendable(StorageKey key) throws IOException {
        return timed("sealAppendable", () -> delegate.sealAppendable(key));
    }

    @Override
    public void deleteAppendable(StorageKey key) throws IOException {
        timed("deleteAppendable", () -> delegate.deleteAppendable(key));
    }

    @Override
    public Optional<URI> presignedGet(StorageKey key, Duration ttl) throws IOException {
        return timed("presignedGet", () -> delegate.presignedGet(key, ttl));
    }

    /** Not timed: it only resolves a path, and runs for every blob GET on local storage. */
    @Override
    public Optional<Path> localFile(StorageKey key) {
        return delegate.localFile(key);
    }

    @Override
    public String toString() {
        return "MeteredObjectStore[" + delegate + "]";
    }
}
