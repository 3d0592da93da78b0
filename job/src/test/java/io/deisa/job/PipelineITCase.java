package io.deisa.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.deisa.analytics.AnalyticsCallback;
import io.deisa.analytics.DeisaArray;
import io.deisa.analytics.WindowSpec;

import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** End-to-end runs of bridges (threads) through the analytics job on a MiniCluster. */
class PipelineITCase {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(4)
                    .build());

    /** t = 0..4 on a 1x2 grid of int32 scalars, chunk = t * (rank + 1). */
    private static long sendScalars(io.deisa.bridge.Bridge bridge, int rank) {
        for (int t = 0; t <= 4; t++) {
            bridge.send("array", new int[] {t * (rank + 1)}, t);
        }
        return 4;
    }

    @Test
    void twoBridgesSumAndMeanOfEveryTimestep() throws Exception {
        SimulationHarness world = new SimulationHarness(2, Duration.ofSeconds(60));
        String key = CallbackRecorder.newKey();
        Deisa deisa = new Deisa(world.options().build());
        AnalyticsCallback cb = (windows, ctx) -> {
            DeisaArray a = windows.get("array").get(0);
            CallbackRecorder.record(key, List.of(windows.timestep(), a.sum(), a.mean()));
        };
        assertThat(deisa.registerCallback(cb, List.of(WindowSpec.of("array")))).isSameAs(cb);

        List<Long> closed = world.run(deisa,
                world.arrays(rank -> Map.of("array", SimulationHarness.rowOfScalars(rank, 2))),
                PipelineITCase::sendScalars);

        assertThat(closed).containsExactly(4L, 4L);
        assertThat(CallbackRecorder.observed(key)).containsExactly(
                List.of(0L, 0.0, 0.0), List.of(1L, 3.0, 1.5), List.of(2L, 6.0, 3.0),
                List.of(3L, 9.0, 4.5), List.of(4L, 12.0, 6.0));
    }
}
