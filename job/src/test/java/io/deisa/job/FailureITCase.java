package io.deisa.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deisa.analytics.WindowSpec;
import io.deisa.bridge.Bridge;
import io.deisa.bridge.ContractError;
import io.deisa.bridge.DeisaException;
import io.deisa.bridge.comm.RendezvousException;

import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Failures: callbacks that throw, contract violations, bridges that never come or die. */
class FailureITCase {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = TestCluster.create();

    @Test
    void anAssertionErrorInACallbackFailsTheRunAndReleasesTheBridges() throws Exception {
        SimulationHarness world = new SimulationHarness(2);
        Deisa deisa = new Deisa(world.options().build());
        deisa.registerCallback((w, c) -> {
            throw new AssertionError("temperature out of range at t=" + w.timestep());
        }, List.of(WindowSpec.of("array")));

        // The simulation keeps running after the analytics failed: its next calls must fail, not hang.
        SimulationHarness.Outcome outcome = world.run(deisa, world.scalars("array"),
                SimulationHarness.scalarsThenClose("array", 0, 10_000_000));

        assertThat(outcome.analyticsError()).isInstanceOf(DeisaExecutionException.class);
        assertThat(ExceptionUtils.findThrowable(outcome.analyticsError(), AssertionError.class))
                .hasValueSatisfying(e -> assertThat(e).hasMessage("temperature out of range at t=0"));
        // Every bridge gets the cause: which callback, what it threw, at which timestep.
        assertThat(outcome.ranks()).allSatisfy(r -> assertThat((Throwable) r)
                .isInstanceOf(DeisaException.class)
                .hasMessageContaining("The analytics job failed")
                .hasMessageContaining("threw java.lang.AssertionError: temperature out of range at t=0 at timestep 0"));
    }

    @Test
    void anOrdinaryExceptionGoesToTheHandlerAndTheRunGoesOn() throws Exception {
        SimulationHarness world = new SimulationHarness(2);
        String calls = CallbackRecorder.newKey();
        String handled = CallbackRecorder.newKey();
        Deisa deisa = new Deisa(world.options().build());
        deisa.callback(WindowSpec.of("array"))
                .exceptionHandler((error, windows) ->
                        CallbackRecorder.record(handled, windows.timestep() + ":" + error.getMessage()))
                .register((w, c) -> {
                    CallbackRecorder.record(calls, w.timestep());
                    if (w.timestep() == 2) {
                        throw new IllegalStateException("no convergence");
                    }
                });

        SimulationHarness.Outcome outcome = world.run(
                deisa, world.scalars("array"), SimulationHarness.scalarsThenClose("array", 0, 4));

        assertThat(outcome.analyticsError()).isNull();
        assertThat(outcome.ranks()).containsExactly(4L, 4L);
        assertThat(CallbackRecorder.observed(calls)).containsExactly(0L, 1L, 2L, 3L, 4L);
        assertThat(CallbackRecorder.observed(handled)).containsExactly("2:no convergence");
    }

    @Test
    void contractViolationsRaiseAtTheSendingBridgeAndTheRunIsUnaffected() throws Exception {
        SimulationHarness world = new SimulationHarness(2);
        String key = CallbackRecorder.newKey();
        Deisa deisa = new Deisa(world.options().build());
        deisa.registerCallback((w, c) -> CallbackRecorder.record(key, w.get("array").get(0).sum()),
                List.of(WindowSpec.of("array")));

        SimulationHarness.Outcome outcome = world.run(deisa, world.scalars("array"), (bridge, rank) -> {
            for (int t = 0; t <= 3; t++) {
                bridge.send("array", new int[] {t * (rank + 1)}, t);
                if (rank == 1 && t == 2) {
                    assertViolations(bridge);
                }
            }
            long closed = bridge.close(3);
            assertThatThrownBy(() -> bridge.send("array", new int[] {1}, 4))
                    .isInstanceOf(ContractError.class).hasMessageContaining("closed");
            return closed;
        });

        assertThat(outcome.analyticsError()).isNull();
        assertThat(outcome.ranks()).containsExactly(3L, 3L);
        assertThat(CallbackRecorder.observed(key)).containsExactly(0.0, 3.0, 6.0, 9.0);
    }

    private static void assertViolations(Bridge bridge) {
        assertThatThrownBy(() -> bridge.send("pressure", new int[] {1}, 2))
                .isInstanceOf(ContractError.class)
                .hasMessageContaining("Bridge 1").hasMessageContaining("'pressure'").hasMessageContaining("timestep 2")
                .hasMessageContaining("not declared");
        assertThatThrownBy(() -> bridge.send("array", new int[] {1, 2}, 3))
                .isInstanceOf(ContractError.class).hasMessageContaining("2 elements");
        assertThatThrownBy(() -> bridge.send("array", new double[] {1}, 3))
                .isInstanceOf(ContractError.class).hasMessageContaining("int32").hasMessageContaining("double[]");
        assertThatThrownBy(() -> bridge.send("array", ByteBuffer.allocate(3), 3))
                .isInstanceOf(ContractError.class).hasMessageContaining("ByteBuffer");
        assertThatThrownBy(() -> bridge.send("array", new int[] {1}, 1))
                .isInstanceOf(ContractError.class).hasMessageContaining("lower than timestep 2");
        assertThatThrownBy(() -> bridge.send("array", new int[] {1}, 2))
                .isInstanceOf(ContractError.class).hasMessageContaining("already sent");
    }

    @Test
    void aBridgeThatNeverStartsEndsInARendezvousTimeout() {
        SimulationHarness world = new SimulationHarness(2, Duration.ofSeconds(2));
        long start = System.nanoTime();
        assertThatThrownBy(() -> new Bridge(0, world.scalars("array").apply(0), world.system()).close())
                .isInstanceOf(RendezvousException.class)
                .hasMessageContaining("world size 2")
                .hasMessageContaining("127.0.0.1:" + world.masterPort);
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        assertThat(elapsedMillis).isBetween(1_900L, 10_000L);
    }

    @Test
    void aBridgeProcessThatDiesFailsTheRunNamingIt() throws Exception {
        SimulationHarness world = new SimulationHarness(2);
        Deisa deisa = new Deisa(world.options().build());
        deisa.registerCallback((w, c) -> { }, List.of(WindowSpec.of("array")));
        Process survivor = BridgeProcess.launch(world, 0, 1_000_000, -1);
        Process victim = BridgeProcess.launch(world, 1, 1_000_000, 50);
        try {
            long start = System.nanoTime();
            assertThatThrownBy(deisa::executeCallbacks)
                    .isInstanceOf(DeisaExecutionException.class)
                    .hasMessageContaining("ridge 1");
            assertThat(victim.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(victim.exitValue()).isEqualTo(3);
            assertThat((System.nanoTime() - start) / 1_000_000_000).isLessThan(30);
            // The surviving rank is released with an error instead of hanging.
            assertThat(survivor.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(survivor.exitValue()).isNotZero();
        } finally {
            survivor.destroyForcibly();
            victim.destroyForcibly();
        }
    }
}
