package io.deisa.analytics;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Serializable;

/**
 * Count, sum, mean, minimum, maximum and population standard deviation of an array at one
 * timestep, as {@link ChunkAggregates#summary()} computes it chunk by chunk: compensated
 * (Neumaier) sums and Chan et al.'s parallel variance update, the same as {@link DeisaArray}'s
 * reductions. An empty summary has count 0, sum 0 and NaN for the others; a NaN element makes
 * every figure but the count NaN.
 */
@PublicEvolving
public final class Summary implements Serializable {
    private static final long serialVersionUID = 1L;

    private final long count;
    private final double sum;
    private final double min;
    private final double max;
    private final double std;

    /** A summary of the given figures. */
    public Summary(long count, double sum, double min, double max, double std) {
        this.count = count;
        this.sum = sum;
        this.min = count == 0 ? Double.NaN : min;
        this.max = count == 0 ? Double.NaN : max;
        this.std = count == 0 ? Double.NaN : std;
    }

    /** Number of elements. */
    public long count() {
        return count;
    }

    /** Sum of the elements. */
    public double sum() {
        return sum;
    }

    /** Sum divided by count (NaN when empty). */
    public double mean() {
        return count == 0 ? Double.NaN : sum / count;
    }

    /** Smallest element. */
    public double min() {
        return min;
    }

    /** Largest element. */
    public double max() {
        return max;
    }

    /** Population standard deviation. */
    public double std() {
        return std;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Summary that && count == that.count && Double.compare(sum, that.sum) == 0
                && Double.compare(min, that.min) == 0 && Double.compare(max, that.max) == 0
                && Double.compare(std, that.std) == 0;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(count, sum, min, max, std);
    }

    @Override
    public String toString() {
        return "Summary{count=" + count + ", sum=" + sum + ", mean=" + mean() + ", min=" + min + ", max=" + max
                + ", std=" + std + '}';
    }
}
