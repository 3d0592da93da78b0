package io.deisa.examples.heat2d;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.deisa.bridge.internal.Ports;
import io.deisa.job.Deisa;
import io.deisa.job.DeisaOptions;

import hdf.hdf5lib.H5;
import hdf.hdf5lib.HDF5Constants;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.DoubleSummaryStatistics;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.LongStream;

/** A short heat2d run for the end-to-end tests, and the checks of its analytics' results. */
final class Heat2dRunAssertions {
    /**
     * 64 x 64 plate on 2 x 2 ranks, 400 steps shared every 10 (41 timesteps); dt = 0.49 s, so the
     * heater's 0.1 K m²/s raise the mean by 0.1 K/s and cross the 25 K threshold near step 100.
     */
    static final Heat2dConfig CONFIG = Heat2dConfig.defaults().withGrid(64, 64, 2, 2).withSteps(400, 10).withHeater(0.1, 25, 0.25);

    private Heat2dRunAssertions() {}

    /** Shared timesteps between two HDF5 snapshots: timesteps 0, 100, ..., 400. */
    static final int SNAPSHOT_EVERY = 10;

    /** The analytics of {@link #CONFIG} on the current (test) cluster writing into {@code output}, head on a free port. */
    static Analytics startAnalytics(Path output) throws Exception {
        String head = "127.0.0.1:" + Ports.free();
        Deisa deisa = new Deisa(DeisaOptions.builder().head(head).parallelism(2).build());
        Heat2dAnalytics.register(deisa, CONFIG, output, SNAPSHOT_EVERY);
        return new Analytics(head, CompletableFuture.runAsync(deisa::executeCallbacks));
    }

    /** A running analytics job and its head. */
    record Analytics(String head, CompletableFuture<Void> done) {}

    /**
     * The analytics' rows cover every shared timestep; their last row and the last HDF5 snapshot
     * match the ranks' own final state; the mean rose at the heater power over the area; and the
     * steering lowered the power that the ranks applied.
     */
    static void assertResults(Path output, List<RankResult> ranks) throws Exception {
        Heat2dConfig config = CONFIG;
        List<StatsRow> rows = StatsRow.read(output.resolve(Heat2dAnalytics.STATS));
        assertThat(rows).extracting(StatsRow::t).containsExactlyElementsOf(
                LongStream.rangeClosed(0, config.steps() / config.shareEvery()).map(i -> i * config.shareEvery()).boxed().toList());
        assertThat(ranks).extracting(RankResult::rank).containsExactly(0, 1, 2, 3);
        assertThat(ranks).allSatisfy(r -> assertThat(r.timestep()).isEqualTo(config.steps()));

        StatsRow last = rows.get(rows.size() - 1);
        double mean = RankResult.mean(ranks);
        assertThat(last.mean()).as("mean at the last timestep vs the ranks' tiles").isCloseTo(mean, within(1e-12 * mean));
        assertThat(last.min()).isEqualTo(RankResult.min(ranks));
        assertThat(last.max()).isEqualTo(RankResult.max(ranks));
        assertSnapshots(output.resolve(Heat2dAnalytics.SNAPSHOTS), ranks);

        double full = config.power() / config.area();
        double lowered = config.steeredPower() / config.area();
        assertThat(rows.get(1).meanRate()).as("dmean/dt before steering").isCloseTo(full, within(1e-9 * full));
        assertThat(last.meanRate()).as("dmean/dt at the end").isCloseTo(lowered, within(1e-9 * full));
        assertThat(rows.subList(1, rows.size())).allSatisfy(r -> assertThat(r.meanRate())
                .satisfiesAnyOf(v -> assertThat(v).isCloseTo(full, within(1e-9 * full)),
                        v -> assertThat(v).isCloseTo(lowered, within(1e-9 * full))));

        StatsRow firstSteered = rows.stream().filter(StatsRow::steered).findFirst().orElseThrow();
        assertThat(firstSteered.mean()).isGreaterThan(config.threshold());
        assertThat(rows.stream().filter(r -> r.t() < firstSteered.t())).allSatisfy(r -> assertThat(r.mean()).isLessThanOrEqualTo(config.threshold()));
        assertThat(firstSteered.publishedPower()).isEqualTo(config.steeredPower());
        assertThat(ranks).allSatisfy(r -> assertThat(r.heaterPower()).as("power applied by rank %d", r.rank())
                .isEqualTo(config.steeredPower()));
    }

    /**
     * The snapshot file holds timesteps 0, 100, ..., 400, each the plate downsampled by 2 along
     * each side where it was read (means of 2 x 2 blocks), and the last one agrees with the ranks'
     * final plate: the same mean, extremes within the plate's; read back through the HDF5 library
     * itself (loaded by the sink in this JVM).
     */
    private static void assertSnapshots(Path file, List<RankResult> ranks) {
        long fileId = H5.H5Fopen(file.toString(), HDF5Constants.H5F_ACC_RDONLY, HDF5Constants.H5P_DEFAULT);
        try {
            assertThat(H5.H5Gget_info(fileId).nlinks).isEqualTo(5);
            for (String name : List.of("0", "100", "200", "300", "400")) {
                assertThat(H5.H5Lexists(fileId, name, HDF5Constants.H5P_DEFAULT)).as("dataset %s", name).isTrue();
            }
            byte[] bytes = new byte[CONFIG.rows() / 2 * (CONFIG.cols() / 2) * Double.BYTES];
            long dataset = H5.H5Dopen(fileId, "400", HDF5Constants.H5P_DEFAULT);
            try {
                long space = H5.H5Dget_space(dataset);
                long[] dims = new long[2];
                H5.H5Sget_simple_extent_dims(space, dims, null);
                H5.H5Sclose(space);
                assertThat(dims).as("downsampled by 2 per side").containsExactly(CONFIG.rows() / 2, CONFIG.cols() / 2);
                H5.H5Dread(dataset, HDF5Constants.H5T_IEEE_F64LE, HDF5Constants.H5S_ALL, HDF5Constants.H5S_ALL,
                        HDF5Constants.H5P_DEFAULT, bytes);
            } finally {
                H5.H5Dclose(dataset);
            }
            DoubleSummaryStatistics plate = new DoubleSummaryStatistics();
            ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            while (buffer.hasRemaining()) {
                plate.accept(buffer.getDouble());
            }
            double mean = RankResult.mean(ranks);
            assertThat(plate.getAverage()).as("mean of the last snapshot").isCloseTo(mean, within(1e-12 * mean));
            assertThat(plate.getMin()).isGreaterThanOrEqualTo(RankResult.min(ranks));
            assertThat(plate.getMax()).isLessThanOrEqualTo(RankResult.max(ranks)).isGreaterThan(plate.getMin());
        } finally {
            H5.H5Fclose(fileId);
        }
    }
}
