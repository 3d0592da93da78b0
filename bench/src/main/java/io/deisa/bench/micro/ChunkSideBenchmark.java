package io.deisa.bench.micro;

import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The settings shared by every micro-benchmark of this package, which extend this class: one
 * state object per thread, scores as average times in µs per operation, 3 × 2 s of warm-up and
 * 5 × 2 s of measurement in one fork with a 2 GiB heap, and the chunk size as the one parameter,
 * {@link #chunkSide}. These JMH annotations are {@code @Inherited}, so the subclasses get them
 * without repeating them, and JMH injects {@code @Param} fields declared in a superclass of a
 * {@code @State} class; a subclass or the command line ({@code -wi}, {@code -i}, {@code -f},
 * {@code -p chunkSide=...}) can still override any of them.
 *
 * <p>The class is public only because the code JMH generates, in the {@code jmh_generated}
 * subpackage, sets {@link #chunkSide} through {@code ChunkSideBenchmark.class}; it is not meant to
 * be used outside this package.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public abstract class ChunkSideBenchmark {
    /**
     * The side of a chunk: every chunk the benchmark handles is {@code chunkSide × chunkSide}
     * {@code FLOAT64} values ({@code chunkSide² × 8} bytes), 256 (512 KiB) and 1024 (8 MiB) by
     * default. Set by JMH before the subclass's {@code @Setup} methods run.
     */
    @Param({"256", "1024"})
    public int chunkSide;
}
