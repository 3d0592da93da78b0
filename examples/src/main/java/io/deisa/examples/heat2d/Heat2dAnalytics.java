package io.deisa.examples.heat2d;

import io.deisa.analytics.AnalyticsCallback;
import io.deisa.analytics.CallbackContext;
import io.deisa.analytics.Chunk;
import io.deisa.analytics.ChunkAggregates;
import io.deisa.analytics.ChunkFunction;
import io.deisa.analytics.Summary;
import io.deisa.analytics.WindowSpec;
import io.deisa.analytics.Windows;
import io.deisa.job.Deisa;
import io.deisa.sinks.Hdf5;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The heat2d analytics, in the two chunk-parallel forms a user of a large plate would choose, so
 * that the plate itself is never gathered in one task:
 *
 * <ul>
 *   <li><b>Statistics</b> ({@link #call}): a window of two {@link Summary}s of {@value
 *       Heat2dConfig#ARRAY}, computed where the tiles are read ({@code WindowSpec.of(ARRAY,
 *       2).aggregate(ChunkAggregates.summary())}): per shared timestep the plate's mean, minimum and
 *       maximum; the time derivative of the mean between the two timesteps; and the steering loop:
 *       while the mean exceeds the threshold it publishes the lowered {@value
 *       Heat2dConfig#HEATER_POWER} for the simulation. Each result is stored as a {@link StatsRow}
 *       in {@value #STATS}, one row per timestep.
 *   <li><b>Snapshots</b> ({@link Snapshots}): every {@code snapshotEvery} shared timesteps an HDF5
 *       snapshot (dataset named after the timestep in {@value #SNAPSHOTS}) of the plate downsampled
 *       where it is read: each tile becomes the means of its 2 x 2 blocks ({@link BlockMean}, a
 *       quarter of the bytes; tiles with an odd side are kept whole).
 * </ul>
 *
 * <p>A callback that runs again after a recovery replaces its row and its snapshot (API.md: sinks
 * replace an existing dataset). Both files are written in the output directory, on the host
 * running the callbacks.
 */
public final class Heat2dAnalytics implements AnalyticsCallback {
    /** File name of the statistics, one {@link StatsRow} per shared timestep. */
    public static final String STATS = "heat2d-stats.csv";
    /** File name of the HDF5 snapshots. */
    public static final String SNAPSHOTS = "temperature.h5";
    private static final long serialVersionUID = 1L;

    private final double dt;
    private final double threshold;
    private final double steeredPower;
    private final int shareEvery;
    private final String output;

    private Heat2dAnalytics(Heat2dConfig config, Path output) {
        this.dt = config.dt();
        this.shareEvery = config.shareEvery();
        this.threshold = config.threshold();
        this.steeredPower = config.steeredPower();
        this.output = output.toAbsolutePath().toString();
    }

    /**
     * Registers the analytics of a run of {@code config} with {@code deisa}, writing into
     * {@code output} (created, with a fresh {@value #STATS}; an earlier {@value #SNAPSHOTS} is
     * removed).
     *
     * @param snapshotEvery shared timesteps between two HDF5 snapshots (the first at timestep 0);
     *     0 for none
     */
    public static Heat2dAnalytics register(Deisa deisa, Heat2dConfig config, Path output, int snapshotEvery)
            throws IOException {
        if (snapshotEvery < 0) {
            throw new IllegalArgumentException("snapshotEvery must not be negative, got " + snapshotEvery);
        }
        StatsRow.create(output.resolve(STATS));
        try (Stream<Path> old = Files.list(output)) {
            for (Path file : (Iterable<Path>) old::iterator) {
                if (file.getFileName().toString().contains(SNAPSHOTS)) {
                    Files.delete(file); // the snapshot file and its hidden chunk files
                }
            }
        }
        Heat2dAnalytics analytics = new Heat2dAnalytics(config, output);
        deisa.registerCallback(analytics,
                List.of(WindowSpec.of(Heat2dConfig.ARRAY, 2).aggregate(ChunkAggregates.summary())));
        if (snapshotEvery > 0) {
            int tileRows = config.rows() / config.procRows();
            int tileCols = config.cols() / config.procCols();
            WindowSpec plate = WindowSpec.of(Heat2dConfig.ARRAY);
            if (tileRows % 2 == 0 && tileCols % 2 == 0) {
                plate = plate.preprocess(new int[] {tileRows / 2, tileCols / 2}, new BlockMean(2));
            }
            deisa.registerCallback(new Snapshots(output.toAbsolutePath().toString(),
                    (long) snapshotEvery * config.shareEvery()), List.of(plate));
        }
        return analytics;
    }

    @Override
    public void call(Windows windows, CallbackContext context) {
        List<Summary> window = windows.aggregates(Heat2dConfig.ARRAY);
        Summary now = window.get(window.size() - 1);
        double mean = now.mean();
        double rate = Double.NaN;
        if (window.size() == 2) {
            // the window's other summary is that of the previous shared timestep, shareEvery steps before
            rate = (mean - window.get(0).mean()) / (shareEvery * dt);
        }
        double published = Double.NaN;
        if (mean > threshold) {
            context.set(Heat2dConfig.HEATER_POWER, steeredPower, windows.timestep());
            published = steeredPower;
        }
        new StatsRow(windows.timestep(), mean, now.min(), now.max(), rate, published).storeIn(Path.of(output, STATS));
    }

    /** Writes the (downsampled) plate to {@value #SNAPSHOTS} every {@code snapshotSteps} steps. */
    static final class Snapshots implements AnalyticsCallback {
        private static final long serialVersionUID = 1L;
        private final String output;
        private final long snapshotSteps;

        Snapshots(String output, long snapshotSteps) {
            this.output = output;
            this.snapshotSteps = snapshotSteps;
        }

        @Override
        public void call(Windows windows, CallbackContext context) {
            if (windows.timestep() % snapshotSteps == 0) {
                Hdf5.write(Path.of(output, SNAPSHOTS), Long.toString(windows.timestep()),
                        windows.get(Heat2dConfig.ARRAY).get(0));
            }
        }
    }

    /**
     * Downsamples a 2-d tile by {@code factor} along each side: each output cell is the mean of a
     * {@code factor x factor} block, so the downsampled plate keeps the plate's mean.
     */
    public static final class BlockMean implements ChunkFunction {
        private static final long serialVersionUID = 1L;
        private final int factor;

        /** Downsamples by {@code factor} along each side (it must divide both sides of a tile). */
        public BlockMean(int factor) {
            this.factor = factor;
        }

        @Override
        public double[] apply(Chunk tile) {
            int rows = tile.shape()[0] / factor;
            int cols = tile.shape()[1] / factor;
            double[] values = tile.toDoubleArray();
            int width = tile.shape()[1];
            double[] out = new double[rows * cols];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    double sum = 0;
                    for (int a = 0; a < factor; a++) {
                        for (int b = 0; b < factor; b++) {
                            sum += values[(i * factor + a) * width + j * factor + b];
                        }
                    }
                    out[i * cols + j] = sum / (factor * factor);
                }
            }
            return out;
        }
    }
}
