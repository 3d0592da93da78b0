package io.deisa.analytics;

/**
 * One-pass summary statistics over blocks of doubles: count, compensated sum, min, max and the
 * sum of squared deviations for the population variance.
 *
 * <p>The sum uses Neumaier's compensated summation, so the sum of many floats keeps close to full
 * double precision. The variance is computed per block with the two-pass formula (the block is
 * hot in cache) and merged across blocks with Chan et al.'s parallel update, which is numerically
 * stable without a division per element. Min and max follow {@link Math#min(double, double)}: a
 * NaN anywhere makes them NaN.
 */
final class Statistics implements java.io.Serializable {

    private static final long serialVersionUID = 1L;

    private long count;
    private double sum;
    private double compensation;
    private double min = Double.POSITIVE_INFINITY;
    private double max = Double.NEGATIVE_INFINITY;
    private double mean;
    private double squaredDeviations;

    /** Adds {@code block[0, length)}; {@code length} must be positive. */
    void add(double[] block, int length) {
        double blockSum = 0;
        double blockCompensation = 0;
        double blockMin = Double.POSITIVE_INFINITY;
        double blockMax = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < length; i++) {
            double x = block[i];
            double t = blockSum + x;
            blockCompensation += Math.abs(blockSum) >= Math.abs(x) ? (blockSum - t) + x : (x - t) + blockSum;
            blockSum = t;
            blockMin = Math.min(blockMin, x);
            blockMax = Math.max(blockMax, x);
        }
        double blockMean = finish(blockSum, blockCompensation) / length;
        double blockSquaredDeviations = 0;
        for (int i = 0; i < length; i++) {
            double deviation = block[i] - blockMean;
            blockSquaredDeviations += deviation * deviation;
        }
        merge(length, blockSum, blockCompensation, blockMin, blockMax, blockMean, blockSquaredDeviations);
    }

    private void merge(
            int n, double blockSum, double blockCompensation, double blockMin, double blockMax,
            double blockMean, double blockSquaredDeviations) {
        long total = count + n;
        double delta = blockMean - mean;
        squaredDeviations += blockSquaredDeviations + delta * delta * ((double) count * n / total);
        mean += delta * n / total;
        count = total;
        addCompensated(blockSum);
        compensation += blockCompensation;
        min = Math.min(min, blockMin);
        max = Math.max(max, blockMax);
    }

    private void addCompensated(double x) {
        double t = sum + x;
        compensation += Math.abs(sum) >= Math.abs(x) ? (sum - t) + x : (x - t) + sum;
        sum = t;
    }

    /** Applies the compensation unless the running sum already overflowed or became NaN. */
    private static double finish(double sum, double compensation) {
        return Double.isFinite(sum) ? sum + compensation : sum;
    }

    /** Adds everything {@code other} holds (Chan et al.'s update); {@code other} is unchanged. */
    void merge(Statistics other) {
        if (other.count == 0) {
            return;
        }
        long total = count + other.count;
        double delta = other.mean - mean;
        squaredDeviations += other.squaredDeviations + delta * delta * ((double) count * other.count / total);
        mean += delta * other.count / total;
        count = total;
        addCompensated(other.sum);
        compensation += other.compensation;
        min = Math.min(min, other.min);
        max = Math.max(max, other.max);
    }

    /** Number of elements added. */
    long count() {
        return count;
    }

    double sum() {
        return finish(sum, compensation);
    }

    /** The sum divided by the count. */
    double mean() {
        return sum() / count;
    }

    double min() {
        return min;
    }

    double max() {
        return max;
    }

    /** Population standard deviation. */
    double std() {
        return Math.sqrt(squaredDeviations / count);
    }
}
