package io.deisa.bench.limits;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Memory copy bandwidth of this JVM on one core: {@code System.arraycopy} between two heap arrays,
 * and a heap {@code double[]} into a direct buffer (the copy {@code Bridge.send} makes). Bytes
 * copied per second, the best of several repetitions after a warm-up, over buffers much larger
 * than the caches.
 */
public final class MemoryCopy {
    private static final int BYTES = 256 << 20;
    private static final int WARMUP = 3;
    private static final int REPETITIONS = 8;

    private MemoryCopy() {}

    /** Bytes per second of {@code System.arraycopy} between two 256 MiB byte arrays. */
    public static double heapToHeapBytesPerSecond() {
        byte[] from = new byte[BYTES];
        byte[] to = new byte[BYTES];
        java.util.Arrays.fill(from, (byte) 1);
        return best(() -> System.arraycopy(from, 0, to, 0, BYTES));
    }

    /** Bytes per second of a 256 MiB {@code double[]} put into a direct buffer. */
    public static double heapToDirectBytesPerSecond() {
        double[] from = new double[BYTES / Double.BYTES];
        java.util.Arrays.fill(from, 1.0);
        ByteBuffer to = ByteBuffer.allocateDirect(BYTES).order(ByteOrder.LITTLE_ENDIAN);
        return best(() -> to.asDoubleBuffer().put(from));
    }

    private static double best(Runnable copy) {
        for (int i = 0; i < WARMUP; i++) {
            copy.run();
        }
        long fastest = Long.MAX_VALUE;
        for (int i = 0; i < REPETITIONS; i++) {
            long start = System.nanoTime();
            copy.run();
            fastest = Math.min(fastest, System.nanoTime() - start);
        }
        return BYTES / (fastest / 1e9);
    }
}
