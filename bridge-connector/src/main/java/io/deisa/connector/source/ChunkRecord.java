package io.deisa.connector.source;

import io.deisa.bridge.DType;

import org.apache.flink.annotation.Internal;

import java.util.Arrays;

/**
 * One chunk of one distributed array at one timestep, as the {@link BridgeSource} emits it.
 *
 * <p>A Flink POJO (public fields, no-argument constructor) so that Flink's own serializers carry
 * it: the payload is a {@code byte[]} holding the chunk's raw little-endian elements in row-major
 * order. Records are never mutated after they leave the source.
 */
@Internal
public class ChunkRecord {
    /** Name of the array, as declared in the bridge's metadata. */
    public String arrayName;
    /** Timestep of the chunk (the record's event time). */
    public long timestep;
    /** Id of the bridge that sent the chunk. */
    public int bridgeId;
    /** Position of the sending bridge in the bridge's stream of data frames (starts at 0). */
    public long sequence;
    /** Element type. */
    public DType dtype;
    /** Shape of this chunk. */
    public int[] chunkShape;
    /** Chunk grid of the global array. */
    public int[] chunksPerDim;
    /** Position of this chunk in the grid. */
    public int[] chunkPosition;
    /**
     * Raw little-endian elements, row-major. Never modified once received: operators share it
     * (object reuse, state, checkpoint copies) instead of copying it.
     */
    public byte[] data;
    /**
     * Number of arrays the sending bridge declared. A bridge sends each array at most once per
     * timestep, so once it sent this many chunks at one timestep it is done with that timestep.
     */
    public int bridgeArrays;

    /** For Flink's POJO serializer. */
    public ChunkRecord() {}

    /** Creates a record; the arrays are taken over, not copied. */
    public ChunkRecord(
            String arrayName,
            long timestep,
            int bridgeId,
            long sequence,
            DType dtype,
            int[] chunkShape,
            int[] chunksPerDim,
            int[] chunkPosition,
            byte[] data,
            int bridgeArrays) {
        this.arrayName = arrayName;
        this.timestep = timestep;
        this.bridgeId = bridgeId;
        this.sequence = sequence;
        this.dtype = dtype;
        this.chunkShape = chunkShape;
        this.chunksPerDim = chunksPerDim;
        this.chunkPosition = chunkPosition;
        this.data = data;
        this.bridgeArrays = bridgeArrays;
    }

    /**
     * A marker, used only between a split reader and its emitter (it never leaves the source): the
     * bridge started {@code timestep}.
     */
    public static ChunkRecord timestepStart(int bridgeId, long timestep) {
        ChunkRecord marker = new ChunkRecord();
        marker.bridgeId = bridgeId;
        marker.timestep = timestep;
        marker.sequence = -1;
        return marker;
    }

    /** Whether this is a {@link #timestepStart} marker rather than a chunk. */
    public boolean isTimestepStart() {
        return data == null;
    }

    @Override
    public String toString() {
        return "ChunkRecord{array="
                + arrayName
                + ", t="
                + timestep
                + ", bridge="
                + bridgeId
                + ", seq="
                + sequence
                + ", dtype="
                + dtype
                + ", chunkShape="
                + Arrays.toString(chunkShape)
                + ", chunksPerDim="
                + Arrays.toString(chunksPerDim)
                + ", position="
                + Arrays.toString(chunkPosition)
                + ", bytes="
                + (data == null ? 0 : data.length)
                + '}';
    }
}
