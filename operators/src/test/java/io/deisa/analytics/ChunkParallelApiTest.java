package io.deisa.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deisa.bridge.DType;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Chunk, ChunkAggregates, and the chunk-parallel forms of WindowSpec and Windows. */
class ChunkParallelApiTest {

    private static byte[] float64s(double... values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            bytes.putDouble(v);
        }
        return bytes.array();
    }

    private static Chunk chunk(double... values) {
        return new Chunk("t", 4, new int[] {1, 2}, new int[] {2, values.length / 2}, DType.FLOAT64, float64s(values));
    }

    @Test
    void aChunkReadsItsElementsRowMajorAndKnowsItsOrigin() {
        Chunk chunk = chunk(1, 2, 3, 4, 5, 6);
        assertThat(chunk.getDouble(1, 2)).isEqualTo(6);
        assertThat(chunk.toDoubleArray()).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(chunk.origin()).containsExactly(2, 6);
        assertThat(chunk.size()).isEqualTo(6);
        assertThat(chunk.name()).isEqualTo("t");
        assertThat(chunk.t()).isEqualTo(4);
        assertThatThrownBy(() -> chunk.getDouble(2, 0)).isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessage("Index [2, 0] is outside the chunk of 't' of shape [2, 3]");
        assertThatThrownBy(() -> chunk.getDouble(1)).isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessageContaining("has 1 dimension(s)");
    }

    @Test
    void anUnsignedChunkReadsUnsignedValues() {
        Chunk bytes = new Chunk("u", 0, new int[] {0}, new int[] {2}, DType.UINT8, new byte[] {(byte) 255, 1});
        assertThat(bytes.toDoubleArray()).containsExactly(255, 1);
    }

    @SuppressWarnings("unchecked")
    private static <A, R> R aggregate(ChunkAggregate<?, R> aggregate, List<Chunk> chunks, int split) {
        ChunkAggregate<A, R> typed = (ChunkAggregate<A, R>) aggregate;
        A left = typed.createAccumulator();
        A right = typed.createAccumulator();
        for (int i = 0; i < chunks.size(); i++) {
            if (i < split) {
                left = typed.add(chunks.get(i), left);
            } else {
                right = typed.add(chunks.get(i), right);
            }
        }
        return typed.getResult(typed.merge(left, right));
    }

    @Test
    void summaryAgreesWithTheWholeArraysReductionsHoweverTheChunksAreSplitAcrossReaders() {
        Random random = new Random(42);
        List<Chunk> chunks = new java.util.ArrayList<>();
        double[] all = new double[60];
        for (int c = 0; c < 10; c++) {
            double[] values = new double[6];
            for (int i = 0; i < 6; i++) {
                values[i] = 1e6 + random.nextGaussian();
                all[c * 6 + i] = values[i];
            }
            chunks.add(chunk(values));
        }
        DeisaArray whole = DeisaArray.fromChunks("t", 0, DType.FLOAT64, new int[] {60}, new int[] {1},
                new byte[][] {float64s(all)});
        for (int split = 0; split <= 10; split++) {
            Summary summary = aggregate(ChunkAggregates.summary(), chunks, split);
            assertThat(summary.count()).isEqualTo(60);
            assertThat(summary.sum()).isCloseTo(whole.sum(), org.assertj.core.data.Offset.offset(1e-6));
            assertThat(summary.mean()).isCloseTo(whole.mean(), org.assertj.core.data.Offset.offset(1e-9));
            assertThat(summary.min()).isEqualTo(whole.min());
            assertThat(summary.max()).isEqualTo(whole.max());
            assertThat(summary.std()).isCloseTo(whole.std(), org.assertj.core.data.Offset.offset(1e-9));
        }
    }

    @Test
    void anEmptySummaryHasCountZeroAndNaNFigures() {
        Summary empty = aggregate(ChunkAggregates.summary(), List.of(), 0);
        assertThat(empty.count()).isZero();
        assertThat(empty.sum()).isZero();
        assertThat(empty.mean()).isNaN();
        assertThat(empty.min()).isNaN();
        assertThat(empty.std()).isNaN();
    }

    @Test
    void histogramCountsEqualWidthBinsOverAHalfOpenRangeAndSkipsNaN() {
        long[] counts = aggregate(ChunkAggregates.histogram(4, 0, 8),
                List.of(chunk(0, 1.999, 2, 7.999, 8, -0.001), chunk(Double.NaN, 4, 5, 6, 3, 1)), 1);
        assertThat(counts).containsExactly(3, 2, 2, 2);
        assertThatThrownBy(() -> ChunkAggregates.histogram(0, 0, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1 bin");
        assertThatThrownBy(() -> ChunkAggregates.histogram(2, 1, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[1.0, 1.0)");
    }

    @Test
    void preprocessAndAggregateMakeNewFormsOfTheSameNameAndWindow() {
        ChunkFunction identity = Chunk::toDoubleArray;
        WindowSpec plain = WindowSpec.of("t", 3);
        WindowSpec pre = plain.preprocess(new int[] {2, 3}, identity);
        WindowSpec both = pre.aggregate(ChunkAggregates.summary());
        assertThat(List.of(pre.name(), pre.windowSize(), both.name(), both.windowSize()))
                .containsExactly("t", 3, "t", 3);
        assertThat(plain.streamKey()).isEqualTo("t");
        assertThat(pre.streamKey()).startsWith("t|p");
        assertThat(both.streamKey()).startsWith(pre.streamKey() + "|a");
        assertThat(both.preprocessKey()).isEqualTo(pre.streamKey());
        assertThat(pre).isNotEqualTo(plain.preprocess(new int[] {2, 3}, identity))
                .as("each call is a new form").isEqualTo(pre);
        assertThat(pre.isPreprocessed()).isTrue();
        assertThat(both.isAggregated()).isTrue();
        assertThatThrownBy(() -> both.aggregate(ChunkAggregates.summary()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already aggregated");
        assertThatThrownBy(() -> both.preprocess(new int[] {1}, identity))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("preprocess first, then aggregate");
        assertThatThrownBy(() -> plain.preprocess(new int[] {2, 0}, identity))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2, 0]");
    }

    @Test
    void windowsTellWholeArraysFromAggregates() {
        Windows windows = new Windows(3, Map.of("p", List.of()), Map.of("t", List.of("r1", "r2")));
        assertThat(windows.<String>aggregates("t")).containsExactly("r1", "r2");
        assertThat(windows.names()).containsExactlyInAnyOrder("p", "t");
        assertThatThrownBy(() -> windows.get("t")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Array 't' is aggregated for this callback (WindowSpec.aggregate): read its results"
                        + " with Windows.aggregates(\"t\")");
        assertThatThrownBy(() -> windows.aggregates("p")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is requested as whole arrays");
        assertThatThrownBy(() -> windows.aggregates("q")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("was not requested");
    }

    /** An accumulator that is not Serializable. */
    static final class Plain {
        double sum;
    }

    /** A serializable aggregate whose accumulator is not. */
    static final class PlainAggregate implements ChunkAggregate<Plain, Double> {
        private static final long serialVersionUID = 1L;

        @Override
        public Plain createAccumulator() {
            return new Plain();
        }

        @Override
        public Plain add(Chunk chunk, Plain accumulator) {
            return accumulator;
        }

        @Override
        public Plain merge(Plain a, Plain b) {
            return a;
        }

        @Override
        public Double getResult(Plain accumulator) {
            return accumulator.sum;
        }
    }

    @Test
    void anAggregateWhoseAccumulatorCannotBeSerializedIsRefusedWhenTheSpecIsMade() {
        ChunkAggregate<Plain, Double> notSerializable = new PlainAggregate();
        assertThatThrownBy(() -> WindowSpec.of("v").aggregate(notSerializable))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("WindowSpec 'v'.aggregate: its accumulator, a " + Plain.class.getName()
                        + " cannot be Java-serialized")
                .hasMessageContaining("must be Serializable");
    }
}
