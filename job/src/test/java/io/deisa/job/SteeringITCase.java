package io.deisa.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.deisa.analytics.WindowSpec;
import io.deisa.bridge.ArrayMetadata;
import io.deisa.bridge.Bridge;
import io.deisa.bridge.DType;
import io.deisa.bridge.Feedback;

import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Feedback from the analytics to the simulation, and the simulation paced by the analytics. */
class SteeringITCase {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = TestCluster.create();

    /** Collective poll: every bridge calls get the same number of times, since all see the same answer. */
    private static Object pollUntilPresent(Bridge bridge, String name, long timestep) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        Object value;
        while ((value = bridge.get(name, timestep)) == null && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        return value;
    }

    @Test
    void feedbackPublishedByACallbackIsReadByEveryBridge() throws Exception {
        SimulationHarness world = new SimulationHarness(2);
        Deisa deisa = new Deisa(world.options().build());
        deisa.registerCallback((w, ctx) -> {
            if (w.timestep() <= 1) {
                ctx.set("foo", (int) w.timestep(), w.timestep());
            }
        }, List.of(WindowSpec.of("array")));

        SimulationHarness.Outcome outcome = world.run(deisa, world.scalars("array"), (bridge, rank) -> {
            for (int t = 0; t <= 2; t++) {
                bridge.send("array", new int[] {t}, t);
            }
            List<Object> seen = new ArrayList<>();
            seen.add(pollUntilPresent(bridge, "foo", 0));
            seen.add(bridge.get("foo", 99));
            seen.add(bridge.close(2));
            seen.add(bridge.get("foo", 1));
            seen.add(bridge.get("foo"));
            return seen;
        });

        assertThat(outcome.analyticsError()).isNull();
        List<Object> expected = new ArrayList<>();
        expected.add(0L);
        expected.add(null);
        expected.add(2L);
        expected.add(1L);
        expected.add(List.of(new Feedback(0, 0L), new Feedback(1, 1L)));
        assertThat(outcome.ranks()).containsExactly(expected, expected);
    }

    @Test
    void eachKeyRetainsTheNewestFeedbackQueueSizeValues() throws Exception {
        SimulationHarness world = new SimulationHarness(2);
        Deisa deisa = new Deisa(world.options().feedbackQueueSize(2).build());
        deisa.registerCallback((w, ctx) -> {
            ctx.set("k", w.timestep() * 10, w.timestep());
            if (w.timestep() == 0) {
                ctx.set("other", Map.of("label", "start", "values", List.of(1.5, 2.5)), 0);
            }
        }, List.of(WindowSpec.of("array")));

        SimulationHarness.Outcome outcome = world.run(deisa, world.scalars("array"), (bridge, rank) -> {
            for (int t = 0; t <= 2; t++) {
                bridge.send("array", new int[] {t}, t);
            }
            bridge.close(2);
            return List.of(bridge.get("k"), bridge.get("other"), bridge.get("missing"));
        });

        assertThat(outcome.analyticsError()).isNull();
        List<Object> expected = List.of(
                List.of(new Feedback(1, 10L), new Feedback(2, 20L)),
                List.of(new Feedback(0, Map.of("label", "start", "values", List.of(1.5, 2.5)))),
                List.of());
        assertThat(outcome.ranks()).containsExactly(expected, expected);
    }

    @Test
    void theSimulationWaitsForASlowCallbackBeyondMaxSimulationAhead() throws Exception {
        SimulationHarness world = new SimulationHarness(2);
        String sums = CallbackRecorder.newKey();
        String slowDone = CallbackRecorder.newKey();
        Deisa deisa = new Deisa(world.options().maxSimulationAhead(2).build());
        deisa.registerCallback((w, ctx) -> {
            if (w.timestep() == 0) {
                Thread.sleep(3_000); // a slow analysis of timestep 0
                CallbackRecorder.record(slowDone, System.nanoTime());
            }
            CallbackRecorder.record(sums, List.of(w.timestep(), w.get("array").get(0).sum()));
        }, List.of(WindowSpec.of("array")));

        SimulationHarness.Outcome outcome = world.run(deisa, world.scalars("array"), (bridge, rank) -> {
            List<Long> returnedAt = new ArrayList<>();
            for (int t = 0; t <= 4; t++) {
                bridge.send("array", new int[] {t * (rank + 1)}, t);
                returnedAt.add(System.nanoTime());
            }
            bridge.close(4);
            return returnedAt;
        });

        assertThat(outcome.analyticsError()).isNull();
        long slowFinished = (Long) CallbackRecorder.observed(slowDone).get(0);
        for (Object rank : outcome.ranks()) {
            @SuppressWarnings("unchecked")
            List<Long> returnedAt = (List<Long>) rank;
            assertThat(returnedAt.get(2)).as("send(2) needs nothing finished").isLessThan(slowFinished);
            assertThat(returnedAt.get(4)).as("send(4) needs timesteps <= 1 analysed").isGreaterThan(slowFinished);
        }
        assertThat(CallbackRecorder.observed(sums)).containsExactly(
                List.of(0L, 0.0), List.of(1L, 3.0), List.of(2L, 6.0), List.of(3L, 9.0), List.of(4L, 12.0));
    }

