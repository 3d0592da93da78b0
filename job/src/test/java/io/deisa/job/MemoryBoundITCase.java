package io.deisa.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.deisa.analytics.WindowSpec;

import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What a bridge holds besides the simulation's own array. With {@code maxSimulationAhead(0)} the
 * bound must bite before the copy: a bridge waits for the analytics, then copies into the buffer of
 * the chunk the analytics just finished with, so it holds one copy of its chunk, never two.
 */
class MemoryBoundITCase {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = TestCluster.create();

    /** 2048 x 2048 float64: 32 MiB per chunk. */
    private static final int SIDE = 2048;

    @Test
    void withMaxSimulationAheadZeroABridgeHoldsOneCopyOfItsChunk() throws Exception {
        runWithDirectMemoryForOneChunk(0);
    }

    /**
     * With maxSimulationAhead 1 a bridge may hold two copies, more than the JVM's direct memory:
     * instead of an OutOfMemoryError, send waits for the buffer that is in use, as if its byte bound
     * (256 MiB by default) were reached.
     */
    @Test
    void aBridgeWhoseJvmHasLessDirectMemoryThanItsBoundWaitsInsteadOfFailing() throws Exception {
        runWithDirectMemoryForOneChunk(1);
    }

    private static void runWithDirectMemoryForOneChunk(int maxSimulationAhead) throws Exception {
        SimulationHarness world = new SimulationHarness(2);
        String key = CallbackRecorder.newKey();
        // Without checkpoints: with them, a bridge also keeps each chunk until a checkpoint covers it.
        Deisa deisa = new Deisa(world.options().maxSimulationAhead(maxSimulationAhead)
                .checkpointInterval(Duration.ZERO).build());
        deisa.registerCallback((w, c) -> {
            CallbackRecorder.record(key, List.of(w.timestep(), w.get("array").get(0).mean()));
            Thread.sleep(1_000); // analytics slower than the simulation
        }, List.of(WindowSpec.of("array")));
        // Direct memory for one 32 MiB chunk and the sockets, not for two chunks: a second copy
        // ends the bridge with "OutOfMemoryError: Cannot reserve ... direct buffer memory".
        List<String> oneCopy = List.of("-XX:MaxDirectMemorySize=48m");
        List<BridgeProcess.Output> ranks = new ArrayList<>();
        try {
            for (int rank = 0; rank < 2; rank++) {
                ranks.add(BridgeProcess.launchWatched(world, oneCopy, rank, 5, -1, SIDE));
            }
            deisa.executeCallbacks();
            for (BridgeProcess.Output rank : ranks) {
                rank.await(line -> line.equals("rank " + rank.rank + " closed at 5"), "its close", Duration.ofSeconds(60));
                assertThat(rank.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(rank.process.exitValue()).isZero();
            }
        } finally {
            ranks.forEach(rank -> rank.process.destroyForcibly());
        }
        // Rank r's chunk holds t * (r + 1): the mean of the 1 x 2 grid is 1.5 t.
        List<Object> expected = new ArrayList<>();
        for (long t = 0; t <= 5; t++) {
            expected.add(List.of(t, 1.5 * t));
        }
        assertThat(CallbackRecorder.observed(key)).isEqualTo(expected);
    }
}
