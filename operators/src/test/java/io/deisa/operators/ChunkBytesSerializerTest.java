package io.deisa.operators;

import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChunkBytesSerializerTest {
    private final ChunkBytesSerializer serializer = ChunkBytesSerializer.INSTANCE;

    @Test
    void writesWhatFlinksByteArraySerializerWritesAndReadsItBack() throws IOException {
        byte[] chunk = {1, 2, 3, -4, 5};
        DataOutputSerializer ours = new DataOutputSerializer(16);
        DataOutputSerializer flinks = new DataOutputSerializer(16);
        serializer.serialize(chunk, ours);
        BytePrimitiveArraySerializer.INSTANCE.serialize(chunk, flinks);

        assertThat(ours.getCopyOfBuffer()).isEqualTo(flinks.getCopyOfBuffer());
        assertThat(serializer.deserialize(new DataInputDeserializer(flinks.getCopyOfBuffer()))).containsExactly(chunk);

        DataOutputSerializer copied = new DataOutputSerializer(16);
        serializer.copy(new DataInputDeserializer(ours.getCopyOfBuffer()), copied);
        assertThat(copied.getCopyOfBuffer()).isEqualTo(ours.getCopyOfBuffer());
    }

    @Test
    void copyingChunkBytesSharesThemSinceTheyAreNeverModified() {
        byte[] chunk = new byte[1024];
        assertThat(serializer.copy(chunk)).isSameAs(chunk);
        assertThat(serializer.copy(chunk, new byte[3])).isSameAs(chunk);
        assertThat(serializer.isImmutableType()).isTrue();
    }

    /**
     * What the heap state backend does to a value that an asynchronous snapshot still holds, on its
     * first access: copy it with the state's serializer, a map state as a whole.
     */
    @Test
    void theCopyOnWriteCopyOfTheWindowAndAssemblyStateSharesTheirChunks() {
        for (MapStateDescriptor<?, byte[]> descriptor :
                java.util.List.of(WindowStore.chunksDescriptor(), ChunkAssembler.chunksDescriptor())) {
            assertThat(descriptor.getValueSerializer()).as(descriptor.getName()).isSameAs(serializer);
        }
        MapStateDescriptor<String, byte[]> window = WindowStore.chunksDescriptor();
        window.initializeSerializerUnlessSet(new ExecutionConfig());
        TypeSerializer<Map<String, byte[]>> stateSerializer = window.getSerializer();
        Map<String, byte[]> chunks = new HashMap<>();
        chunks.put("T\u00001\u00000", new byte[8 << 20]);
        chunks.put("T\u00002\u00000", new byte[8 << 20]);

        Map<String, byte[]> copy = stateSerializer.copy(chunks);

        assertThat(copy).isNotSameAs(chunks).containsOnlyKeys(chunks.keySet());
        chunks.forEach((key, bytes) -> assertThat(copy.get(key)).as(key).isSameAs(bytes));
    }

    @Test
    void stateWrittenWithFlinksByteArraySerializerIsReadAsIs() throws IOException {
        TypeSerializerSnapshot<byte[]> old = BytePrimitiveArraySerializer.INSTANCE.snapshotConfiguration();
        assertThat(serializer.snapshotConfiguration().resolveSchemaCompatibility(old).isCompatibleAsIs()).isTrue();
        assertThat(serializer.snapshotConfiguration()
                .resolveSchemaCompatibility(serializer.snapshotConfiguration()).isCompatibleAsIs()).isTrue();

        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, serializer.snapshotConfiguration());
        TypeSerializerSnapshot<byte[]> restored = TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());
        assertThat(restored.restoreSerializer()).isSameAs(serializer);
    }

    @Test
    void nullAndCorruptLengthsAreRefusedWithAMessage() {
        assertThatThrownBy(() -> serializer.serialize(null, new DataOutputSerializer(8)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must not be null");
        DataOutputSerializer negative = new DataOutputSerializer(8);
        assertThatThrownBy(() -> {
            negative.writeInt(-7);
            serializer.deserialize(new DataInputDeserializer(negative.getCopyOfBuffer()));
        }).isInstanceOf(IOException.class).hasMessageContaining("negative length -7");
    }
}
