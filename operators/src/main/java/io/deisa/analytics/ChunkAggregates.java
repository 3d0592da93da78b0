package io.deisa.analytics;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Serializable;

/**
 * Ready-made {@link ChunkAggregate}s.
 *
 * <pre>{@code
 * deisa.callback(WindowSpec.of("temperature").aggregate(ChunkAggregates.summary()))
 *      .register((windows, context) -> {
 *          Summary s = windows.<Summary>aggregates("temperature").get(0);
 *          context.set("mean", s.mean(), windows.timestep());
 *      });
 * }</pre>
 */
@PublicEvolving
public final class ChunkAggregates {
    private ChunkAggregates() {}

    /**
     * Count, sum, mean, min, max and population standard deviation ({@link Summary}), with the
     * compensated sums and parallel variance update of {@link DeisaArray}'s reductions.
     */
    public static ChunkAggregate<?, Summary> summary() {
        return new SummaryAggregate();
    }

    /**
     * Counts per equal-width bin over {@code [min, max)}: bin {@code i} counts the values {@code v}
     * with {@code min + i * w <= v < min + (i + 1) * w}, {@code w = (max - min) / bins}. Values
     * outside, and NaN, are not counted.
     *
     * @throws IllegalArgumentException if {@code bins < 1}, or {@code min >= max}, or either is not
     *     finite
     */
    public static ChunkAggregate<?, long[]> histogram(int bins, double min, double max) {
        if (bins < 1) {
            throw new IllegalArgumentException("histogram needs at least 1 bin, got " + bins);
        }
        if (!Double.isFinite(min) || !Double.isFinite(max) || min >= max) {
            throw new IllegalArgumentException("histogram range [" + min + ", " + max + ") must be finite and non-empty");
        }
        return new HistogramAggregate(bins, min, max);
    }

    /** The accumulator of {@link #summary()}. */
    static final class SummaryAggregate implements ChunkAggregate<Statistics, Summary> {
        private static final long serialVersionUID = 1L;

        @Override
        public Statistics createAccumulator() {
            return new Statistics();
        }

        @Override
        public Statistics add(Chunk chunk, Statistics accumulator) {
            chunk.forEachBlock(accumulator::add);
            return accumulator;
        }

        @Override
        public Statistics merge(Statistics a, Statistics b) {
            a.merge(b);
            return a;
        }

        @Override
        public Summary getResult(Statistics accumulator) {
            return new Summary(accumulator.count(), accumulator.count() == 0 ? 0 : accumulator.sum(),
                    accumulator.min(), accumulator.max(), accumulator.std());
        }
    }

    /** The accumulator of {@link #histogram}: the counts. */
    static final class HistogramAggregate implements ChunkAggregate<long[], long[]>, Serializable {
        private static final long serialVersionUID = 1L;
        private final int bins;
        private final double min;
        private final double max;

        HistogramAggregate(int bins, double min, double max) {
            this.bins = bins;
            this.min = min;
            this.max = max;
        }

        @Override
        public long[] createAccumulator() {
            return new long[bins];
        }

        @Override
        public long[] add(Chunk chunk, long[] counts) {
            double width = (max - min) / bins;
            chunk.forEachBlock((block, length) -> {
                for (int i = 0; i < length; i++) {
                    double v = block[i];
                    if (v >= min && v < max) {
                        int bin = (int) ((v - min) / width);
                        counts[Math.min(bin, bins - 1)]++; // rounding may put v just below max in bin `bins`
                    }
                }
            });
            return counts;
        }

        @Override
        public long[] merge(long[] a, long[] b) {
            for (int i = 0; i < bins; i++) {
                a[i] += b[i];
            }
            return a;
        }

        @Override
        public long[] getResult(long[] counts) {
            return counts.clone();
        }
    }
}
