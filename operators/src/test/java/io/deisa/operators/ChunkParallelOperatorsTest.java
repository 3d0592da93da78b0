package io.deisa.operators;

import static io.deisa.operators.TestData.chunk;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deisa.analytics.ChunkAggregates;
import io.deisa.analytics.Summary;
import io.deisa.analytics.WindowSpec;
import io.deisa.connector.source.ChunkRecord;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.StreamFlatMap;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;

/**
 * The operators of chunk-parallel analytics under Flink's harnesses: Preprocess chunks, Combine
 * partials (one partial per reader and timestep, emitted on the watermark, kept in its checkpoint)
 * and Merge partials (in subtask order, covering the grid exactly once).
 */
class ChunkParallelOperatorsTest {
    private static final WindowSpec SUMMARY = WindowSpec.of("T").aggregate(ChunkAggregates.summary());

    private static OneInputStreamOperatorTestHarness<ChunkRecord, ChunkRecord> combiner(ChunkForms forms)
            throws Exception {
        OneInputStreamOperatorTestHarness<ChunkRecord, ChunkRecord> harness =
                new OneInputStreamOperatorTestHarness<>(new PartialAggregator(forms));
        harness.setup();
        return harness;
    }

    private static List<PartialAggregate> partials(OneInputStreamOperatorTestHarness<ChunkRecord, ChunkRecord> h) {
        Queue<StreamRecord<PartialAggregate>> side = h.getSideOutput(PartialAggregator.PARTIALS);
        List<PartialAggregate> partials = new ArrayList<>();
        if (side != null) {
            side.forEach(record -> partials.add(record.getValue()));
        }
        return partials;
    }

    private static Summary summaryOf(PartialAggregate partial) throws Exception {
        @SuppressWarnings("unchecked")
        io.deisa.analytics.ChunkAggregate<Object, Summary> summary =
                (io.deisa.analytics.ChunkAggregate<Object, Summary>) (Object) ChunkAggregates.summary();
        return summary.getResult(
                InstantiationUtil.deserializeObject(partial.accumulator, ChunkParallelOperatorsTest.class.getClassLoader()));
    }

    @Test
    void aReaderCombinesItsChunksIntoOnePartialPerTimestepWhenTheWatermarkPassesIt() throws Exception {
        ChunkForms forms = ChunkForms.of(List.of(SUMMARY, WindowSpec.of("U")), List.of());
        try (OneInputStreamOperatorTestHarness<ChunkRecord, ChunkRecord> harness = combiner(forms)) {
            harness.open();
            harness.processElement(chunk("T", 1, 0, 0, 0), 1);
            harness.processElement(chunk("T", 1, 1, 0, 1), 1);
            harness.processElement(chunk("U", 1, 0, 0, 0), 1);
            harness.processElement(chunk("T", 2, 0, 0, 0), 2);
            assertThat(partials(harness)).as("nothing before the watermark").isEmpty();

            harness.processWatermark(1);
            List<PartialAggregate> partials = partials(harness);
            assertThat(partials).hasSize(1);
            PartialAggregate partial = partials.get(0);
            assertThat(partial.key).isEqualTo(SUMMARY.streamKey());
            assertThat(partial.timestep).isEqualTo(1);
            assertThat(partial.chunks).isEqualTo(2);
            assertThat(partial.gridChunks).isEqualTo(4);
            // bridge 0 holds 0..5, bridge 1 100..105: population variance 50² + var(0..5) = 2500 + 35/12
            Summary summary = summaryOf(partial);
            assertThat(List.of(summary.count(), summary.sum(), summary.min(), summary.max()))
                    .containsExactly(12L, 630.0, 0.0, 105.0);
            assertThat(summary.std()).isCloseTo(Math.sqrt(2500 + 35.0 / 12), org.assertj.core.data.Offset.offset(1e-12));
            // chunks of the aggregated array stop here; the whole array U goes on
            assertThat(harness.extractOutputValues()).extracting(r -> r.arrayName + "@" + r.timestep)
                    .containsExactly("U@1");
        }
    }

