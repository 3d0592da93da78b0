package io.deisa.analytics;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Serializable;

/**
 * Turns one chunk into the values of one output chunk, next to the data: in the task that reads
 * the chunk's bridge, before any shuffle (deisa-ray's {@code WindowArrayDefinition.preprocess}).
 * Used through {@link WindowSpec#preprocess(int[], ChunkFunction)}.
 *
 * <pre>{@code
 * // 4x downsampling of 2-d float64 chunks of 256x256 into chunks of 64x64
 * WindowSpec coarse = WindowSpec.of("temperature").preprocess(new int[] {64, 64}, chunk -> {
 *     double[] out = new double[64 * 64];
 *     for (int i = 0; i < 64; i++) {
 *         for (int j = 0; j < 64; j++) {
 *             out[i * 64 + j] = chunk.getDouble(4 * i, 4 * j);
 *         }
 *     }
 *     return out;
 * });
 * }</pre>
 *
 * <p>It runs once per chunk and timestep (again after a restart from a checkpoint, for the chunks
 * the checkpoint does not cover). It must not keep state between calls.
 */
@PublicEvolving
@FunctionalInterface
public interface ChunkFunction extends Serializable {
    /**
     * The output chunk's values, row-major, exactly as many as the product of the declared output
     * chunk shape.
     *
     * @throws Exception to fail the run; the message names the array, timestep and chunk position
     */
    double[] apply(Chunk chunk) throws Exception;
}
