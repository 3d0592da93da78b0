package io.deisa.operators;

import io.deisa.bridge.DType;
import io.deisa.connector.source.ChunkRecord;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Chunks and arrays of FLOAT64 test data. */
final class TestData {

    private TestData() {}

    /** Little-endian FLOAT64 bytes of {@code count} values {@code first, first + 1, ...}. */
    static byte[] float64s(double first, int count) {
        ByteBuffer bytes = ByteBuffer.allocate(count * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            bytes.putDouble(first + i);
        }
        return bytes.array();
    }

    /**
     * A FLOAT64 chunk of a {@code 2 x 2} grid of {@code 2 x 3} chunks, holding {@code 100 * bridge,
     * 100 * bridge + 1, ...}.
     */
    static ChunkRecord chunk(String array, long timestep, int bridge, int... position) {
        return new ChunkRecord(
                array,
                timestep,
                bridge,
                timestep,
                DType.FLOAT64,
                new int[] {2, 3},
                new int[] {2, 2},
                position,
                float64s(100 * bridge, 6),
                1);
    }

    /**
     * A complete FLOAT64 array of two chunks of two elements, every element equal to {@code
     * timestep}.
     */
    static AssembledArray array(String name, long timestep) {
        byte[] chunk = ByteBuffer.allocate(2 * Double.BYTES)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putDouble(timestep)
                .putDouble(timestep)
                .array();
        return new AssembledArray(
                name,
                timestep,
                new ArrayLayout(DType.FLOAT64, new int[] {2}, new int[] {2}),
                new byte[][] {chunk, chunk.clone()});
    }
}