    @Test
    void openAccumulatorsAreInTheCheckpointAndCompleteAfterARestore() throws Exception {
        ChunkForms forms = ChunkForms.of(List.of(SUMMARY), List.of());
        OperatorSubtaskState snapshot;
        try (OneInputStreamOperatorTestHarness<ChunkRecord, ChunkRecord> harness = combiner(forms)) {
            harness.open();
            harness.processElement(chunk("T", 3, 0, 0, 0), 3);
            harness.processElement(chunk("T", 3, 1, 0, 1), 3);
            snapshot = harness.snapshot(1, 10);
        }
        try (OneInputStreamOperatorTestHarness<ChunkRecord, ChunkRecord> restored = combiner(forms)) {
            restored.initializeState(snapshot);
            restored.open();
            restored.processElement(chunk("T", 3, 2, 1, 0), 3); // replayed after the checkpoint
            restored.processWatermark(3);
            List<PartialAggregate> partials = partials(restored);
            assertThat(partials).hasSize(1);
            assertThat(partials.get(0).chunks).as("2 before the checkpoint, 1 after").isEqualTo(3);
            assertThat(summaryOf(partials.get(0)).count()).isEqualTo(18);
        }
    }

    private static KeyedOneInputStreamOperatorTestHarness<Tuple2<String, Long>, PartialAggregate, AssembledArray>
            merger(ChunkForms forms) throws Exception {
        return Harnesses.open(new PartialMerger(forms), new PartialKey(),
                TypeInformation.of(new org.apache.flink.api.common.typeinfo.TypeHint<Tuple2<String, Long>>() {}),
                Harnesses.Backend.HEAP);
    }

    /** The partial reader {@code subtask} would send for {@code chunks} of T at t = 5. */
    private static PartialAggregate partial(ChunkForms forms, int subtask, ChunkRecord... chunks) throws Exception {
        try (OneInputStreamOperatorTestHarness<ChunkRecord, ChunkRecord> harness =
                new OneInputStreamOperatorTestHarness<>(new PartialAggregator(forms), 4, 4, subtask)) {
            harness.setup();
            harness.open();
            for (ChunkRecord chunk : chunks) {
                harness.processElement(chunk, 5);
            }
            harness.processWatermark(5);
            return partials(harness).get(0);
        }
    }

    @Test
    void partialsOfEveryReaderMergeIntoOneResultInSubtaskOrder() throws Exception {
        ChunkForms forms = ChunkForms.of(List.of(SUMMARY), List.of());
        PartialAggregate fromReader2 = partial(forms, 2, chunk("T", 5, 2, 1, 0), chunk("T", 5, 3, 1, 1));
        PartialAggregate fromReader0 = partial(forms, 0, chunk("T", 5, 0, 0, 0), chunk("T", 5, 1, 0, 1));
        assertThat(fromReader2.subtask).isEqualTo(2);
        try (var harness = merger(forms)) {
            harness.processElement(fromReader2, 5);
            harness.processElement(fromReader0, 5);
            assertThat(harness.extractOutputValues()).isEmpty();
            harness.processWatermark(5);
            List<AssembledArray> results = harness.extractOutputValues();
            assertThat(results).hasSize(1);
            AssembledArray result = results.get(0);
            assertThat(result.isAggregate()).isTrue();
            assertThat(result.chunks).as("never assembled").isNull();
            Summary summary = (Summary) InstantiationUtil.deserializeObject(result.aggregate, getClass().getClassLoader());
            // 0..5, 100..105, 200..205, 300..305
            assertThat(summary.count()).isEqualTo(24);
            assertThat(summary.sum()).isEqualTo(4 * 15 + 600 * 6);
            assertThat(summary.min()).isZero();
            assertThat(summary.max()).isEqualTo(305);
            assertThat(summary.mean()).isEqualTo(152.5);
        }
    }

    @Test
    void aTimestepWhosePartialsMissAChunkFailsNamingArrayTimestepAndCounts() throws Exception {
        ChunkForms forms = ChunkForms.of(List.of(SUMMARY), List.of());
        PartialAggregate onlyThree = partial(forms, 0, chunk("T", 5, 0, 0, 0), chunk("T", 5, 1, 0, 1),
                chunk("T", 5, 2, 1, 0));
        try (var harness = merger(forms)) {
            harness.processElement(onlyThree, 5);
            assertThatThrownBy(() -> harness.processWatermark(5))
                    .hasMessageContaining("The aggregate of array 'T' at timestep 5 covers 3 chunk(s) of its grid of 4"
                            + " (from 1 reader partial(s)): chunks are missing");
        }
    }

