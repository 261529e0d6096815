package io.cangku.storage.filesystem;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Upload appends that bypass the page cache ({@code O_DIRECT}), as MinIO writes objects. Measured on the
 * benchmark machine (bench/README.md, "Direct writes"): buffered writes of new files slowed from 2.7 GB/s to
 * 120 to 320 MB/s once about half a gigabyte was written, with nothing yet being written back, while direct
 * writes of the same data ran at 1.4 to 1.9 GB/s throughout; a durable push pays that slowdown in full, since
 * its bytes are forced to disk before the 201. The cost: a blob's first pull reads from disk, not memory.
 *
 * <p>Direct I/O takes only whole aligned blocks from aligned memory. So the partial block an earlier chunk
 * left at the end of the file is read back and written again whole, and the last partial block is written
 * padded with zeros, then cut back by a truncate. All of it goes through the one channel the append holds its
 * file lock on: closing any other descriptor of the file would release that lock (POSIX record locks).
 *
 * <p>What may race an append, and why each is safe:
 * <ul>
 * <li>another append to the same upload (a racing client, another replica on the same folder): appends are
 *     serialized by the in-JVM lock and the file lock, both held from before the size check to after the
 *     truncate;
 * <li>an append by a store that writes through the page cache (an older version, or an append that found
 *     no buffer free): serialized the same way; the kernel keeps the two coherent, since a direct read of the
 *     last block first writes back its dirty page, and a direct write drops the cached pages it covers
 *     ({@code DirectAppendsTest} alternates the two on one upload);
 * <li>a status request ({@code stat}): between the padded write and the truncate it may see up to one block
 *     more than the data. A client that resumes from that size gets 416 with the true size: the append checks
 *     the size under the lock;
 * <li>other appends for buffers: a buffer belongs to one append from {@link #lease} to the lease's close
 *     ({@code DirectAppendsTest} runs more uploads at once than there are buffers).
 * </ul>
 *
 * <p>If the process dies between the padded write and the truncate, the upload holds up to one block of
 * zeros past its data. Completing it then fails the digest check (nothing is published) and the client
 * starts over, as after any upload a crash cut short. No blob can hold the padding: a blob is published only
 * when its digest matches.
 */
final class DirectAppends {

    private static final Logger log = LoggerFactory.getLogger(DirectAppends.class);
    /** Direct writes of 512 KiB ran at disk speed here, as 1 and 2 MiB did; 256 KiB did not (bench/README.md). */
    static final int BUFFER_BYTES = 512 * 1024;
    /**
     * Aligned buffers are pooled, at most this many (16 MiB off the heap); an append that finds none free
     * goes through the page cache, so memory stays bounded however many uploads run at once.
     */
    private static final int MAX_BUFFERS = 32;
    private static final int READ_BYTES = 64 * 1024;
    /**
     * Writes buffers while their append fills the next one. Unbounded as a pool, bounded by the buffers: each
     * write holds one of the {@link #MAX_BUFFERS}.
     */
    private static final ExecutorService WRITERS = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "cangku-direct-write");
        thread.setDaemon(true);
        return thread;
    });

    private final int alignment;
    private final ConcurrentLinkedQueue<ByteBuffer> free = new ConcurrentLinkedQueue<>();
    private final AtomicInteger created = new AtomicInteger();

    private DirectAppends(int alignment) {
        this.alignment = alignment;
    }

    /**
     * Direct appends for files in {@code dir}, if its filesystem takes them: some refuse {@code O_DIRECT}
     * (tmpfs before Linux 6.6, ZFS before 2.3), others accept the flag but not every alignment. Tried once, the way
     * {@link #append} writes (an aligned block, then a truncate), on a file of its own.
     */
    static Optional<DirectAppends> probe(Path dir) {
        Path probe = dir.resolve("direct-io-probe-" + UUID.randomUUID());
        try {
            int alignment = (int) Math.max(4096, Files.getFileStore(dir).getBlockSize());
            if (Integer.bitCount(alignment) != 1 || alignment > BUFFER_BYTES) {
                log.info("uploads are written through the page cache in {}: its block size is {}", dir.getParent(), alignment);
                return Optional.empty();
            }
            DirectAppends direct = new DirectAppends(alignment);
            ByteBuffer buffer = direct.acquire();
            try (FileChannel channel = FileChannel.open(probe, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE, com.sun.nio.file.ExtendedOpenOption.DIRECT)) {
                buffer.clear().limit(alignment);
                while (buffer.hasRemaining()) {
                    channel.write(buffer, buffer.position());
                }
                channel.truncate(1);
                buffer.clear().limit(alignment);
                channel.read(buffer, 0);
            } finally {
                direct.release(buffer);
            }
            log.info("uploads are written around the page cache (O_DIRECT, {}-byte blocks) in {}", alignment, dir.getParent());
            return Optional.of(direct);
        } catch (IOException | UnsupportedOperationException e) {
            log.info("uploads are written through the page cache in {}: it does not take direct writes ({})", dir.getParent(), e.toString());
            return Optional.empty();
        } finally {
            try {
                Files.deleteIfExists(probe);
            } catch (IOException e) {
                log.debug("could not remove {}: {}", probe, e.toString());
            }
        }
    }

    /** An existing file, opened for {@link #append}. */
    static FileChannel open(Path file) throws IOException {
        return FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE, com.sun.nio.file.ExtendedOpenOption.DIRECT);
    }

    /** A free aligned buffer, or null when {@link #MAX_BUFFERS} are in use. */
    ByteBuffer acquire() {
        ByteBuffer buffer = free.poll();
        if (buffer != null) {
            return buffer;
        }
        if (created.incrementAndGet() > MAX_BUFFERS) {
            created.decrementAndGet();
            return null;
        }
        // exactly BUFFER_BYTES: the aligned slice is one block longer when the allocation happens to be aligned
        return ByteBuffer.allocateDirect(BUFFER_BYTES + alignment).alignedSlice(alignment).limit(BUFFER_BYTES).slice();
    }

    void release(ByteBuffer buffer) {
        free.offer(buffer);
    }

    /**
     * One append's buffers, back to the pool on close: two when free (one is written while the other fills),
     * else one; null when none is free, and the append goes through the page cache.
     */
    Lease lease() {
        ByteBuffer first = acquire();
        return first == null ? null : new Lease(first, acquire());
    }

    /** {@code second} is null when only one buffer was free: no write overlaps the reading then. */
    final class Lease implements AutoCloseable {
        private final ByteBuffer first;
        private final ByteBuffer second;

        private Lease(ByteBuffer first, ByteBuffer second) {
            this.first = first;
            this.second = second;
        }

        /** Appends as {@link DirectAppends#append(FileChannel, long, InputStream, ByteBuffer, ByteBuffer)}, with these buffers. */
        long append(FileChannel channel, long offset, InputStream in) throws IOException {
            return DirectAppends.this.append(channel, offset, in, first, second);
        }

        @Override
        public void close() {
            release(first);
            if (second != null) {
                release(second);
            }
        }
    }

    /**
     * Appends {@code in} at {@code offset} of {@code channel} (opened by {@link #open}, {@code offset} its
     * size); returns the new size. With a {@code second} buffer, one buffer's write runs on a writer thread
     * while the other fills from the client: a direct write waits for the disk, and the socket would stall
     * meanwhile. Returns or throws only once no write is in flight, so the caller may truncate back to
     * {@code offset} on failure, as it must.
     */
    long append(FileChannel channel, long offset, InputStream in, ByteBuffer first, ByteBuffer second) throws IOException {
        ByteBuffer buffer = first;
        long bufferStart = offset - offset % alignment; // file offset of buffer[0]
        buffer.clear();
        int head = (int) (offset - bufferStart);
        if (head > 0) {
            buffer.limit(alignment);
            while (buffer.position() < head) {
                if (channel.read(buffer, bufferStart + buffer.position()) < 0) {
                    throw new IOException("the upload's last block ends before its size (" + offset + " bytes)");
                }
            }
            buffer.position(head).limit(buffer.capacity());
        }
        byte[] chunk = new byte[READ_BYTES];
        Future<?> writing = null; // the other buffer's write
        try {
            while (true) {
                boolean end = false;
                while (buffer.hasRemaining()) {
                    int n = in.read(chunk, 0, Math.min(chunk.length, buffer.remaining()));
                    if (n < 0) {
                        end = true;
                        break;
                    }
                    buffer.put(chunk, 0, n);
                }
                if (!end) { // a full buffer: whole blocks
                    buffer.flip();
                    if (second == null) {
                        writeFully(channel, buffer, bufferStart);
                    } else {
                        await(writing); // the other buffer is free again
                        writing = null;
                        ByteBuffer full = buffer;
                        long at = bufferStart;
                        writing = WRITERS.submit(() -> {
                            writeFully(channel, full, at);
                            return null;
                        });
                        buffer = full == first ? second : first;
                    }
                    bufferStart += BUFFER_BYTES;
                    buffer.clear();
                    continue;
                }
                await(writing);
                writing = null;
                int length = buffer.position();
                long size = bufferStart + length;
                if (size == offset) {
                    return offset; // nothing new: the block read back stays as it is
                }
                int padded = (length + alignment - 1) / alignment * alignment;
                while (buffer.position() < padded) {
                    buffer.put((byte) 0);
                }
                buffer.flip();
                writeFully(channel, buffer, bufferStart);
                if (padded != length) {
                    channel.truncate(size);
                }
                return size;
            }
        } finally {
            if (writing != null) { // failed while a write was in flight: it ends before the caller truncates
                awaitQuietly(writing);
            }
        }
    }

    private static void await(Future<?> write) throws IOException {
        if (write == null) {
            return;
        }
        try {
            write.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("a direct write failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted waiting for a direct write");
        }
    }

    private static void awaitQuietly(Future<?> write) {
        boolean interrupted = false;
        while (true) {
            try {
                write.get();
                break;
            } catch (ExecutionException e) {
                break; // the failure that brought us here is the one reported
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer, long fileOffset) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer, fileOffset + buffer.position());
        }
    }
}
