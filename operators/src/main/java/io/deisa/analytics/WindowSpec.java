package io.deisa.analytics;

import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.PublicEvolving;

import java.io.Serializable;

/**
 * Names one array a callback reads and how many of its most recent timesteps it sees, and
 * optionally what is computed next to the data before the callback gets it.
 *
 * <pre>{@code
 * WindowSpec temperature = WindowSpec.of("temperature");     // the latest array only
 * WindowSpec pressure = WindowSpec.of("pressure", 3);        // the last three timesteps
 * // chunk-parallel: each chunk downsampled where it is read, the smaller array assembled
 * WindowSpec coarse = WindowSpec.of("temperature").preprocess(new int[] {64, 64}, downsample);
 * // chunk-parallel: one Summary per timestep, the array never assembled (Windows.aggregates)
 * WindowSpec stats = WindowSpec.of("temperature", 5).aggregate(ChunkAggregates.summary());
 * }</pre>
 *
 * <p>Instances are immutable and compare by value: name, window size, and the identity of the
 * preprocessing and aggregation they carry (functions do not compare by value; each call of
 * {@link #preprocess} or {@link #aggregate} makes a new form of the array, computed once per chunk
 * however many callbacks use the resulting spec).
 */
@PublicEvolving
public final class WindowSpec implements Serializable {

    private static final long serialVersionUID = 1L;

    private final String name;
    private final int windowSize;
    /** Output chunk shape of {@link #preprocess}, or null. */
    private final int[] outputChunkShape;
    private final ChunkFunction preprocessor;
    /** Names the preprocessing, unique in this JVM and kept through serialization; 0 for none. */
    private final long preprocessId;
    private final ChunkAggregate<?, ?> aggregate;
    /** Names the aggregation, as {@link #preprocessId}; 0 for none. */
    private final long aggregateId;

    private static final java.util.concurrent.atomic.AtomicLong FORMS =
            new java.util.concurrent.atomic.AtomicLong(System.nanoTime() & 0xffffffffL);

    private WindowSpec(String name, int windowSize) {
        this(name, windowSize, null, null, 0, null, 0);
    }

    private WindowSpec(String name, int windowSize, int[] outputChunkShape, ChunkFunction preprocessor,
            long preprocessId, ChunkAggregate<?, ?> aggregate, long aggregateId) {
        this.name = name;
        this.windowSize = windowSize;
        this.outputChunkShape = outputChunkShape;
        this.preprocessor = preprocessor;
        this.preprocessId = preprocessId;
        this.aggregate = aggregate;
        this.aggregateId = aggregateId;
    }

    /**
     * A spec of the same name and window size whose arrays are assembled from {@code fn}'s output:
     * FLOAT64 chunks of {@code outputChunkShape} on the same chunk grid (the global shape follows).
     * {@code fn} runs once per chunk and timestep, in the task that reads the chunk's bridge,
     * before any shuffle. A result whose length differs from the product of {@code
     * outputChunkShape}, or an exception, fails the run naming the array, the timestep and the
     * chunk position.
     *
     * @throws IllegalArgumentException if the shape is empty or has a dimension below 1, or this
     *     spec is already preprocessed or aggregated
     * @throws NullPointerException if an argument is null
     */
    public WindowSpec preprocess(int[] outputChunkShape, ChunkFunction fn) {
        java.util.Objects.requireNonNull(outputChunkShape, "outputChunkShape");
        java.util.Objects.requireNonNull(fn, "fn");
        if (outputChunkShape.length == 0 || java.util.Arrays.stream(outputChunkShape).anyMatch(d -> d < 1)) {
            throw new IllegalArgumentException("WindowSpec '" + name + "': output chunk shape "
                    + java.util.Arrays.toString(outputChunkShape) + " must have dimensions >= 1");
        }
        if (preprocessor != null || aggregate != null) {
            throw new IllegalArgumentException("WindowSpec '" + name + "' is already "
                    + (aggregate != null ? "aggregated" : "preprocessed") + "; preprocess first, then aggregate");
        }
        return new WindowSpec(name, windowSize, outputChunkShape.clone(), fn, FORMS.incrementAndGet(), null, 0);
    }

