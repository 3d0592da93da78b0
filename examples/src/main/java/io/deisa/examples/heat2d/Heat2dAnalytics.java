package io.deisa.examples.heat2d;

import io.deisa.analytics.AnalyticsCallback;
import io.deisa.analytics.CallbackContext;
import io.deisa.analytics.DeisaArray;
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
 * The heat2d analytics, one callback over a window of two {@value Heat2dConfig#ARRAY} arrays:
 * per shared timestep the plate's mean, minimum and maximum; the time derivative of the mean
 * between the two timesteps of the window; and the steering loop: while the mean exceeds the
 * threshold it publishes the lowered {@value Heat2dConfig#HEATER_POWER} for the simulation; and
 * every {@code snapshotEvery} shared timesteps an HDF5 snapshot of the temperature (dataset named
 * after the timestep in {@value #SNAPSHOTS}). Each result is stored as a {@link StatsRow} in
 * {@value #STATS}, one row per timestep: a callback that runs again after a recovery replaces its
 * row, and its snapshot (API.md: sinks replace an existing dataset). Both files are written in the output directory, on the host running the
 * callbacks.
 */
public final class Heat2dAnalytics implements AnalyticsCallback {
    /** File name of the statistics, one {@link StatsRow} per shared timestep. */
    public static final String STATS = "heat2d-stats.csv";
    /** File name of the HDF5 snapshots. */
    public static final String SNAPSHOTS = "temperature.h5";

    private final double dt;
    private final double threshold;
    private final double steeredPower;
    private final long snapshotSteps;
    private final String output;

    private Heat2dAnalytics(Heat2dConfig config, Path output, int snapshotEvery) {
        this.dt = config.dt();
        this.threshold = config.threshold();
        this.steeredPower = config.steeredPower();
        this.snapshotSteps = (long) snapshotEvery * config.shareEvery();
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
        Heat2dAnalytics analytics = new Heat2dAnalytics(config, output, snapshotEvery);
        deisa.registerCallback(analytics, List.of(WindowSpec.of(Heat2dConfig.ARRAY, 2)));
        return analytics;
    }

    @Override
    public void call(Windows windows, CallbackContext context) {
        List<DeisaArray> window = windows.get(Heat2dConfig.ARRAY);
        DeisaArray now = window.get(window.size() - 1);
        double mean = now.mean();
        double rate = Double.NaN;
        if (window.size() == 2) {
            DeisaArray before = window.get(0);
            rate = (mean - before.mean()) / ((now.t() - before.t()) * dt);
        }
        double published = Double.NaN;
        if (mean > threshold) {
            context.set(Heat2dConfig.HEATER_POWER, steeredPower, windows.timestep());
            published = steeredPower;
        }
        if (snapshotSteps > 0 && windows.timestep() % snapshotSteps == 0) {
            Hdf5.write(Path.of(output, SNAPSHOTS), Long.toString(windows.timestep()), now);
        }
        new StatsRow(windows.timestep(), mean, now.min(), now.max(), rate, published).storeIn(Path.of(output, STATS));
    }
}
