package io.deisa.bench.micro;

import io.deisa.bridge.DType;
import io.deisa.operators.ArrayLayout;
import io.deisa.operators.AssembledArray;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;

import java.io.IOException;
import java.util.Arrays;

/**
 * Flink's serialization of one {@link AssembledArray} made of four N×N {@code FLOAT64} chunks (a
 * 2×2 grid): the {@code PojoSerializer} Flink picks for it (checked at setup, with generic types
 * disabled as in the job; the {@code byte[][]} chunks go through a generic array serializer of
 * {@code byte[]}) writing into a {@link DataOutputSerializer} and reading back from a {@link
 * DataInputDeserializer}. Every assembled array is serialized once and deserialized once on its
 * way from the {@code ChunkAssembler} to the {@code CallbackOperator}, across the {@code
 * keyBy(constant)} exchange.
 *
 * <ul>
 *   <li>{@code serialize}: the array into a reused output buffer already grown to its size: one
 *       copy of every chunk.
 *   <li>{@code deserialize}: a new array from the serialized bytes: one allocation and one copy of
 *       every chunk.
 * </ul>
 *
 * <p>Not measured: the network stack's own copies (see {@link ChunkRecordSerializationBenchmark}).
 *
 * <p>Scores are average times in µs per array; an array carries {@code 4 × chunkSide² × 8} bytes
 * (2 MiB for 256, 32 MiB for 1024), so {@code bytes / score} is the throughput in MB/s.
 */
public class AssembledArraySerializationBenchmark extends ChunkSideBenchmark {
    private TypeSerializer<AssembledArray> serializer;
    private AssembledArray array;
    private DataOutputSerializer output;
    private byte[] serialized;
    private DataInputDeserializer input;

    /** Builds the array, Flink's serializer and the serialized form, and checks the round trip. */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        serializer = Fixtures.pojoSerializer(AssembledArray.class);
        ArrayLayout layout = new ArrayLayout(DType.FLOAT64, new int[] {chunkSide, chunkSide}, Fixtures.GRID.clone());
        byte[][] chunks = new byte[layout.chunkCount()][];
        for (int i = 0; i < chunks.length; i++) {
            chunks[i] = Fixtures.littleEndianBytes(Fixtures.values(chunkSide, i));
        }
        array = new AssembledArray(Fixtures.ARRAY, Fixtures.TIMESTEP, layout, chunks);
        output = new DataOutputSerializer(Math.multiplyExact(chunks.length, Fixtures.chunkBytes(chunkSide)) + 1024);
        serializer.serialize(array, output);
        serialized = output.getCopyOfBuffer();
        input = new DataInputDeserializer();

        input.setBuffer(serialized);
        AssembledArray copy = serializer.deserialize(input);
        if (!Arrays.deepEquals(copy.chunks, array.chunks) || copy.timestep != array.timestep
                || copy.dtype != array.dtype || input.available() != 0) {
            throw new IllegalStateException("AssembledArray does not survive Flink serialization: " + copy);
        }
    }

    /** Serializes the array into the reused output buffer; returns the serialized length. */
    @Benchmark
    public int serialize() throws IOException {
        output.clear();
        serializer.serialize(array, output);
        return output.length();
    }

    /** Deserializes a new array from its serialized bytes. */
    @Benchmark
    public AssembledArray deserialize() throws IOException {
        input.setBuffer(serialized);
        return serializer.deserialize(input);
    }
}
