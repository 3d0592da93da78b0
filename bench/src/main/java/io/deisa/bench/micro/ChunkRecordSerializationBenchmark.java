package io.deisa.bench.micro;

import io.deisa.connector.source.ChunkRecord;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;

import java.io.IOException;
import java.util.Arrays;

/**
 * Flink's serialization of one {@link ChunkRecord} holding an N×N {@code FLOAT64} chunk: the
 * {@code PojoSerializer} Flink picks for the record (checked at setup, with generic types
 * disabled as in the job) writing into a {@link DataOutputSerializer} and reading back from a
 * {@link DataInputDeserializer}. Every chunk is serialized once and deserialized once on its way
 * from the source to the {@code ChunkAssembler}, across the {@code keyBy(array, timestep)}
 * exchange.
 *
 * <ul>
 *   <li>{@code serialize}: the record into a reused output buffer already grown to the record's
 *       size, as the {@code RecordWriter}'s buffer is after the first chunk: one copy of the
 *       chunk.
 *   <li>{@code deserialize}: a new record from the serialized bytes: one allocation and one copy
 *       of the chunk, plus the small fields.
 * </ul>
 *
 * <p>Not measured: the network stack's own copies (from the serialization buffer into network
 * buffers, and on the receiving side from network buffers into one contiguous record, which for
 * records over 5 MiB goes through a spill file).
 *
 * <p>Scores are average times in µs per record; a record carries {@code chunkSide² × 8} bytes of
 * chunk data (512 KiB for 256, 8 MiB for 1024), so {@code bytes / score} is the throughput in MB/s.
 */
public class ChunkRecordSerializationBenchmark extends ChunkSideBenchmark {
    private TypeSerializer<ChunkRecord> serializer;
    private ChunkRecord record;
    private DataOutputSerializer output;
    private byte[] serialized;
    private DataInputDeserializer input;

    /** Builds the record, Flink's serializer and the serialized form, and checks the round trip. */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        serializer = Fixtures.pojoSerializer(ChunkRecord.class);
        record = Fixtures.chunkRecord(chunkSide, new int[] {1, 0}, 2);
        output = new DataOutputSerializer(Fixtures.chunkBytes(chunkSide) + 256);
        serializer.serialize(record, output);
        serialized = output.getCopyOfBuffer();
        input = new DataInputDeserializer();

        input.setBuffer(serialized);
        ChunkRecord copy = serializer.deserialize(input);
        if (!Arrays.equals(copy.data, record.data) || copy.timestep != record.timestep
                || !Arrays.equals(copy.chunkPosition, record.chunkPosition) || input.available() != 0) {
            throw new IllegalStateException("ChunkRecord does not survive Flink serialization: " + copy);
        }
    }

    /** Serializes the record into the reused output buffer; returns the serialized length. */
    @Benchmark
    public int serialize() throws IOException {
        output.clear();
        serializer.serialize(record, output);
        return output.length();
    }

    /** Deserializes a new record from its serialized bytes. */
    @Benchmark
    public ChunkRecord deserialize() throws IOException {
        input.setBuffer(serialized);
        return serializer.deserialize(input);
    }
}
