package io.cangku.storage;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One lock per key, held only by the requests of that key, waited for at most a bounded time. Entries exist
 * while someone holds or waits for them, so the map never grows with the number of keys ever locked.
 *
 * <p>Why not a fixed array of striped locks: an append holds its lock while the chunk's bytes arrive from
 * the client, and with stripes one slow client blocks every session that hashes to its stripe. With 300
 * sessions trickling a byte every 5 s, all 64 stripes were held and no one else could upload.
 */
public final class KeyedLocks<K> {

    private final ConcurrentHashMap<K, Entry> entries = new ConcurrentHashMap<>();

    private static final class Entry {
        final ReentrantLock lock = new ReentrantLock();
        int users; // guarded by the map's per-key compute
    }

    /** A held lock; closing releases it. */
    public interface Held extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Takes the lock of {@code key}, waiting at most {@code maxWait}.
     *
     * @throws AppendInProgressException when another holder kept it for longer than that
     */
    public Held lock(K key, Duration maxWait, StorageKey forMessage) throws AppendInProgressException {
        Entry entry = entries.compute(key, (k, e) -> {
            Entry result = e == null ? new Entry() : e;
            result.users++;
            return result;
        });
        boolean locked = false;
        try {
            locked = entry.lock.tryLock(maxWait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (!locked) {
                release(key);
            }
        }
        if (!locked) {
            throw new AppendInProgressException(forMessage, maxWait);
        }
        return () -> {
            entry.lock.unlock();
            release(key);
        };
    }

    private void release(K key) {
        entries.compute(key, (k, e) -> e == null || --e.users == 0 ? null : e);
    }

    /** For tests: how many keys have a holder or waiter now. */
    public int size() {
        return entries.size();
    }
}
