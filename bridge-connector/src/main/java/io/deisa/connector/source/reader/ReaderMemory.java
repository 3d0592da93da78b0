package io.deisa.connector.source.reader;

import org.apache.flink.annotation.Internal;


/**
 * Bounds the chunk bytes one source reader holds between its sockets and the operators chained
 * after it: the reader takes a chunk's bytes before it allocates them, and the record emitter
 * releases them once the chunk was handed to the chained operators (for an aggregated array the
 * chunk is then dropped; a whole array's chunk lives on in the assembly state, which this does not
 * bound). Without it a reader of many bridges with large chunks would allocate a chunk for every
 * bridge at once and run out of heap. A chunk larger than the bound is let through alone. Shared by
 * the reader's fetcher thread and its task thread; thread-safe.
 */
@Internal
public final class ReaderMemory {
    private final long bound;
    private long inUse;
    /** Run once, at the release after which {@link #wanted} bytes fit: the fetcher waiting for room. */
    private Runnable waiter;
    /** The bytes the waiting fetcher was refused. */
    private long wanted;

    /** A bound of {@code bound} bytes (at least 1). */
    public ReaderMemory(long bound) {
        this.bound = Math.max(1, bound);
    }

    /**
     * Holds {@code bytes} if they fit under the bound (or nothing else is held) and returns true;
     * otherwise holds nothing, returns false and runs {@code wake} at the {@link #release} after
     * which they fit.
     */
    public boolean tryAcquire(long bytes, Runnable wake) {
        synchronized (this) {
            if (inUse == 0 || inUse + bytes <= bound) {
                inUse += bytes;
                return true;
            }
            waiter = wake;
            wanted = bytes;
            return false;
        }
    }

    /** Gives back bytes held with {@link #tryAcquire}, and wakes a fetcher whose chunk now fits. */
    public void release(long bytes) {
        Runnable wake;
        synchronized (this) {
            inUse = Math.max(0, inUse - bytes);
            if (waiter == null || (inUse > 0 && inUse + wanted > bound)) {
                return;
            }
            wake = waiter;
            waiter = null;
        }
        if (wake != null) {
            wake.run();
        }
    }

    /** Bytes held now. */
    public synchronized long inUse() {
        return inUse;
    }
}
