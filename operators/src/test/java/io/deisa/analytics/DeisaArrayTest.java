package io.deisa.analytics;

import io.deisa.bridge.DType;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.util.Arrays;
import java.util.function.DoubleBinaryOperator;
import java.util.stream.Stream;

import static io.deisa.analytics.TestArrays.float64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class DeisaArrayTest {

    /** Chunk grids as {chunkShape, chunksPerDim}: 1D, 2D, 3D, slabs, and chunks of several blocks. */
    private static final int[][][] GRIDS = {
        {{4}, {3}},
        {{3, 4}, {2, 3}},
        {{2, 3, 4}, {3, 2, 2}},
        {{2, 3, 4}, {3, 1, 1}},
        {{5, 1}, {1, 4}},
        {{70, 70}, {2, 2}},
    };

    static Stream<Arguments> everyDTypeOnEveryGrid() {
        return Arrays.stream(DType.values())
                .flatMap(dtype -> Arrays.stream(GRIDS).map(grid -> Arguments.of(dtype, grid[0], grid[1])));
    }

    private static TestArrays.Global random(DType dtype, int[] chunkShape, int[] chunksPerDim) {
        return TestArrays.random(dtype, chunkShape, chunksPerDim, 31L * dtype.ordinal() + chunkShape.length);
    }

    private static int[] ints(int... values) {
        return values;
    }

    /** The global index at a row-major offset, computed directly from the shape. */
    private static long[] indexOf(long offset, long[] shape) {
        long[] index = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            index[d] = offset % shape[d];
            offset /= shape[d];
        }
        return index;
    }

    @Nested
    class Metadata {

        @Test
        void describesNameTimestepTypeAndGrid() {
            DeisaArray array = TestArrays.random(DType.INT32, ints(3, 4), ints(2, 3), 1).toArray("p", 7);

            assertThat(array.name()).isEqualTo("p");
            assertThat(array.t()).isEqualTo(7);
            assertThat(array.dtype()).isEqualTo(DType.INT32);
            assertThat(array.shape()).containsExactly(6, 12);
            assertThat(array.chunkShape()).containsExactly(3, 4);
            assertThat(array.chunksPerDim()).containsExactly(2, 3);
            assertThat(array.size()).isEqualTo(72);
            assertThat(array.chunkCount()).isEqualTo(6);
        }

        @Test
        void returnsCopiesOfItsShapes() {
            DeisaArray array = float64(ints(2), ints(2), 1, 2, 3, 4).toArray("p", 0);

            array.shape()[0] = 99;
            array.chunkShape()[0] = 99;
            array.chunksPerDim()[0] = 99;

            assertThat(array.shape()).containsExactly(4);
            assertThat(array.chunkShape()).containsExactly(2);
            assertThat(array.chunksPerDim()).containsExactly(2);
        }

        @Test
        void chunkPositionFollowsRowMajorGridOrder() {
            DeisaArray array = TestArrays.random(DType.INT8, ints(1, 1, 1), ints(2, 3, 4), 1).toArray("p", 0);

            assertThat(array.chunkPosition(0)).containsExactly(0, 0, 0);
            assertThat(array.chunkPosition(5)).containsExactly(0, 1, 1);
            assertThat(array.chunkPosition(23)).containsExactly(1, 2, 3);
            assertThatThrownBy(() -> array.chunkPosition(24))
                    .isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("24");
            assertThatThrownBy(() -> array.chunkPosition(-1)).isInstanceOf(IndexOutOfBoundsException.class);
        }

        @Test
        void toStringShowsMetadataButNoData() {
            DeisaArray array = float64(ints(2), ints(1), 123.25, 456.5).toArray("temperature", 3);

            assertThat(array.toString())
                    .contains("temperature", "t=3", "FLOAT64", "[2]")
                    .doesNotContain("123.25");
        }
    }

    @Nested
    class ElementAccess {

        @ParameterizedTest(name = "{0} chunkShape={1} chunksPerDim={2}")
        @MethodSource("io.deisa.analytics.DeisaArrayTest#everyDTypeOnEveryGrid")
        void getDoubleMatchesTheGlobalArray(DType dtype, int[] chunkShape, int[] chunksPerDim) {
            TestArrays.Global global = random(dtype, chunkShape, chunksPerDim);
            DeisaArray array = global.toArray("a", 1);
            double[] expected = global.expected();

            for (int offset = 0; offset < expected.length; offset++) {
                long[] index = indexOf(offset, global.shape());
                assertThat(array.getDouble(index))
                        .as("element %s", Arrays.toString(index))
                        .isEqualTo(expected[offset]);
            }
        }

        @ParameterizedTest(name = "{0} chunkShape={1} chunksPerDim={2}")
        @MethodSource("io.deisa.analytics.DeisaArrayTest#everyDTypeOnEveryGrid")
        void toDoubleArrayIsTheRowMajorGlobalArray(DType dtype, int[] chunkShape, int[] chunksPerDim) {
            TestArrays.Global global = random(dtype, chunkShape, chunksPerDim);

            assertThat(global.toArray("a", 1).toDoubleArray()).containsExactly(global.expected());
        }

        @Test
        void unsignedValuesAboveTheSignedRangeKeepTheirValue() {
            long twoTo63 = Long.MIN_VALUE;
            assertThat(single(DType.UINT8, 200).getDouble(0)).isEqualTo(200.0);
            assertThat(single(DType.UINT16, 60_000).getDouble(0)).isEqualTo(60_000.0);
            assertThat(single(DType.UINT32, 4_000_000_000L).getDouble(0)).isEqualTo(4e9);
            assertThat(single(DType.UINT64, twoTo63 + 2048).getDouble(0)).isEqualTo(0x1p63 + 0x1p11);
            assertThat(single(DType.UINT64, -1L).getDouble(0)).isEqualTo(0x1p64);
            assertThat(single(DType.UINT64, -1L).toDoubleArray()).containsExactly(0x1p64);
            assertThat(single(DType.UINT32, 4_000_000_000L).sum()).isEqualTo(4e9);
        }

        @Test
        void signedValuesKeepTheirSign() {
            assertThat(single(DType.INT8, (byte) -100).getDouble(0)).isEqualTo(-100.0);
            assertThat(single(DType.INT16, (short) -30_000).getDouble(0)).isEqualTo(-30_000.0);
            assertThat(single(DType.INT32, Integer.MIN_VALUE).getDouble(0)).isEqualTo(Integer.MIN_VALUE);
            assertThat(single(DType.INT64, Long.MIN_VALUE).getDouble(0)).isEqualTo(-0x1p63);
            assertThat(single(DType.FLOAT32, Float.floatToRawIntBits(-1.5f)).getDouble(0)).isEqualTo(-1.5);
        }

        private DeisaArray single(DType dtype, long raw) {
            return new TestArrays.Global(dtype, ints(1), ints(1), new long[] {raw}).toArray("a", 0);
        }

        @Test
        void getDoubleRejectsWrongRankAndOutOfBoundsIndices() {
            DeisaArray array = TestArrays.random(DType.FLOAT64, ints(3, 4), ints(2, 3), 1).toArray("p", 0);

            assertThatThrownBy(() -> array.getDouble(6, 0))
                    .isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("[6, 0]")
                    .hasMessageContaining("[6, 12]");
            assertThatThrownBy(() -> array.getDouble(0, -1)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("[0, -1]");
            assertThatThrownBy(() -> array.getDouble(1)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("[1]")
                    .hasMessageContaining("[6, 12]");
            assertThatThrownBy(() -> array.getDouble(1, 2, 3)).isInstanceOf(IndexOutOfBoundsException.class);
        }

        @Test
        void chunkIsAReadOnlyLittleEndianViewOfTheRawBytes() {
            TestArrays.Global global = float64(ints(2), ints(2), 1.5, 2.5, 3.5, 4.5);
            DeisaArray array = global.toArray("p", 0);

            ByteBuffer chunk = array.chunk(1);

            assertThat(chunk.isReadOnly()).isTrue();
            assertThat(chunk.order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
            assertThat(chunk.position()).isZero();
            assertThat(chunk.remaining()).isEqualTo(16);
            assertThat(chunk.getDouble(0)).isEqualTo(3.5);
            assertThat(chunk.getDouble(8)).isEqualTo(4.5);
            assertThatThrownBy(() -> chunk.putDouble(0, 0.0)).isInstanceOf(ReadOnlyBufferException.class);
            chunk.getDouble();
            assertThat(array.chunk(1).position()).as("each call returns an independent view").isZero();
            assertThatThrownBy(() -> array.chunk(2)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("2");
        }

        @Test
        void toDoubleArrayRefusesArraysTooLargeForOneJavaArray() {
            byte[] oneMebibyte = new byte[1 << 20];
            byte[][] chunks = new byte[2048][];
            Arrays.fill(chunks, oneMebibyte);
            DeisaArray huge = DeisaArray.fromChunks("huge", 0, DType.INT8, ints(1 << 20), ints(2048), chunks);

            assertThat(huge.size()).isEqualTo(1L << 31);
            assertThatThrownBy(huge::toDoubleArray)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("huge")
                    .hasMessageContaining(String.valueOf(1L << 31));
        }
    }

    @Nested
    class Reductions {

        @ParameterizedTest(name = "{0} chunkShape={1} chunksPerDim={2}")
        @MethodSource("io.deisa.analytics.DeisaArrayTest#everyDTypeOnEveryGrid")
        void matchReferenceComputations(DType dtype, int[] chunkShape, int[] chunksPerDim) {
            TestArrays.Global global = random(dtype, chunkShape, chunksPerDim);
            DeisaArray array = global.toArray("a", 1);
            double[] values = global.expected();

            BigDecimal exactSum = BigDecimal.ZERO;
            double absoluteSum = 0;
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (double value : values) {
                exactSum = exactSum.add(new BigDecimal(value));
                absoluteSum += Math.abs(value);
                min = Math.min(min, value);
                max = Math.max(max, value);
            }
            double mean = exactSum.doubleValue() / values.length;
            double squaredDeviations = 0;
            for (double value : values) {
                squaredDeviations += (value - mean) * (value - mean);
            }
            double std = Math.sqrt(squaredDeviations / values.length);

            double tolerance = 1e-14 * absoluteSum;
            assertThat(array.sum()).isCloseTo(exactSum.doubleValue(), within(tolerance));
            assertThat(array.mean()).isCloseTo(mean, within(tolerance / values.length));
            assertThat(array.min()).isEqualTo(min);
            assertThat(array.max()).isEqualTo(max);
            assertThat(array.std()).isCloseTo(std, within(1e-12 * std));
        }

        @Test
        void sumOfManyFloatsStaysAccurate() {
            int size = 1_000_000;
            long[] raw = new long[size];
            Arrays.fill(raw, Float.floatToRawIntBits(0.1f));
            DeisaArray array =
                    new TestArrays.Global(DType.FLOAT32, ints(10_000), ints(100), raw).toArray("a", 0);

            double exact = new BigDecimal((double) 0.1f).multiply(BigDecimal.valueOf(size)).doubleValue();
            assertThat(array.sum()).isEqualTo(exact);
            assertThat(array.mean()).isEqualTo(exact / size);
            assertThat(array.std()).isCloseTo(0.0, within(1e-12));
        }

        @Test
        void sumCompensatesCancellation() {
            double[] values = new double[3 * 3000];
            for (int i = 0; i < values.length; i += 3) {
                values[i] = 1e16;
                values[i + 1] = 1.0;
                values[i + 2] = -1e16;
            }
            DeisaArray array = float64(ints(3000), ints(3), values).toArray("a", 0);

            assertThat(array.sum()).isEqualTo(3000.0);
        }

        @Test
        void stdIsStableForLargeOffsets() {
            int perChunk = 5000;
            double[] values = new double[3 * perChunk];
            double[] deviations = {4, 7, 13, 16};
            for (int i = 0; i < values.length; i++) {
                values[i] = 1e9 + deviations[i % 4];
            }
            DeisaArray array = float64(ints(perChunk), ints(3), values).toArray("a", 0);

            assertThat(array.mean()).isEqualTo(1e9 + 10);
            assertThat(array.std()).isCloseTo(Math.sqrt(22.5), within(1e-9));
        }

        @Test
        void nanPropagatesThroughEveryReduction() {
            DeisaArray array = float64(ints(2), ints(2), 1, Double.NaN, -3, 4).toArray("a", 0);

            assertThat(array.min()).isNaN();
            assertThat(array.max()).isNaN();
            assertThat(array.sum()).isNaN();
            assertThat(array.mean()).isNaN();
            assertThat(array.std()).isNaN();
        }

        @Test
        void infinitiesAndOverflowGiveInfiniteSums() {
            assertThat(float64(ints(1), ints(2), Double.POSITIVE_INFINITY, 1).toArray("a", 0).sum())
                    .isEqualTo(Double.POSITIVE_INFINITY);
            assertThat(float64(ints(2), ints(1), 1e308, 1e308).toArray("a", 0).sum())
                    .isEqualTo(Double.POSITIVE_INFINITY);
            assertThat(float64(ints(1), ints(2), Double.NEGATIVE_INFINITY, 5).toArray("a", 0).min())
                    .isEqualTo(Double.NEGATIVE_INFINITY);
        }

        @Test
        void singleElement() {
            DeisaArray array = float64(ints(1), ints(1), -2.5).toArray("a", 0);

            assertThat(array.sum()).isEqualTo(-2.5);
            assertThat(array.mean()).isEqualTo(-2.5);
            assertThat(array.min()).isEqualTo(-2.5);
            assertThat(array.max()).isEqualTo(-2.5);
            assertThat(array.std()).isZero();
        }
    }

    @Nested
    class ElementWise {

        @ParameterizedTest(name = "{0} chunkShape={1} chunksPerDim={2}")
        @MethodSource("io.deisa.analytics.DeisaArrayTest#everyDTypeOnEveryGrid")
        void plusMinusTimesAndMapWorkElementByElement(DType dtype, int[] chunkShape, int[] chunksPerDim) {
            TestArrays.Global left = random(dtype, chunkShape, chunksPerDim);
            TestArrays.Global right = TestArrays.random(DType.FLOAT32, chunkShape, chunksPerDim, 99);
            DeisaArray a = left.toArray("a", 4);
            DeisaArray b = right.toArray("b", 5);
            double[] x = left.expected();
            double[] y = right.expected();

            assertElementWise(a.plus(b), a, x, y, (l, r) -> l + r);
            assertElementWise(a.minus(b), a, x, y, (l, r) -> l - r);
            assertElementWise(a.times(-2.5), a, x, y, (l, r) -> l * -2.5);
            assertElementWise(a.map(Math::sqrt), a, x, y, (l, r) -> Math.sqrt(l));
        }

        private void assertElementWise(
                DeisaArray result, DeisaArray source, double[] x, double[] y,
                DoubleBinaryOperator reference) {
            assertThat(result.name()).isEqualTo(source.name());
            assertThat(result.t()).isEqualTo(source.t());
            assertThat(result.dtype()).isEqualTo(DType.FLOAT64);
            assertThat(result.chunkShape()).containsExactly(source.chunkShape());
            assertThat(result.chunksPerDim()).containsExactly(source.chunksPerDim());
            double[] expected = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                expected[i] = reference.applyAsDouble(x[i], y[i]);
            }
            assertThat(result.toDoubleArray()).containsExactly(expected);
        }

        @Test
        void resultChunksAreLittleEndianFloat64() {
            DeisaArray result = float64(ints(2), ints(2), 1, 2, 3, 4).toArray("a", 0).times(10);

            assertThat(result.chunk(1).getDouble(0)).isEqualTo(30.0);
            assertThat(result.chunk(1).getDouble(8)).isEqualTo(40.0);
        }

        @Test
        void operandsOnDifferentGridsOfTheSameShapeCombineByGlobalIndex() {
            TestArrays.Global left = TestArrays.random(DType.INT16, ints(3, 4), ints(2, 3), 1);
            long[] rightValues = TestArrays.random(DType.UINT8, ints(6, 12), ints(1, 1), 2).raw();
            TestArrays.Global right = new TestArrays.Global(DType.UINT8, ints(2, 6), ints(3, 2), rightValues);
            DeisaArray a = left.toArray("a", 1);
            DeisaArray b = right.toArray("b", 1);
            double[] x = left.expected();
            double[] y = right.expected();

            double[] sum = new double[x.length];
            double[] difference = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                sum[i] = x[i] + y[i];
                difference[i] = x[i] - y[i];
            }
            assertThat(a.plus(b).toDoubleArray()).containsExactly(sum);
            assertThat(a.minus(b).toDoubleArray()).containsExactly(difference);
            assertThat(a.plus(b).chunkShape()).containsExactly(3, 4);
            assertThat(b.minus(a).chunkShape()).containsExactly(2, 6);
        }

        @Test
        void shapeMismatchIsRejectedNamingBothShapes() {
            DeisaArray a = TestArrays.random(DType.FLOAT64, ints(3, 4), ints(2, 3), 1).toArray("a", 0);
            DeisaArray b = TestArrays.random(DType.FLOAT64, ints(4, 3), ints(3, 2), 1).toArray("b", 0);

            assertThatThrownBy(() -> a.plus(b))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("[6, 12]")
                    .hasMessageContaining("[12, 6]");
            assertThatThrownBy(() -> a.minus(b)).isInstanceOf(IllegalArgumentException.class);
        }

        @Test
        void sourceIsUnchanged() {
            DeisaArray a = float64(ints(2), ints(1), 1, 2).toArray("a", 0);

            a.times(3).map(v -> -v).plus(a);

            assertThat(a.toDoubleArray()).containsExactly(1, 2);
        }
    }

    @Nested
    class Validation {

        private final byte[][] sixChunks =
                TestArrays.random(DType.INT32, ints(3, 4), ints(2, 3), 1).slice();

        private DeisaArray build(int[] chunkShape, int[] chunksPerDim, byte[][] chunks) {
            return DeisaArray.fromChunks("p", 0, DType.INT32, chunkShape, chunksPerDim, chunks);
        }

        @Test
        void wrongChunkCount() {
            byte[][] five = Arrays.copyOf(sixChunks, 5);

            assertThatThrownBy(() -> build(ints(3, 4), ints(2, 3), five))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'p'")
                    .hasMessageContaining("5 chunks")
                    .hasMessageContaining("expected 6");
        }

        @Test
        void wrongChunkLength() {
            sixChunks[2] = new byte[10];

            assertThatThrownBy(() -> build(ints(3, 4), ints(2, 3), sixChunks))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("Chunk 2")
                    .hasMessageContaining("10 bytes")
                    .hasMessageContaining("expected 48")
                    .hasMessageContaining("INT32");
        }

        @Test
        void nullChunk() {
            sixChunks[4] = null;

            assertThatThrownBy(() -> build(ints(3, 4), ints(2, 3), sixChunks))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("Chunk 4")
                    .hasMessageContaining("null");
        }

        @Test
        void rankMismatch() {
            assertThatThrownBy(() -> build(ints(3, 4), ints(6), sixChunks))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("rank")
                    .hasMessageContaining("[3, 4]")
                    .hasMessageContaining("[6]");
            assertThatThrownBy(() -> build(new int[0], new int[0], new byte[1][4]))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("rank");
        }

        @Test
        void nonPositiveEntries() {
            assertThatThrownBy(() -> build(ints(3, 0), ints(2, 3), sixChunks))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("chunkShape")
                    .hasMessageContaining("positive")
                    .hasMessageContaining("[3, 0]");
            assertThatThrownBy(() -> build(ints(3, 4), ints(-2, 3), sixChunks))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("chunksPerDim")
                    .hasMessageContaining("[-2, 3]");
        }

        @Test
        void chunkTooLargeForOneByteArray() {
            int[] chunkShape = {1 << 16, 1 << 13};

            assertThatThrownBy(
                            () -> DeisaArray.fromChunks("p", 0, DType.FLOAT64, chunkShape, ints(1, 1), new byte[1][]))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("chunkShape");
        }

        @Test
        void missingArguments() {
            int[] chunkShape = {3, 4};
            int[] chunksPerDim = {2, 3};

            assertThatThrownBy(() -> DeisaArray.fromChunks(" ", 0, DType.INT32, chunkShape, chunksPerDim, sixChunks))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("name");
            assertThatThrownBy(() -> DeisaArray.fromChunks("p", 0, null, chunkShape, chunksPerDim, sixChunks))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("dtype");
            assertThatThrownBy(() -> build(chunkShape, chunksPerDim, null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("chunks");
            assertThatThrownBy(() -> build(null, chunksPerDim, sixChunks))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("chunkShape");
        }

        @Test
        void byteArraysAreNotCopied() {
            DeisaArray array = build(ints(3, 4), ints(2, 3), sixChunks);

            ByteBuffer.wrap(sixChunks[0]).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 42);

            assertThat(array.getDouble(0, 0)).isEqualTo(42.0);
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void everyDTypeIsSupported(DType dtype) {
        DeisaArray array = TestArrays.random(dtype, ints(2), ints(2), 5).toArray("a", 0);

        assertThat(array.dtype()).isEqualTo(dtype);
        assertThat(array.chunk(0).remaining()).isEqualTo(2 * dtype.byteSize());
    }
}
