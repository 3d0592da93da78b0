package io.deisa.bench.micro;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;

import java.nio.ByteBuffer;

/**
 * The baseline for the other micro-benchmarks: plain copies of one N×N {@code FLOAT64} chunk
 * ({@code chunkSide² × 8} bytes), the floor under any hot-path step that copies the chunk once.
 *
 * <ul>
 *   <li>{@code arraycopy}: {@code System.arraycopy} between two preallocated {@code byte[]}.
 *   <li>{@code cloneByteArray}: a new {@code byte[]} filled with a copy, the allocation plus copy
 *       that {@code DataFrameReader.next} and Flink's deserializers make for every chunk.
 *   <li>{@code doubleArrayToDirectBuffer}: a heap {@code double[]} into a little-endian direct
 *       buffer through {@code buffer.asDoubleBuffer().put(array)}, exactly the copy {@code
 *       Bridge.send(String, double[], long)} makes into its pooled buffer.
 *   <li>{@code directBufferToDirectBuffer}: one direct buffer into another, the copy {@code
 *       WireChunkBenchmark.encode} makes (a real socket write copies the direct buffer into the
 *       kernel).
 * </ul>
 *
 * <p>Scores are average times in µs per copy; {@code bytes / score} is the bandwidth in MB/s
 * (10<sup>6</sup> bytes per second) with 524,288 bytes for 256 and 8,388,608 bytes for 1024. At
 * 256 source and destination (1 MiB) fit in the L2 or L3 cache; at 1024 they (16 MiB) exceed any
 * L2 but can still fit in a large server L3, so main-memory bandwidth needs a larger size, for
 * example {@code -p chunkSide=2048} (64 MiB touched per copy).
 */
public class MemoryCopyBenchmark extends ChunkSideBenchmark {
    private double[] values;
    private byte[] source;
    private byte[] destination;
    private ByteBuffer directSource;
    private ByteBuffer directDestination;

    /** Allocates and fills the buffers. */
    @Setup(Level.Trial)
    public void setUp() {
        values = Fixtures.values(chunkSide, 0);
        source = Fixtures.littleEndianBytes(values);
        destination = new byte[source.length];
        directSource = Fixtures.littleEndianDirect(values);
        directDestination = Fixtures.littleEndianDirect(new double[values.length]);
    }

    /** {@code System.arraycopy} of the chunk's bytes into a preallocated array. */
    @Benchmark
    public byte[] arraycopy() {
        System.arraycopy(source, 0, destination, 0, source.length);
        return destination;
    }

    /** The chunk's bytes copied into a new array. */
    @Benchmark
    public byte[] cloneByteArray() {
        return source.clone();
    }

    /** The chunk's doubles into a little-endian direct buffer, as {@code Bridge.send} does. */
    @Benchmark
    public ByteBuffer doubleArrayToDirectBuffer() {
        directDestination.clear();
        directDestination.asDoubleBuffer().put(values);
        return directDestination;
    }

    /** The chunk's bytes from one direct buffer into another. */
    @Benchmark
    public ByteBuffer directBufferToDirectBuffer() {
        directDestination.clear();
        directDestination.put(directSource.duplicate());
        return directDestination;
    }
}
