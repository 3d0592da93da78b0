package io.deisa.analytics;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Serializable;

/**
 * A reduction of one array at one timestep computed chunk by chunk, where the chunks are read, so
 * that the array is never assembled anywhere; the shape of Flink's {@code AggregateFunction}. Used
 * through {@link WindowSpec#aggregate(ChunkAggregate)}; ready-made ones are in {@link
 * ChunkAggregates}.
 *
 * <p>Each reader of the job adds the chunks it reads into one accumulator per timestep, the
 * readers' accumulators are merged into one, and {@link #getResult} of the merged accumulator is
 * what the callback gets from {@link Windows#aggregates(String)}: each chunk of the timestep is
 * added exactly once. Accumulators cross the network between TaskManagers and are Java-serialized:
 * they must be {@link Serializable} (they never reach a bridge). Partial accumulators are merged
 * in the order of the readers' subtask indexes.
 *
 * @param <A> the accumulator
 * @param <R> the result a callback receives
 */
@PublicEvolving
public interface ChunkAggregate<A, R> extends Serializable {
    /** A new, empty accumulator. */
    A createAccumulator();

    /** Adds one chunk; may update and return {@code accumulator}. */
    A add(Chunk chunk, A accumulator);

    /** Merges two accumulators; may update and return either. */
    A merge(A a, A b);

    /** The result for a complete timestep. */
    R getResult(A accumulator);
}
