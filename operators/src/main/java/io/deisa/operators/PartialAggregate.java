package io.deisa.operators;

import org.apache.flink.annotation.Internal;

/**
 * One reader's accumulator of one aggregated stream at one timestep, as {@link PartialAggregator}
 * emits it once the reader is done with the timestep, for {@link PartialMerger}.
 *
 * <p>A Flink POJO; the accumulator is Java-serialized (it is the user's type).
 */
@Internal
public class PartialAggregate {
    /** Stream key of the aggregation ({@code WindowSpec.streamKey()}). */
    public String key;
    /** Array name, for messages. */
    public String name;
    /** The timestep. */
    public long timestep;
    /** Subtask index of the reader that combined it: partials are merged in this order. */
    public int subtask;
    /** Chunks added into it. */
    public long chunks;
    /** Chunks of the array's grid. */
    public long gridChunks;
    /** The Java-serialized accumulator. */
    public byte[] accumulator;

    /** For Flink's POJO serializer. */
    public PartialAggregate() {}

    /** A partial; the array is taken over. */
    public PartialAggregate(String key, String name, long timestep, int subtask, long chunks, long gridChunks,
            byte[] accumulator) {
        this.key = key;
        this.name = name;
        this.timestep = timestep;
        this.subtask = subtask;
        this.chunks = chunks;
        this.gridChunks = gridChunks;
        this.accumulator = accumulator;
    }

    @Override
    public String toString() {
        return "PartialAggregate{key=" + key + ", t=" + timestep + ", subtask=" + subtask + ", chunks=" + chunks
                + "/" + gridChunks + ", bytes=" + (accumulator == null ? 0 : accumulator.length) + '}';
    }
}
