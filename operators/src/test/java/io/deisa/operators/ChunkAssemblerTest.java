package io.deisa.operators;

import static io.deisa.operators.TestData.chunk;
import static io.deisa.operators.TestData.float64s;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deisa.analytics.DeisaArray;
import io.deisa.bridge.DType;
import io.deisa.connector.source.ChunkRecord;
import io.deisa.operators.Harnesses.Backend;

import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.runtime.state.heap.HeapKeyedStateBackend;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

class ChunkAssemblerTest {

    private KeyedOneInputStreamOperatorTestHarness<
                    Tuple2<String, Long>, ChunkRecord, AssembledArray>
            harness;

    private void open(Backend backend) throws Exception {
        harness =
                Harnesses.open(
                        new ChunkAssembler(),
                        new ArrayTimestepKey(),
                        ArrayTimestepKey.TYPE,
                        backend);
    }

    @AfterEach
    void close() throws Exception {
        if (harness != null) {
            harness.close();
        }
    }

    private long keyedStateEntries() {
        return Harnesses.keyedStateEntries(
                harness,
                ChunkAssembler.progressDescriptor().getName(),
                ChunkAssembler.chunksDescriptor().getName(),
                ChunkAssembler.sendersDescriptor().getName());
    }

    private void assertNoKeyedState() {
        assertThat(keyedStateEntries()).isZero();
        if (harness.getOperator().getKeyedStateBackend() instanceof HeapKeyedStateBackend) {
            assertThat(harness.numKeyedStateEntries()).isZero();
        }
    }

