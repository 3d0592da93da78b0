package io.deisa.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.deisa.connector.source.ChunkRecord;

import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

/** Every record and state type must work with {@code pipeline.generic-types: false} (no Kryo). */
class RecordTypesTest {

    private static ExecutionConfig withoutGenericTypes() {
        ExecutionConfig config = new ExecutionConfig();
        ((SerializerConfigImpl) config.getSerializerConfig()).setGenericTypes(false);
        return config;
    }

    static Stream<Class<?>> records() {
        return Stream.of(
                ChunkRecord.class,
                AssembledArray.class,
                ArrayLayout.class,
                AssemblyProgress.class,
                FeedbackRecord.class,
                TimestepCompleted.class);
    }

    @ParameterizedTest
    @MethodSource("records")
    void recordIsAPojoSerializedWithoutKryo(Class<?> type) {
        TypeInformation<?> info = TypeInformation.of(type);
        assertThat(info).isInstanceOf(PojoTypeInfo.class);
        // Throws if any (nested) field would need Kryo.
        assertThat(info.createSerializer(withoutGenericTypes().getSerializerConfig()))
                .isInstanceOf(PojoSerializer.class);
    }

    @Test
    void stateKeyAndSideOutputTypesNeedNoKryo() {
        List<StateDescriptor<?, ?>> descriptors =
                List.of(
                        ChunkAssembler.progressDescriptor(),
                        ChunkAssembler.chunksDescriptor(),
                        ChunkAssembler.sendersDescriptor(),
                        WindowStore.chunksDescriptor(),
                        WindowStore.layoutsDescriptor(),
                        WindowStore.timestepsDescriptor(),
                        WindowStore.newNamesDescriptor(),
                        FeedbackCollector.lastTimestepDescriptor());
        for (StateDescriptor<?, ?> descriptor : descriptors) {
            assertThatCode(() -> descriptor.initializeSerializerUnlessSet(withoutGenericTypes()))
                    .as(descriptor.getName())
                    .doesNotThrowAnyException();
        }
        assertThatCode(
                        () -> {
                            ArrayTimestepKey.TYPE.createSerializer(
                                    withoutGenericTypes().getSerializerConfig());
                            new ConstantKey<AssembledArray>()
                                    .getProducedType()
                                    .createSerializer(withoutGenericTypes().getSerializerConfig());
                            CallbackOperator.FEEDBACK
                                    .getTypeInfo()
                                    .createSerializer(withoutGenericTypes().getSerializerConfig());
                        })
                .doesNotThrowAnyException();
    }

    @Test
    void assembledArrayRoundTripsThroughItsSerializer() throws Exception {
        AssembledArray array = TestData.array("T", 7);
        TypeSerializer<AssembledArray> serializer =
                TypeInformation.of(AssembledArray.class)
                        .createSerializer(withoutGenericTypes().getSerializerConfig());
        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(array, out);
        AssembledArray copy =
                serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertThat(copy).usingRecursiveComparison().isEqualTo(array);
        assertThat(copy.toDeisaArray().mean()).isEqualTo(7.0);
    }
}
