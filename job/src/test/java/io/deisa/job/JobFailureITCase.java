package io.deisa.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.deisa.analytics.WindowSpec;
import io.deisa.bridge.DeisaException;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * How a failing job reaches the simulation: never as progress, always with its first cause, and
 * without stalling whatever the restart strategy.
 */
class JobFailureITCase {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = TestCluster.create();

    /** A bound on how long a failure may take to reach every bridge: far below the old stalls. */
    private static final Duration PROMPTLY = Duration.ofSeconds(30);

    private static Configuration fixedDelayRestarts() {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 2);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
        return conf;
    }

    /**
     * Four bridge processes, 256 x 256 float64 each, maxSimulationAhead 1, a callback that sleeps
     * 4 s: bridges 1-3 wait in send(3) when bridge 0 is killed. Cancelling the job interrupts the
     * sleeping callback; that is neither a callback failure nor progress, so their send(3) raises
     * the head's reason instead of returning.
     */
    @Test
    void bridgesWaitingInSendGetTheFailureWhenABridgeIsKilled() throws Exception {
        SimulationHarness world = new SimulationHarness(4);
        Deisa deisa = new Deisa(world.options().maxSimulationAhead(1).build());
        String handled = CallbackRecorder.newKey();
        deisa.callback(WindowSpec.of("array"))
                .exceptionHandler((error, windows) -> CallbackRecorder.record(handled, error.toString()))
                .register((w, c) -> Thread.sleep(4_000));
        List<BridgeProcess.Output> ranks = new ArrayList<>();
        try {
            for (int rank = 0; rank < 4; rank++) {
                ranks.add(BridgeProcess.launchWatched(world, List.of(), rank, 1_000, -1, 256));
            }
            CompletableFuture<Void> analytics = CompletableFuture.runAsync(deisa::executeCallbacks);
            for (int rank = 1; rank < 4; rank++) {
                ranks.get(rank).await(line -> line.endsWith(" sends 3"), "'sends 3'", Duration.ofSeconds(60));
            }
            ranks.get(0).process.destroyForcibly(); // SIGKILL
            for (int rank = 1; rank < 4; rank++) {
                String failure = ranks.get(rank).await(line -> line.contains(" failed at timestep "),
                        "its failure", PROMPTLY);
                assertThat(failure)
                        .startsWith("rank " + rank + " failed at timestep 3: ")
                        .contains("Bridge 0 (/127.0.0.1:")
                        .contains("disconnected from the analytics head without close(timestep)");
                assertThat(ranks.get(rank).lines()).noneMatch(line -> line.endsWith(" sends 4"));
                assertThat(ranks.get(rank).process.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(ranks.get(rank).process.exitValue()).isEqualTo(2);
            }
            assertThat(analytics).failsWithin(PROMPTLY)
                    .withThrowableThat().withMessageContaining("ridge 0");
            assertThat(CallbackRecorder.observed(handled)).as("the cancellation reached no handler").isEmpty();
        } finally {
            ranks.forEach(rank -> rank.process.destroyForcibly());
        }
    }

    /**
     * Two bridges, 16 int32 each, a fixed-delay restart strategy (2 attempts, 1 s) and an
     * AssertionError at t = 5: the job fails at once without restart; the analytics get the
     * AssertionError in their cause chain and every bridge its message.
     */
    @Test
    void aCallbacksErrorFailsAtOnceWhateverTheRestartStrategy() throws Exception {
        SimulationHarness world = new SimulationHarness(2);
        Deisa deisa = new Deisa(world.options().configuration(fixedDelayRestarts()).build());
        deisa.registerCallback((w, c) -> {
            if (w.timestep() == 5) {
                throw new AssertionError("energy not conserved at t=5");
            }
        }, List.of(WindowSpec.of("array")));
        long start = System.nanoTime();

        SimulationHarness.Outcome outcome = world.run(deisa, SixteenInts::metadata, SixteenInts.untilFailure());

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPTLY);
        assertThat(outcome.analyticsError()).isInstanceOf(DeisaExecutionException.class)
                .hasMessageContaining("AssertionError: energy not conserved at t=5");
        assertThat(ExceptionUtils.findThrowable(outcome.analyticsError(), AssertionError.class))
                .hasValueSatisfying(e -> assertThat(e).hasMessage("energy not conserved at t=5"));
        assertThat(outcome.ranks()).allSatisfy(r -> assertThat((Throwable) r)
                .isInstanceOf(DeisaException.class)
                .hasMessageContaining("java.lang.AssertionError: energy not conserved at t=5")
                .hasMessageContaining("at timestep 5"));
    }

    /**
     * A failure a restart is allowed to handle (a callback's TimeoutException) cannot be recovered
     * when the job takes no checkpoint: the restarted reader is served at once by its bridge, which
     * no longer holds the chunks it asks for, and the job fails at once instead of stalling.
     */
    @Test
    void aRestartThatCannotReplayFailsAtOnce() throws Exception {
        SimulationHarness world = new SimulationHarness(2);
        Deisa deisa = new Deisa(world.options().checkpointInterval(Duration.ZERO)
                .configuration(fixedDelayRestarts()).build());
        long start = System.nanoTime();
        SimulationHarness.Outcome outcome = runWithATimeoutAtFive(world, deisa);

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPTLY);
        assertThat(outcome.analyticsError()).isInstanceOf(DeisaExecutionException.class)
                .hasMessageContaining("cannot replay chunks from sequence 0");
        assertThat(outcome.ranks()).allSatisfy(r -> assertThat((Throwable) r)
                .isInstanceOf(DeisaException.class)
                .hasMessageContaining("cannot replay chunks from sequence 0"));
    }

    /**
     * With checkpoints, a failure that every restart meets again (a callback's TimeoutException at
     * t = 5, restarted twice) ends the job for good. The head of the last attempt closes without
     * telling the bridges anything (it cannot know the job will not restart); the job's status hook
     * then answers their REJOIN with the failure, so they raise it long before their connect
     * timeout of 120 s.
     */
    @Test
    void bridgesLearnTheFailureOnceTheLastRestartAttemptFailed() throws Exception {
        SimulationHarness world = new SimulationHarness(2, Duration.ofSeconds(120));
        Deisa deisa = new Deisa(world.options().checkpointInterval(Duration.ofMillis(500))
                .configuration(fixedDelayRestarts()).build());
        long start = System.nanoTime();
        SimulationHarness.Outcome outcome = runWithATimeoutAtFive(world, deisa);

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(60));
        assertThat(outcome.analyticsError()).isInstanceOf(DeisaExecutionException.class)
                .hasMessageContaining("solver service did not answer at t=5");
        assertThat(outcome.ranks()).allSatisfy(r -> assertThat((Throwable) r)
                .isInstanceOf(DeisaException.class)
                .hasMessageContaining("failed and will not restart")
                .hasMessageContaining("TimeoutException: solver service did not answer at t=5"));
    }

    /**
     * Runs two bridges sending until the run fails, with a callback whose solver times out at
     * t = 5 (a failure a restart may handle), on every attempt.
     */
    private static SimulationHarness.Outcome runWithATimeoutAtFive(SimulationHarness world, Deisa deisa)
            throws Exception {
        deisa.registerCallback((w, c) -> {
            if (w.timestep() == 5) {
                throw new TimeoutException("solver service did not answer at t=5");
            }
        }, List.of(WindowSpec.of("array")));
        return world.run(deisa, SixteenInts::metadata, SixteenInts.untilFailure());
    }

    /** A 1 x 2 grid of 16-element int32 chunks, rank r at (0, r), sent until the run fails. */
    private static final class SixteenInts {
        static java.util.Map<String, io.deisa.bridge.ArrayMetadata> metadata(int rank) {
            return java.util.Map.of("array", io.deisa.bridge.ArrayMetadata.builder()
                    .chunkShape(16).chunksPerDim(2).chunkPosition(rank).dtype(io.deisa.bridge.DType.INT32).build());
        }

        static SimulationHarness.RankBody untilFailure() {
            return (bridge, rank) -> {
                int[] chunk = new int[16];
                for (int t = 0; t < 1_000_000; t++) {
                    java.util.Arrays.fill(chunk, t * (rank + 1));
                    bridge.send("array", chunk, t);
                }
                return bridge.close(999_999);
            };
        }
    }
}