    private void send(ChunkRecord chunk) throws Exception {
        harness.processElement(chunk, chunk.timestep);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void assemblesChunksArrivingOutOfOrderFromFourBridges(Backend backend) throws Exception {
        open(backend);
        harness.processWatermark(4);

        send(chunk("T", 5, 3, 1, 1));
        send(chunk("T", 5, 0, 0, 0));
        send(chunk("T", 5, 2, 1, 0));
        assertThat(harness.extractOutputValues()).isEmpty();
        assertThat(keyedStateEntries()).isEqualTo(3);
        send(chunk("T", 5, 1, 0, 1));

        List<StreamRecord<? extends AssembledArray>> output = harness.extractOutputStreamRecords();
        assertThat(output).hasSize(1);
        assertThat(output.get(0).getTimestamp()).isEqualTo(5);
        AssembledArray array = output.get(0).getValue();
        assertThat(array.name).isEqualTo("T");
        assertThat(array.timestep).isEqualTo(5);
        assertThat(array.dtype).isEqualTo(DType.FLOAT64);
        assertThat(array.chunkShape).containsExactly(2, 3);
        assertThat(array.chunksPerDim).containsExactly(2, 2);
        // Bridge b owns the chunk at linear index b.
        assertThat(array.chunks).hasDimensions(4, 48);
        for (int index = 0; index < 4; index++) {
            assertThat(array.chunks[index]).isEqualTo(float64s(100 * index, 6));
        }

        DeisaArray global = array.toDeisaArray();
        assertThat(global.shape()).containsExactly(4, 6);
        assertThat(global.getDouble(0, 0)).isEqualTo(0);
        assertThat(global.getDouble(0, 3)).isEqualTo(100);
        assertThat(global.getDouble(3, 5)).isEqualTo(305);

        assertNoKeyedState();
        harness.processWatermark(5); // the timer of the complete array finds nothing to check
        assertThat(harness.extractOutputValues()).hasSize(1);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void singleChunkArrayIsEmittedAtOnceWithoutState(Backend backend) throws Exception {
        open(backend);
        ChunkRecord only = chunk("P", 2, 0, 0, 0);
        only.chunksPerDim = new int[] {1, 1};
        send(only);
        assertThat(harness.extractOutputValues())
                .singleElement()
                .satisfies(array -> assertThat(array.chunks).isEqualTo(new byte[][] {only.data}));
        assertNoKeyedState();
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void interleavedTimestepsAndArraysAssembleIndependently(Backend backend) throws Exception {
        open(backend);
        send(chunk("T", 0, 0, 0, 0));
        send(chunk("T", 1, 0, 0, 0));
        send(chunk("P", 0, 0, 0, 0));
        send(chunk("T", 0, 1, 0, 1));
        send(chunk("T", 1, 1, 0, 1));
        send(chunk("T", 1, 2, 1, 0));
        send(chunk("T", 0, 2, 1, 0));
        send(chunk("T", 1, 3, 1, 1));
        send(chunk("P", 0, 1, 0, 1));
        send(chunk("P", 0, 2, 1, 0));
        send(chunk("T", 0, 3, 1, 1));
        assertThat(harness.extractOutputValues())
                .extracting(array -> array.name + "@" + array.timestep)
                .containsExactly("T@1", "T@0");
        send(chunk("P", 0, 3, 1, 1));
        assertThat(harness.extractOutputValues())
                .extracting(array -> array.name + "@" + array.timestep)
                .containsExactly("T@1", "T@0", "P@0");
        assertNoKeyedState();
        harness.processWatermark(1);
        assertThat(harness.extractOutputValues()).hasSize(3);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void duplicatePositionFailsNamingArrayTimestepPositionAndBothBridges(Backend backend)
            throws Exception {
        open(backend);
        send(chunk("T", 3, 1, 0, 1));
        assertThatThrownBy(() -> send(chunk("T", 3, 2, 0, 1)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Duplicate chunk of array 'T' at timestep 3")
                .hasMessageContaining("position [0, 1]")
                .hasMessageContaining("bridge 1")
                .hasMessageContaining("bridge 2");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void chunkWithAnotherDtypeThanTheFirstFails(Backend backend) throws Exception {
        open(backend);
        send(chunk("T", 3, 0, 0, 0));
        ChunkRecord float32 = chunk("T", 3, 1, 0, 1);
        float32.dtype = DType.FLOAT32;
        float32.data = new byte[6 * 4];
        assertThatThrownBy(() -> send(float32))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("chunk of array 'T' at timestep 3 from bridge 1")
                .hasMessageContaining("dtype FLOAT32")
                .hasMessageContaining("dtype=FLOAT64")
                .hasMessageContaining("first chunk (bridge 0)");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void chunkWithWrongByteLengthFails(Backend backend) throws Exception {
        open(backend);
        ChunkRecord truncated = chunk("T", 3, 2, 1, 0);
        truncated.data = new byte[40];
        assertThatThrownBy(() -> send(truncated))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("chunk of array 'T' at timestep 3 from bridge 2")
                .hasMessageContaining("position [1, 0] carries 40 bytes, expected 48");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void chunkOutsideTheGridOrWithAnotherGridFails(Backend backend) throws Exception {
        open(backend);
        assertThatThrownBy(() -> send(chunk("T", 3, 7, 2, 0)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("bridge 7")
                .hasMessageContaining("position [2, 0] is outside the chunk grid [2, 2]");

        send(chunk("T", 4, 0, 0, 0));
        ChunkRecord otherGrid = chunk("T", 4, 1, 0, 1);
        otherGrid.chunksPerDim = new int[] {1, 4};
        assertThatThrownBy(() -> send(otherGrid))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("chunksPerDim [1, 4]")
                .hasMessageContaining("chunksPerDim=[2, 2]");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void incompleteArrayFailsWhenTheWatermarkPassesItsTimestep(Backend backend) throws Exception {
        open(backend);
        send(chunk("T", 3, 0, 0, 0));
        send(chunk("T", 3, 2, 1, 0));
        harness.processWatermark(2);
        assertThatThrownBy(() -> harness.processWatermark(3))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Array 'T' at timestep 3 is incomplete")
                .hasMessageContaining("only 2 of 4 chunks arrived")
                .hasMessageContaining("Received positions [[0, 0] (bridge 0), [1, 0] (bridge 2)]")
                .hasMessageContaining("missing positions [[0, 1], [1, 1]]");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void chunkOfATimestepTheWatermarkPassedFails(Backend backend) throws Exception {
        open(backend);
        harness.processWatermark(3);
        assertThatThrownBy(() -> send(chunk("T", 3, 1, 0, 1)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Late chunk of array 'T' at timestep 3 from bridge 1")
                .hasMessageContaining("watermark 3");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void inconsistentFirstChunkFails(Backend backend) throws Exception {
        open(backend);
        ChunkRecord ranks = chunk("T", 3, 0, 0, 0);
        ranks.chunksPerDim = new int[] {4};
        assertThatThrownBy(() -> send(ranks))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("must have the same rank");

        ChunkRecord zero = chunk("T", 4, 0, 0, 0);
        zero.chunkShape = new int[] {0, 3};
        assertThatThrownBy(() -> send(zero))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("must have positive entries");
    }
}
