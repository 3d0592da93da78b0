package io.deisa.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.deisa.analytics.WindowSpec;
import io.deisa.bridge.ArrayMetadata;
import io.deisa.bridge.DType;

import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Start order, drift between bridges, larger worlds and bridges as separate processes. */
class LifecycleITCase {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = TestCluster.create();

    private static Deisa sumRecorder(SimulationHarness world, String key) {
        return sumRecorder(world.options().build(), key);
    }

    private static Deisa sumRecorder(DeisaOptions options, String key) {
        Deisa deisa = new Deisa(options);
        deisa.registerCallback((w, c) -> CallbackRecorder.record(key,
                List.of(w.timestep(), w.get("array").get(0).sum())), List.of(WindowSpec.of("array")));
        return deisa;
    }

    private static List<Object> sums(int timesteps, int factor) {
        return java.util.stream.IntStream.range(0, timesteps)
                .mapToObj(t -> (Object) List.of((long) t, (double) factor * t)).toList();
    }

    @Test
    void fourBridgesOnATwoByTwoGrid() throws Exception {
        SimulationHarness world = new SimulationHarness(4);
        String key = CallbackRecorder.newKey();
        Deisa deisa = new Deisa(world.options().build());
        deisa.registerCallback((w, c) -> {
            var a = w.get("array").get(0);
            CallbackRecorder.record(key, List.of(w.timestep(), a.sum(), a.getDouble(1, 0), a.shape()[0], a.shape()[1]));
        }, List.of(WindowSpec.of("array")));

        SimulationHarness.Outcome outcome = world.run(deisa, rank -> Map.of("array", ArrayMetadata.builder()
                        .chunkShape(1, 1).chunksPerDim(2, 2).chunkPosition(rank / 2, rank % 2).dtype(DType.INT32).build()),
                SimulationHarness.scalarsThenClose("array", 0, 4));

        assertThat(outcome.analyticsError()).isNull();
        assertThat(outcome.ranks()).containsExactly(4L, 4L, 4L, 4L);
        // Rank 2 owns position (1, 0): its chunk is 3t.
        assertThat(CallbackRecorder.observed(key)).containsExactly(
                List.of(0L, 0.0, 0.0, 2L, 2L), List.of(1L, 10.0, 3.0, 2L, 2L), List.of(2L, 20.0, 6.0, 2L, 2L),
                List.of(3L, 30.0, 9.0, 2L, 2L), List.of(4L, 40.0, 12.0, 2L, 2L));
    }

    @Test
    void bridgesStartingFiveSecondsBeforeTheAnalytics() throws Exception {
        SimulationHarness world = new SimulationHarness(2);
        String key = CallbackRecorder.newKey();
        SimulationHarness.Outcome outcome = world.run(sumRecorder(world, key), world.scalars("array"),
                SimulationHarness.scalarsThenClose("array", 0, 4), Duration.ZERO, Duration.ofSeconds(5));
        assertThat(outcome.analyticsError()).isNull();
        assertThat(CallbackRecorder.observed(key)).isEqualTo(sums(5, 3));
    }

    @Test
    void bridgesStartingFiveSecondsAfterTheAnalytics() throws Exception {
        SimulationHarness world = new SimulationHarness(2);
        String key = CallbackRecorder.newKey();
        SimulationHarness.Outcome outcome = world.run(sumRecorder(world, key), world.scalars("array"),
                SimulationHarness.scalarsThenClose("array", 0, 4), Duration.ofSeconds(5), Duration.ZERO);
        assertThat(outcome.analyticsError()).isNull();
        assertThat(CallbackRecorder.observed(key)).isEqualTo(sums(5, 3));
    }

    @Test
    void bridgesDriftApart() throws Exception {
        SimulationHarness world = new SimulationHarness(2);
        String key = CallbackRecorder.newKey();
        // Rank 0 sends all 30 timesteps before rank 1 sends any: only each bridge's own order is a
        // contract, and maxSimulationAhead bounds how far one may run ahead of the analytics.
        java.util.concurrent.CountDownLatch rankZeroDone = new java.util.concurrent.CountDownLatch(1);
        Deisa deisa = sumRecorder(world.options().maxSimulationAhead(30).build(), key);
        SimulationHarness.Outcome outcome = world.run(deisa, world.scalars("array"), (bridge, rank) -> {
            if (rank == 1) {
                assertThat(rankZeroDone.await(60, TimeUnit.SECONDS)).isTrue();
            }
            for (int t = 0; t < 30; t++) {
                bridge.send("array", new int[] {t * (rank + 1)}, t);
            }
            if (rank == 0) {
                rankZeroDone.countDown();
            }
            return bridge.close(29);
        });
        assertThat(outcome.analyticsError()).isNull();
        assertThat(CallbackRecorder.observed(key)).isEqualTo(sums(30, 3));
    }

    @Test
    void bridgesAsSeparateProcesses() throws Exception {
        SimulationHarness world = new SimulationHarness(2);
        String key = CallbackRecorder.newKey();
        Process rank0 = BridgeProcess.launch(world, 0, 9, -1);
        Process rank1 = BridgeProcess.launch(world, 1, 9, -1);
        try {
            sumRecorder(world, key).executeCallbacks();
            assertThat(rank0.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(rank1.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(rank0.exitValue()).isZero();
            assertThat(rank1.exitValue()).isZero();
        } finally {
            rank0.destroyForcibly();
            rank1.destroyForcibly();
        }
        assertThat(CallbackRecorder.observed(key)).isEqualTo(sums(10, 3));
    }
}
