package io.deisa.operators;

import io.deisa.analytics.DeisaArray;
import io.deisa.bridge.DType;

import org.apache.flink.annotation.Internal;

import java.util.Arrays;

/**
 * One complete distributed array at one timestep, as {@link ChunkAssembler} emits it: every chunk
 * of the grid, indexed by its row-major linear position.
 *
 * <pre>{@code
 * DeisaArray array = assembled.toDeisaArray();   // wraps the chunks, no copy
 * double mean = array.mean();
 * }</pre>
 *
 * <p>A Flink POJO (public fields, no-argument constructor) carried by Flink's own serializers, so
 * it works with {@code pipeline.generic-types: false}. Records are not modified once emitted.
 */
@Internal
public class AssembledArray {
    /** Name of the array. */
    public String name;
    /** Timestep of the array (the record's event time). */
    public long timestep;
    /** Element type. */
    public DType dtype;
    /** Shape of every chunk. */
    public int[] chunkShape;
    /** Number of chunks along each dimension. */
    public int[] chunksPerDim;
    /**
     * Raw little-endian chunk bytes, indexed by row-major linear chunk position; null for an
     * aggregate. The chunks are never modified: they are shared with the state and its checkpoints
     * ({@link ChunkBytesSerializer}).
     */
    public byte[][] chunks;
    /**
     * For an aggregated stream ({@code WindowSpec.aggregate}): the Java-serialized result of the
     * timestep, and no chunks; null for an array.
     */
    public byte[] aggregate;

    /** For Flink's POJO serializer. */
    public AssembledArray() {}

    /** Creates an array; the arrays are taken over, not copied. */
    public AssembledArray(String name, long timestep, ArrayLayout layout, byte[][] chunks) {
        this.name = name;
        this.timestep = timestep;
        this.dtype = layout.dtype;
        this.chunkShape = layout.chunkShape;
        this.chunksPerDim = layout.chunksPerDim;
        this.chunks = chunks;
    }

    /** The result of aggregated stream {@code key} at {@code timestep}, Java-serialized. */
    public static AssembledArray ofAggregate(String key, long timestep, byte[] result) {
        AssembledArray record = new AssembledArray();
        record.name = key;
        record.timestep = timestep;
        record.aggregate = result;
        return record;
    }

    /** Whether this record carries an aggregate result instead of chunks. */
    public boolean isAggregate() {
        return aggregate != null;
    }

    /** The layout of this array; shares the shape arrays. */
    public ArrayLayout layout() {
        return new ArrayLayout(dtype, chunkShape, chunksPerDim);
    }

    /** The array as callbacks see it; shares the chunk bytes, no copy. */
    public DeisaArray toDeisaArray() {
        return DeisaArray.fromChunks(name, timestep, dtype, chunkShape, chunksPerDim, chunks);
    }

    @Override
    public String toString() {
        return "AssembledArray{name="
                + name
                + ", t="
                + timestep
                + ", dtype="
                + dtype
                + ", chunkShape="
                + Arrays.toString(chunkShape)
                + ", chunksPerDim="
                + Arrays.toString(chunksPerDim)
                + ", chunks="
                + (chunks == null ? 0 : chunks.length)
                + '}';
    }
}
