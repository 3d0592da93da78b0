package io.deisa.bench.micro;

import io.deisa.bridge.DType;
import io.deisa.connector.source.ChunkRecord;

import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Test data shared by the micro-benchmarks: square {@code FLOAT64} chunks of a 2×2 chunk grid,
 * filled with deterministic, non-constant values (so that nothing can be folded away and the
 * reductions see realistic numbers), and the Flink serializers the job would use.
 */
final class Fixtures {
    /** Name of the benchmarked array. */
    static final String ARRAY = "temperature";
    /** Timestep of every benchmarked chunk. */
    static final long TIMESTEP = 42;
    /** The chunk grid: 2×2, so four chunks make the global array. */
    static final int[] GRID = {2, 2};

    private Fixtures() {}

    /** Number of elements of an N×N chunk. */
    static int elements(int side) {
        return Math.multiplyExact(side, side);
    }

    /** Byte size of an N×N {@code FLOAT64} chunk. */
    static int chunkBytes(int side) {
        return Math.multiplyExact(elements(side), Double.BYTES);
    }

    /**
     * The elements of an N×N chunk: a smooth temperature-like field around 300 K, different for
     * every {@code seed} (for example the chunk's linear position).
     */
    static double[] values(int side, int seed) {
        double[] values = new double[elements(side)];
        for (int i = 0; i < values.length; i++) {
            int row = i / side;
            int column = i % side;
            values[i] = 300.0 + 0.01 * row - 0.02 * column + seed + (i % 7) * 1e-3;
        }
        return values;
    }

    /** {@code values} as the raw little-endian bytes of a chunk, in a heap array. */
    static byte[] littleEndianBytes(double[] values) {
        byte[] bytes = new byte[Math.multiplyExact(values.length, Double.BYTES)];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().put(values);
        return bytes;
    }

    /**
     * {@code values} in a little-endian direct buffer, like the pooled buffer a bridge fills in
     * {@code Bridge.send}; position 0, limit the chunk's byte length.
     */
    static ByteBuffer littleEndianDirect(double[] values) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(Math.multiplyExact(values.length, Double.BYTES))
                .order(ByteOrder.LITTLE_ENDIAN);
        buffer.asDoubleBuffer().put(values);
        return buffer.clear();
    }

    /**
     * One chunk of the 2×2 grid as the source emits it.
     *
     * @param side the chunk is {@code side × side}
     * @param position the chunk's position in the grid
     * @param bridgeId the sending bridge
     */
    static ChunkRecord chunkRecord(int side, int[] position, int bridgeId) {
        int linear = position[0] * GRID[1] + position[1];
        return new ChunkRecord(
                ARRAY, TIMESTEP, bridgeId, 1000L + linear, DType.FLOAT64,
                new int[] {side, side}, GRID.clone(), position.clone(),
                littleEndianBytes(values(side, linear)), 1);
    }

    /**
     * The serializer Flink picks for {@code type}, with generic types disabled as the job runs
     * ({@code pipeline.generic-types: false}): a type that is not a POJO fails here instead of
     * silently being measured through Kryo.
     *
     * @throws IllegalStateException if Flink does not treat {@code type} as a POJO
     */
    static <T> TypeSerializer<T> pojoSerializer(Class<T> type) {
        SerializerConfigImpl config = new SerializerConfigImpl();
        config.setGenericTypes(false);
        TypeSerializer<T> serializer = TypeInformation.of(type).createSerializer(config);
        if (!(serializer instanceof PojoSerializer)) {
            throw new IllegalStateException(
                    type.getName() + " is serialized by " + serializer.getClass().getName()
                            + ", not by Flink's PojoSerializer");
        }
        return serializer;
    }
}
