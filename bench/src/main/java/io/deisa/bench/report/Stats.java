package io.deisa.bench.report;

import java.util.Arrays;

/**
 * Order statistics of a sample: median, min, max and nearest-rank percentiles.
 */
public final class Stats {
    private final double[] sorted;

    private Stats(double[] sorted) {
        this.sorted = sorted;
    }

    /**
     * The statistics of {@code values}.
     *
     * @throws IllegalArgumentException when {@code values} is empty
     */
    public static Stats of(double... values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("no values: a statistic of an empty sample is undefined");
        }
        double[] copy = values.clone();
        Arrays.sort(copy);
        return new Stats(copy);
    }

    /** Number of values. */
    public int count() {
        return sorted.length;
    }

    /** The smallest value. */
    public double min() {
        return sorted[0];
    }

    /** The largest value. */
    public double max() {
        return sorted[sorted.length - 1];
    }

    /** The median: the middle value, or the mean of the two middle values. */
    public double median() {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /**
     * The nearest-rank percentile: the smallest value with at least {@code p} percent of the values
     * at or below it.
     *
     * @param p in {@code (0, 100]}
     */
    public double percentile(double p) {
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100], got " + p);
        }
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    /** {@code median (min–max)} with {@code digits} decimals. */
    public String medianRange(int digits) {
        return Format.number(median(), digits) + " (" + Format.number(min(), digits) + "–"
                + Format.number(max(), digits) + ")";
    }
}
