package io.deisa.connector.source.reader;

import org.apache.flink.annotation.Internal;

import java.io.InterruptedIOException;

/**
 * Bounds the chunk bytes one source reader holds between its sockets and the operators chained
 * after it: a fetcher acquires a chunk's bytes before it allocates them, and the record emitter
 * releases them once the chunk went through the chained operators (for an aggregated array the
 * chunk is then dropped; a whole array's chunk lives on in the assembly state, which this does not
 * bound). Without it every bridge's fetcher of a reader allocates a chunk at once, so a reader of
 * many bridges with large chunks runs out of heap. A chunk larger than the bound is let through
 * alone. Shared by the reader's fetcher threads and its main thread; thread-safe.
 */
@Internal
public final class ReaderMemory {
    private final long bound;
    private long inUse;

    /** A bound of {@code bound} bytes (at least 1). */
    public ReaderMemory(long bound) {
        this.bound = Math.max(1, bound);
    }

    /**
     * Waits until {@code bytes} fit under the bound (or nothing else is held), then holds them.
     *
     * @throws InterruptedIOException when the fetcher thread is interrupted (the reader closes)
     */
    public synchronized void acquire(long bytes) throws InterruptedIOException {
        while (inUse > 0 && inUse + bytes > bound) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("Interrupted while waiting for " + bytes + " bytes of reader memory");
            }
        }
        inUse += bytes;
    }

    /** Gives back bytes held with {@link #acquire}. */
    public synchronized void release(long bytes) {
        inUse = Math.max(0, inUse - bytes);
        notifyAll();
    }

    /** Bytes held now. */
    public synchronized long inUse() {
        return inUse;
    }
}
