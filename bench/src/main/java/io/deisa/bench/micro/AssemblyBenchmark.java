package io.deisa.bench.micro;

import io.deisa.analytics.DeisaArray;
import io.deisa.connector.source.ChunkRecord;
import io.deisa.operators.ArrayLayout;
import io.deisa.operators.AssembledArray;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;

import java.util.Arrays;

/**
 * Assembling a distributed array from its four N×N {@code FLOAT64} chunks (a 2×2 grid, arriving
 * out of order) and reducing it, along the code path of the operators: the layout declared by the
 * first chunk, every chunk checked against it and placed at its row-major linear index (the checks
 * {@code ChunkAssembler} makes through {@code ChunkValidation}, with the public {@link ArrayLayout}
 * methods they use), the {@link AssembledArray} the assembler emits, the {@link DeisaArray} a
 * callback gets from {@link AssembledArray#toDeisaArray()}, and a global reduction.
 *
 * <ul>
 *   <li>{@code assemble}: up to the {@link DeisaArray}, without touching the elements. The chunks
 *       are shared, never copied, so this should cost the same for every chunk size.
 *   <li>{@code assembleAndMean}: the same, then {@link DeisaArray#mean()}, which converts the
 *       chunks block by block and computes every statistic (compensated sum, min, max, standard
 *       deviation) in the same pass. A fresh {@link DeisaArray} is built every time, because an
 *       array caches its statistics.
 *   <li>{@code assembleAndToDoubleArray}: the same, then {@link DeisaArray#toDoubleArray()}, which
 *       materialises the global array as one row-major {@code double[]}: the cost a callback pays
 *       when it asks for the whole array instead of a reduction.
 * </ul>
 *
 * <p>Not measured: the keyed state the chunks go through in the real operators (one {@code
 * MapState} entry per chunk in {@code ChunkAssembler}, and per retained array in {@code
 * WindowStore}), whose cost depends on the state backend.
 *
 * <p>Scores are average times in µs per assembled array; an array is {@code 4 × chunkSide² × 8}
 * bytes (2 MiB for 256, 32 MiB for 1024), so {@code bytes / score} is the throughput in MB/s.
 */
public class AssemblyBenchmark extends ChunkSideBenchmark {
    /** The four chunks in the order they arrive (not the grid's order). */
    private ChunkRecord[] arrivals;

    /** Builds the four chunks and checks the assembled array against the chunks' values. */
    @Setup(Level.Trial)
    public void setUp() {
        int[][] arrivalOrder = {{1, 1}, {0, 0}, {1, 0}, {0, 1}};
        arrivals = new ChunkRecord[arrivalOrder.length];
        for (int i = 0; i < arrivals.length; i++) {
            arrivals[i] = Fixtures.chunkRecord(chunkSide, arrivalOrder[i], i);
        }

        double expectedSum = 0;
        for (int linear = 0; linear < arrivals.length; linear++) {
            for (double value : Fixtures.values(chunkSide, linear)) {
                expectedSum += value;
            }
        }
        double expectedMean = expectedSum / (4.0 * chunkSide * chunkSide);
        DeisaArray array = assembleArray().toDeisaArray();
        double mean = array.mean();
        if (Math.abs(mean - expectedMean) > 1e-8 * Math.abs(expectedMean)
                || array.getDouble(chunkSide, 0) != Fixtures.values(chunkSide, 2)[0]
                || !Arrays.equals(array.shape(), new long[] {2L * chunkSide, 2L * chunkSide})) {
            throw new IllegalStateException(
                    "Assembled array " + array + " has mean " + mean + ", expected " + expectedMean);
        }
    }

    /** Assembles the chunks into the {@link DeisaArray} a callback sees, without reading elements. */
    @Benchmark
    public DeisaArray assemble() {
        return assembleArray().toDeisaArray();
    }

    /** Assembles the chunks and computes the global mean (and, in the same pass, every statistic). */
    @Benchmark
    public double assembleAndMean() {
        return assembleArray().toDeisaArray().mean();
    }

    /** Assembles the chunks and materialises the global array as one {@code double[]}. */
    @Benchmark
    public double[] assembleAndToDoubleArray() {
        return assembleArray().toDeisaArray().toDoubleArray();
    }

    /**
     * What {@code ChunkAssembler.processElement} does for the chunks of one (array, timestep),
     * without the keyed state: the first chunk declares the layout, each chunk is validated against
     * it and stored at its linear index, and the last one completes the array.
     */
    private AssembledArray assembleArray() {
        ChunkRecord first = arrivals[0];
        ArrayLayout layout = new ArrayLayout(first.dtype, first.chunkShape, first.chunksPerDim);
        long chunkBytes = layout.chunkBytes();
        byte[][] ordered = new byte[layout.chunkCount()][];
        for (ChunkRecord chunk : arrivals) {
            if (!layout.matches(chunk.dtype, chunk.chunkShape, chunk.chunksPerDim)
                    || !layout.contains(chunk.chunkPosition)
                    || chunk.data == null || chunk.data.length != chunkBytes) {
                throw new IllegalStateException("Invalid chunk " + chunk + " for " + layout);
            }
            int index = layout.linearIndex(chunk.chunkPosition);
            if (ordered[index] != null) {
                throw new IllegalStateException("Duplicate chunk " + chunk);
            }
            ordered[index] = chunk.data;
        }
        return new AssembledArray(first.arrayName, first.timestep, layout, ordered);
    }
}
