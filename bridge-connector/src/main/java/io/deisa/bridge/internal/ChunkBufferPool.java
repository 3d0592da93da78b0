package io.deisa.bridge.internal;

import io.deisa.bridge.DeisaException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Direct buffers for chunks waiting to be sent, bounded in bytes: {@link #acquire} blocks
 * <em>before</em> allocating when the bound would be exceeded, which is how a bridge applies
 * back-pressure to the simulation. Released buffers are reused for chunks of the same size.
 *
 * <p>One chunk larger than the whole bound is still accepted when nothing else is held, so that a
 * single huge chunk cannot deadlock the bridge.
 *
 * <p>The JVM's own limit on direct memory ({@code -XX:MaxDirectMemorySize}, by default the heap's
 * maximum) may be lower than the bound: when an allocation fails for lack of direct memory while
 * buffers are in use, {@link #acquire} waits for one to come back, as if the bound were reached;
 * with none in use it throws {@link OutOfDirectMemory}.
 */
public final class ChunkBufferPool {
    private final long maxBytes;
    private final Map<Integer, ArrayDeque<ByteBuffer>> free = new HashMap<>();
    private long allocatedBytes;
    private long freeBytes;
    private long blockedNanos;

    /** A pool that holds at most {@code maxBytes} of buffers (in use or free). */
    public ChunkBufferPool(long maxBytes) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("buffer bound must be positive, got " + maxBytes);
        }
        this.maxBytes = maxBytes;
    }

    /**
     * A cleared little-endian buffer of exactly {@code size} bytes; waits while the bound is
     * reached.
     *
     * @param failure checked while waiting; a non-null value aborts the wait with that exception
     */
    public synchronized ByteBuffer acquire(int size, Supplier<DeisaException> failure)
            throws InterruptedException {
        long start = 0;
        while (true) {
            DeisaException error = failure.get();
            if (error != null) {
                throw error;
            }
            ArrayDeque<ByteBuffer> sameSize = free.get(size);
            if (sameSize != null && !sameSize.isEmpty()) {
                freeBytes -= size;
                return sameSize.pop().clear();
            }
            if (allocatedBytes - freeBytes == 0 || allocatedBytes + size - freeBytes <= maxBytes) {
                dropFreeBuffersUntil(maxBytes - size);
                ByteBuffer buffer = allocate(size);
                if (buffer != null) {
                    allocatedBytes += size;
                    return buffer;
                }
            }
            if (start == 0) {
                start = System.nanoTime();
            }
            wait(100);
            blockedNanos += System.nanoTime() - start;
            start = System.nanoTime();
        }
    }

    /**
     * A new direct buffer, or null when the JVM has no direct memory left but buffers in use will
     * come back (the caller waits for one).
     *
     * @throws OutOfDirectMemory when the JVM has no direct memory left and no buffer is in use
     */
    private ByteBuffer allocate(int size) {
        try {
            return ByteBuffer.allocateDirect(size).order(ByteOrder.LITTLE_ENDIAN);
        } catch (OutOfMemoryError e) {
            dropFreeBuffersUntil(0); // unreachable now: the JVM reclaims them on its retry
            if (allocatedBytes - freeBytes > 0) {
                return null;
            }
            try {
                return ByteBuffer.allocateDirect(size).order(ByteOrder.LITTLE_ENDIAN);
            } catch (OutOfMemoryError again) {
                throw new OutOfDirectMemory("the JVM has no direct memory left for a chunk of " + size
                        + " bytes (" + again.getMessage() + "): raise -XX:MaxDirectMemorySize", again);
            }
        }
    }

    /** The JVM cannot allocate a chunk buffer even with no other chunk held. */
    public static final class OutOfDirectMemory extends DeisaException {
        private static final long serialVersionUID = 1L;

        OutOfDirectMemory(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private void dropFreeBuffersUntil(long target) {
        var lists = free.values().iterator();
        while (allocatedBytes > target && lists.hasNext()) {
            ArrayDeque<ByteBuffer> list = lists.next();
            while (allocatedBytes > target && !list.isEmpty()) {
                int capacity = list.pop().capacity();
                allocatedBytes -= capacity;
                freeBytes -= capacity;
            }
        }
    }

    /** Returns a buffer obtained from {@link #acquire} for reuse. */
    public synchronized void release(ByteBuffer buffer) {
        free.computeIfAbsent(buffer.capacity(), k -> new ArrayDeque<>()).push(buffer);
        freeBytes += buffer.capacity();
        notifyAll();
    }

    /** Wakes waiters so that they re-check their failure supplier. */
    public synchronized void wakeUp() {
        notifyAll();
    }

    /** Bytes held by buffers in use (not yet sent). */
    public synchronized long bytesInUse() {
        return allocatedBytes - freeBytes;
    }

    /** Total time callers of {@link #acquire} spent waiting for room, in nanoseconds. */
    public synchronized long blockedNanos() {
        return blockedNanos;
    }
}