    private static OneInputStreamOperatorTestHarness<ChunkRecord, ChunkRecord> preprocessor(WindowSpec... specs)
            throws Exception {
        OneInputStreamOperatorTestHarness<ChunkRecord, ChunkRecord> harness = new OneInputStreamOperatorTestHarness<>(
                new StreamFlatMap<>(new ChunkPreprocessor(ChunkForms.of(List.of(specs), List.of()), null)));
        harness.open();
        return harness;
    }

    @Test
    void preprocessingMakesOneFloat64ChunkOfTheDeclaredShapeOnTheSamePosition() throws Exception {
        WindowSpec firstRow = WindowSpec.of("T").preprocess(new int[] {1, 3}, c -> new double[] {
                c.getDouble(0, 0), c.getDouble(0, 1), c.getDouble(0, 2) * c.origin()[1]});
        try (var harness = preprocessor(firstRow)) {
            harness.processElement(chunk("T", 7, 1, 0, 1), 7);
            List<ChunkRecord> out = harness.extractOutputValues();
            assertThat(out).as("the raw chunk is not needed").hasSize(1);
            ChunkRecord derived = out.get(0);
            assertThat(derived.arrayName).isEqualTo(firstRow.streamKey());
            assertThat(derived.chunkShape).containsExactly(1, 3);
            assertThat(derived.chunkPosition).containsExactly(0, 1);
            assertThat(derived.chunksPerDim).containsExactly(2, 2);
            ByteBuffer values = ByteBuffer.wrap(derived.data).order(ByteOrder.LITTLE_ENDIAN);
            assertThat(new double[] {values.getDouble(0), values.getDouble(8), values.getDouble(16)})
                    .containsExactly(100, 101, 102 * 3);
        }
    }

    @Test
    void aPreprocessingResultOfTheWrongLengthFailsNamingArrayTimestepPositionAndLength() throws Exception {
        WindowSpec wrong = WindowSpec.of("T").preprocess(new int[] {2, 2}, c -> new double[3]);
        try (var harness = preprocessor(wrong)) {
            assertThatThrownBy(() -> harness.processElement(chunk("T", 7, 1, 0, 1), 7))
                    .hasRootCauseMessage("The preprocessing of array 'T' at timestep 7, chunk position [0, 1] returned"
                            + " 3 values; the output chunk shape [2, 2] needs 4");
        }
    }

    @Test
    void aPreprocessingExceptionFailsNamingArrayTimestepAndPosition() throws Exception {
        WindowSpec throwing = WindowSpec.of("T").preprocess(new int[] {1, 1}, c -> {
            throw new IllegalStateException("bad chunk");
        });
        try (var harness = preprocessor(throwing)) {
            assertThatThrownBy(() -> harness.processElement(chunk("T", 7, 1, 1, 0), 7))
                    .isInstanceOf(org.apache.flink.runtime.execution.SuppressRestartsException.class)
                    .cause().hasMessage("The preprocessing of array 'T' at timestep 7, chunk position [1, 0] failed:"
                            + " java.lang.IllegalStateException: bad chunk");
        }
    }

    @Test
    void anOutputShapeOfAnotherRankThanTheGridFailsNamingBoth() throws Exception {
        WindowSpec flat = WindowSpec.of("T").preprocess(new int[] {6}, c -> new double[6]);
        try (var harness = preprocessor(flat)) {
            assertThatThrownBy(() -> harness.processElement(chunk("T", 7, 1, 0, 1), 7))
                    .isInstanceOf(org.apache.flink.runtime.execution.SuppressRestartsException.class)
                    .cause().hasMessage("The preprocessing of array 'T' declares the output chunk shape [6] of rank 1,"
                            + " but the array's chunk grid [2, 2] has rank 2 (WindowSpec.preprocess: the output keeps"
                            + " the chunk grid)");
        }
    }
}