    @Test
    void aSimulationSharingEveryTenStepsWaitsForTheCallbacksOfThePreviousShareOnly() throws Exception {
        SimulationHarness world = new SimulationHarness(2);
        String seen = CallbackRecorder.newKey();
        Deisa deisa = new Deisa(world.options().maxSimulationAhead(1).build());
        deisa.registerCallback((w, ctx) -> CallbackRecorder.record(seen, w.timestep()),
                List.of(WindowSpec.of("array")));
        // Bridge 1 sends timestep 20 only once bridge 0's send(20) returned. send(20) needs the
        // callbacks of timesteps <= 18, and the newest of those with data is 10: waiting for the
        // analytics to pass timestep 18 instead would need bridge 1's chunk of 20, a deadlock.
        CountDownLatch firstSentTwenty = new CountDownLatch(1);

        SimulationHarness.Outcome outcome = world.run(deisa, world.scalars("array"), (bridge, rank) -> {
            for (int t = 0; t <= 30; t += 10) {
                if (rank == 1 && t == 20 && !firstSentTwenty.await(20, TimeUnit.SECONDS)) {
                    return "bridge 0's send(20) did not return before bridge 1 sent timestep 20";
                }
                bridge.send("array", new int[] {t}, t);
                if (rank == 0 && t == 20) {
                    firstSentTwenty.countDown();
                }
            }
            bridge.close(30);
            return "done";
        });

        assertThat(outcome.ranks()).containsExactly("done", "done");
        assertThat(outcome.analyticsError()).isNull();
        assertThat(CallbackRecorder.observed(seen)).containsExactly(0L, 10L, 20L, 30L);
    }

    @Test
    void aLongRunOfLargeChunksKeepsTheHeapBounded() throws Exception {
        int timesteps = 240;
        SimulationHarness world = new SimulationHarness(1);
        String heap = CallbackRecorder.newKey();
        Deisa deisa = new Deisa(world.options().build());
        deisa.registerCallback((w, ctx) -> {
            if (w.timestep() == 40 || w.timestep() == timesteps - 10) {
                System.gc();
                Runtime runtime = Runtime.getRuntime();
                CallbackRecorder.record(heap, runtime.totalMemory() - runtime.freeMemory());
            }
        }, List.of(WindowSpec.of("field")));
        ArrayMetadata field = ArrayMetadata.builder()
                .chunkShape(1024, 1024).chunksPerDim(1, 1).chunkPosition(0, 0).dtype(DType.INT32).build();
        int[] chunk = new int[1024 * 1024];

        SimulationHarness.Outcome outcome = world.run(deisa, rank -> Map.of("field", field), (bridge, rank) -> {
            for (int t = 0; t < timesteps; t++) {
                chunk[t] = t;
                bridge.send("field", chunk, t);
            }
            return bridge.close(timesteps - 1);
        });

        assertThat(outcome.analyticsError()).isNull();
        List<Object> used = CallbackRecorder.observed(heap);
        assertThat(used).hasSize(2);
        long early = (Long) used.get(0);
        long late = (Long) used.get(1);
        System.out.printf("heap after GC: %d MiB at t=40, %d MiB at t=%d (%d MiB streamed)%n",
                early >> 20, late >> 20, timesteps - 10, (long) timesteps * 4);
        // 200 more timesteps (800 MiB) went through in between: the heap must not grow with them.
        assertThat(late).isLessThan(early + (64L << 20));
    }
}