    /**
     * A spec of the same name and window size for which the callback receives one result of {@code
     * aggregate} per timestep ({@link Windows#aggregates(String)}) instead of an array: chunks are
     * added where they are read, the readers' accumulators merged, and the array is never assembled.
     *
     * @throws IllegalArgumentException if this spec is already aggregated, or the aggregate or a new
     *     accumulator of it cannot be Java-serialized (they cross the network between TaskManagers)
     * @throws NullPointerException if {@code aggregate} is null
     */
    public WindowSpec aggregate(ChunkAggregate<?, ?> aggregate) {
        java.util.Objects.requireNonNull(aggregate, "aggregate");
        if (this.aggregate != null) {
            throw new IllegalArgumentException("WindowSpec '" + name + "' is already aggregated");
        }
        requireSerializable(aggregate, "the aggregate " + aggregate.getClass().getName());
        Object accumulator = aggregate.createAccumulator();
        requireSerializable(accumulator, "its accumulator, a " + (accumulator == null ? "null" : accumulator.getClass().getName()));
        return new WindowSpec(name, windowSize, outputChunkShape, preprocessor, preprocessId, aggregate,
                FORMS.incrementAndGet());
    }

    /**
     * A window of size 1 over the array {@code name}: the callback sees the latest array only.
     *
     * @throws IllegalArgumentException if {@code name} is null or blank
     */
    public static WindowSpec of(String name) {
        return of(name, 1);
    }

    /**
     * A window over the {@code windowSize} most recent timesteps of the array {@code name}.
     *
     * @throws IllegalArgumentException if {@code name} is null or blank, or {@code windowSize < 1}
     */
    public static WindowSpec of(String name, int windowSize) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("WindowSpec array name must not be null or blank");
        }
        if (windowSize < 1) {
            throw new IllegalArgumentException(
                    "WindowSpec window size must be >= 1, got " + windowSize + " for array '" + name + "'");
        }
        return new WindowSpec(name, windowSize);
    }

    private void requireSerializable(Object value, String what) {
        try {
            org.apache.flink.util.InstantiationUtil.serializeObject(value);
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalArgumentException("WindowSpec '" + name + "'.aggregate: " + what
                    + " cannot be Java-serialized (" + e + "); aggregates and their accumulators cross the network"
                    + " between the readers and the merge, so they must be Serializable", e);
        }
    }

    /** The array name. */
    public String name() {
        return name;
    }

    /** The number of timesteps in the window, at least 1. */
    public int windowSize() {
        return windowSize;
    }

    /** Whether the callback gets aggregates ({@link Windows#aggregates}) rather than arrays. */
    public boolean isAggregated() {
        return aggregate != null;
    }

    /** Whether chunks are preprocessed before they are assembled or aggregated. */
    public boolean isPreprocessed() {
        return preprocessor != null;
    }

    /** The output chunk shape of the preprocessing (a copy), or null. */
    @Internal
    public int[] outputChunkShape() {
        return outputChunkShape == null ? null : outputChunkShape.clone();
    }

    /** The preprocessing function, or null. */
    @Internal
    public ChunkFunction preprocessor() {
        return preprocessor;
    }

    /** The aggregation, or null. */
    @Internal
    public ChunkAggregate<?, ?> aggregation() {
        return aggregate;
    }

    /**
     * The key of the stream of chunks or results this spec reads, independent of the window size:
     * the array name for a plain spec; with a suffix naming the preprocessing ({@code |p<id>}) and
     * the aggregation ({@code |a<id>}) otherwise.
     */
    @Internal
    public String streamKey() {
        return preprocessKey() + (aggregate == null ? "" : "|a" + aggregateId);
    }

    /** The key of the (possibly preprocessed) chunks this spec is built from. */
    @Internal
    public String preprocessKey() {
        return preprocessor == null ? name : name + "|p" + preprocessId;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof WindowSpec)) {
            return false;
        }
        WindowSpec that = (WindowSpec) other;
        return windowSize == that.windowSize && name.equals(that.name) && preprocessId == that.preprocessId
                && aggregateId == that.aggregateId;
    }

    @Override
    public int hashCode() {
        return (31 * name.hashCode() + windowSize) * 31 + Long.hashCode(preprocessId * 31 + aggregateId);
    }

    @Override
    public String toString() {
        return "WindowSpec{name='" + name + "', windowSize=" + windowSize
                + (preprocessor == null ? "" : ", preprocess to " + java.util.Arrays.toString(outputChunkShape))
                + (aggregate == null ? "" : ", aggregate " + aggregate.getClass().getSimpleName()) + '}';
    }
}
