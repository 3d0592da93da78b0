package io.deisa.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.deisa.analytics.AnalyticsCallback;
import io.deisa.analytics.DeisaArray;
import io.deisa.analytics.When;
import io.deisa.analytics.WindowSpec;

import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;

/** End-to-end runs of bridges (threads) through the analytics job on a MiniCluster: values, windows, triggers. */
class PipelineITCase {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = TestCluster.create();

    @Test
    void twoBridgesSumAndMeanOfEveryTimestep() throws Exception {
        SimulationHarness world = new SimulationHarness(2);
        String key = CallbackRecorder.newKey();
        Deisa deisa = new Deisa(world.options().build());
        AnalyticsCallback cb = (windows, ctx) -> {
            DeisaArray a = windows.get("array").get(0);
            CallbackRecorder.record(key, List.of(windows.timestep(), a.sum(), a.mean()));
        };
        assertThat(deisa.registerCallback(cb, List.of(WindowSpec.of("array")))).isSameAs(cb);

        SimulationHarness.Outcome outcome = world.run(
                deisa, world.scalars("array"), SimulationHarness.scalarsThenClose("array", 0, 4));

        assertThat(outcome.analyticsError()).isNull();
        assertThat(outcome.ranks()).containsExactly(4L, 4L);
        assertThat(CallbackRecorder.observed(key)).containsExactly(
                List.of(0L, 0.0, 0.0), List.of(1L, 3.0, 1.5), List.of(2L, 6.0, 3.0),
                List.of(3L, 9.0, 4.5), List.of(4L, 12.0, 6.0));
    }

    @Test
    void windowOfTwoDeliversOldestFirst() throws Exception {
        SimulationHarness world = new SimulationHarness(2);
        String key = CallbackRecorder.newKey();
        Deisa deisa = new Deisa(world.options().build());
        deisa.callback(WindowSpec.of("array", 2)).register((windows, ctx) -> {
            List<DeisaArray> window = windows.get("array");
            List<Long> timesteps = new ArrayList<>();
            window.forEach(a -> timesteps.add(a.t()));
            Double difference = window.size() == 2 ? window.get(1).minus(window.get(0)).sum() : null;
            CallbackRecorder.record(key, java.util.Arrays.asList(timesteps, difference));
        });

        SimulationHarness.Outcome outcome = world.run(
                deisa, world.scalars("array"), SimulationHarness.scalarsThenClose("array", 0, 4));

        assertThat(outcome.analyticsError()).isNull();
        assertThat(CallbackRecorder.observed(key)).containsExactly(
                java.util.Arrays.asList(List.of(0L), null),
                java.util.Arrays.asList(List.of(0L, 1L), 3.0),
                java.util.Arrays.asList(List.of(1L, 2L), 3.0),
                java.util.Arrays.asList(List.of(2L, 3L), 3.0),
                java.util.Arrays.asList(List.of(3L, 4L), 3.0));
    }

    /** Registers an AND and an OR callback over a and b; returns their recorder keys. */
    private static String[] registerAndOr(Deisa deisa) {
        String and = CallbackRecorder.newKey();
        String or = CallbackRecorder.newKey();
        List<WindowSpec> both = List.of(WindowSpec.of("a"), WindowSpec.of("b"));
        deisa.registerCallback((w, c) -> CallbackRecorder.record(and, w.timestep()), both, When.AND);
        deisa.registerCallback((w, c) -> CallbackRecorder.record(or, w.timestep()), both, When.OR);
        return new String[] {and, or};
    }

    @Test
    void arraysOnAlternatingTimestepsTriggerOrButNotAnd() throws Exception {
        SimulationHarness world = new SimulationHarness(2);
        Deisa deisa = new Deisa(world.options().build());
        String[] keys = registerAndOr(deisa);

        SimulationHarness.Outcome outcome = world.run(deisa, world.scalars("a", "b"), (bridge, rank) -> {
            for (int t = 0; t <= 4; t++) {
                bridge.send(t % 2 == 0 ? "a" : "b", new int[] {t}, t);
            }
            return bridge.close(4);
        });

        assertThat(outcome.analyticsError()).isNull();
        assertThat(CallbackRecorder.observed(keys[0])).isEmpty();
        assertThat(CallbackRecorder.observed(keys[1])).containsExactly(1L, 2L, 3L, 4L);
    }

    @Test
    void arraysOnEveryTimestepTriggerAndAndOr() throws Exception {
        SimulationHarness world = new SimulationHarness(2);
        Deisa deisa = new Deisa(world.options().build());
        String[] keys = registerAndOr(deisa);

        SimulationHarness.Outcome outcome = world.run(deisa, world.scalars("a", "b"), (bridge, rank) -> {
            for (int t = 0; t <= 4; t++) {
                bridge.send("a", new int[] {t}, t);
                bridge.send("b", new int[] {t}, t);
            }
            return bridge.close(4);
        });

        assertThat(outcome.analyticsError()).isNull();
        assertThat(CallbackRecorder.observed(keys[0])).containsExactly(0L, 1L, 2L, 3L, 4L);
        assertThat(CallbackRecorder.observed(keys[1])).containsExactly(0L, 1L, 2L, 3L, 4L);
    }

    @Test
    void aRunWhoseOnlyTimestepIsThreeCallsOnce() throws Exception {
        SimulationHarness world = new SimulationHarness(2);
        String key = CallbackRecorder.newKey();
        Deisa deisa = new Deisa(world.options().build());
        deisa.registerCallback((w, c) -> CallbackRecorder.record(key,
                List.of(w.timestep(), w.get("array").get(0).sum())), List.of(WindowSpec.of("array")));

        SimulationHarness.Outcome outcome = world.run(
                deisa, world.scalars("array"), SimulationHarness.scalarsThenClose("array", 3, 3));

        assertThat(outcome.analyticsError()).isNull();
        assertThat(CallbackRecorder.observed(key)).containsExactly(List.of(3L, 9.0));
    }

    @Test
    void callbacksOfOneTimestepRunInRegistrationOrder() throws Exception {
        SimulationHarness world = new SimulationHarness(2);
        String key = CallbackRecorder.newKey();
        Deisa deisa = new Deisa(world.options().build());
        for (String name : List.of("first", "second", "third")) {
            deisa.registerCallback((w, c) -> CallbackRecorder.record(key, name + "@" + w.timestep()),
                    List.of(WindowSpec.of("array")));
        }

        world.run(deisa, world.scalars("array"), SimulationHarness.scalarsThenClose("array", 0, 1));

        assertThat(CallbackRecorder.observed(key)).containsExactly(
                "first@0", "second@0", "third@0", "first@1", "second@1", "third@1");
    }
}
