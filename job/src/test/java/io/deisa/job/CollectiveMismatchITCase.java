package io.deisa.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.deisa.analytics.WindowSpec;
import io.deisa.bridge.ArrayMetadata;
import io.deisa.bridge.Bridge;
import io.deisa.bridge.ContractError;
import io.deisa.bridge.DType;
import io.deisa.bridge.comm.CollectiveMismatchException;

import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Checked collectives end to end: bridges (threads, default {@code TcpCommunicator}) that call
 * different collectives fail together at the first differing call, naming both calls, instead of
 * handing out the answers of other calls. The same scenario under {@code mpirun} is in {@link
 * MpiITCase}.
 */
class CollectiveMismatchITCase {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = TestCluster.create();

    private static final int RANKS = 4;
    private static final int STEPS = 10;
    private static final int SKIPPING_RANK = 2;
    private static final int SKIPPED_T = 5;
    /** Marks the get that the skipping rank leaves out. */
    private static final String SKIPPED = "<skipped>";

    /** How a rank's body ended: the loop index {@code t} of the failing call (or -1), and the error. */
    record RankEnd(int failedAt, String failedCall, ContractError error) {}

    /** Rank r's 4 x 4 float64 chunk at (r / 2, r % 2) of a 2 x 2 grid. */
    static ArrayMetadata chunkOf(int rank) {
        return ArrayMetadata.builder()
                .chunkShape(4, 4)
                .chunksPerDim(2, 2)
                .chunkPosition(rank / 2, rank % 2)
                .dtype(DType.FLOAT64)
                .build();
    }

    /** The chunk rank r sends at timestep t: {@code (t + 1)(r + 1) + i / 4} (exact in binary). */
    static double[] chunk(int rank, long t) {
        double[] values = new double[16];
        for (int i = 0; i < values.length; i++) {
            values[i] = (t + 1) * (rank + 1) + i / 4.0;
        }
        return values;
    }

    /** The sum over the whole grid at timestep t, as the callback publishes it; null before t = 0. */
    static Double expectedX(long t) {
        if (t < 0) {
            return null;
        }
        double sum = 0;
        for (int rank = 0; rank < RANKS; rank++) {
            for (double v : chunk(rank, t)) {
                sum += v;
            }
        }
        return sum;
    }

    private static Deisa publishingSums(SimulationHarness world) {
        Deisa deisa = new Deisa(world.options().maxSimulationAhead(1).build());
        deisa.registerCallback((w, ctx) -> ctx.set("x", w.get("field").get(0).sum(), w.timestep()),
                List.of(WindowSpec.of("field")));
        return deisa;
    }

    private static String mismatch(String call0, int rank, String callOfRank) {
        return "collective calls differ: rank 0 called " + call0 + " but rank " + rank + " called " + callOfRank;
    }

    /**
     * The field report: every rank loops t = 0..9 with send(t) then get("x", t - 2); rank 2 skips
     * its get at t = 5. Its get at t = 6 (the 7th collective, the constructor being the 1st) meets
     * the others' get at t = 5: all four fail there, and no rank ever gets another call's value.
     */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aSkippedGetFailsEveryRankAtTheFirstDifferingCall() throws Exception {
        SimulationHarness world = new SimulationHarness(RANKS);
        Deisa deisa = publishingSums(world);
        List<List<Object>> received = new ArrayList<>();
        for (int rank = 0; rank < RANKS; rank++) {
            received.add(Collections.synchronizedList(new ArrayList<>()));
        }

        SimulationHarness.Outcome outcome = world.run(deisa, rank -> Map.of("field", chunkOf(rank)),
                (bridge, rank) -> {
                    List<Object> got = received.get(rank);
                    for (int t = 0; t < STEPS; t++) {
                        bridge.send("field", chunk(rank, t), t);
                        if (rank == SKIPPING_RANK && t == SKIPPED_T) {
                            got.add(SKIPPED);
                            continue;
                        }
                        try {
                            got.add(bridge.get("x", t - 2));
                        } catch (ContractError e) {
                            return new RankEnd(t, "get", e);
                        }
                    }
                    try {
                        bridge.close(STEPS - 1);
                    } catch (ContractError e) {
                        return new RankEnd(STEPS, "close", e);
                    }
                    return new RankEnd(-1, "none", null);
                });

        // Values first: on a failure they show which value a rank got for which call.
        for (int rank = 0; rank < RANKS; rank++) {
            List<Object> got = received.get(rank);
            for (int t = 0; t < got.size(); t++) {
                Object expected = rank == SKIPPING_RANK && t == SKIPPED_T ? SKIPPED : expectedX(t - 2);
                assertThat(got.get(t)).as("rank %d: get(\"x\", %d) at t = %d; all values: %s", rank, t - 2, t, got)
                        .isEqualTo(expected);
            }
        }
        String othersCall = "get(\"x\", 3) #7";
        String skipperCall = "get(\"x\", 4) #7";
        for (int rank = 0; rank < RANKS; rank++) {
            Object end = outcome.ranks().get(rank);
            assertThat(end).as("how rank %d ended", rank).isInstanceOf(RankEnd.class);
            RankEnd rankEnd = (RankEnd) end;
            assertThat(rankEnd.failedAt()).as("loop index of rank %d's first failing collective (%s)",
                    rank, rankEnd).isEqualTo(rank == SKIPPING_RANK ? SKIPPED_T + 1 : SKIPPED_T);
            assertThat(rankEnd.error())
                    .hasMessage("Bridge " + rank + ": " + mismatch(othersCall, SKIPPING_RANK, skipperCall))
                    .hasCauseInstanceOf(CollectiveMismatchException.class);
            assertThat(rankEnd.error().getCause()).hasMessage(mismatch(othersCall, SKIPPING_RANK, skipperCall));
            // Every get before the mismatch returned, and none after.
            assertThat(received.get(rank)).hasSize(rankEnd.failedAt());
        }
        // The bridges left without close(timestep): the analytics fail instead of waiting.
        assertThat(outcome.analyticsError()).isInstanceOf(DeisaExecutionException.class)
                .hasMessageContaining("without close(timestep)");
    }

    /**
     * One rank calls close(9) while the others call get: every rank fails in the check (none hangs
     * or reaches the head), later collectives of each bridge fail at once, and the analytics fail.
     */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void closeAgainstGetFailsEveryRankAndLaterCollectivesFailFast() throws Exception {
        SimulationHarness world = new SimulationHarness(RANKS);
        Deisa deisa = publishingSums(world);
        int closer = 3;
        // No bridge leaves (and fails the analytics) before every bridge made its later calls, so
        // that those fail for the earlier mismatch, not for the analytics' failure.
        CountDownLatch laterCallsDone = new CountDownLatch(RANKS);

        SimulationHarness.Outcome outcome = world.run(deisa, rank -> Map.of("field", chunkOf(rank)),
                (bridge, rank) -> {
                    for (int t = 0; t < STEPS; t++) {
                        bridge.send("field", chunk(rank, t), t);
                    }
                    List<Object> errors = new ArrayList<>();
                    try {
                        Object value = rank == closer ? bridge.close(STEPS - 1) : bridge.get("x", STEPS - 3);
                        errors.add("no error, got " + value);
                    } catch (ContractError e) {
                        errors.add(e);
                    }
                    // The bridge stays safe: later collectives fail at once instead of hanging.
                    for (Runnable later : List.<Runnable>of(() -> bridge.get("x", 0), () -> bridge.get("x"),
                            () -> bridge.close(STEPS - 1))) {
                        try {
                            later.run();
                            errors.add("a later collective succeeded");
                        } catch (ContractError e) {
                            errors.add(e);
                        }
                    }
                    laterCallsDone.countDown();
                    if (!laterCallsDone.await(60, TimeUnit.SECONDS)) {
                        errors.add("the other ranks did not finish their later calls");
                    }
                    return errors;
                });

        String message = mismatch("get(\"x\", 7) #2", closer, "close(9) #2");
        for (int rank = 0; rank < RANKS; rank++) {
            Object end = outcome.ranks().get(rank);
            assertThat(end).as("how rank %d ended", rank).isInstanceOf(List.class);
            List<?> errors = (List<?>) end;
            assertThat(errors).as("rank %d", rank).hasSize(4).allSatisfy(e -> assertThat(e).isInstanceOf(ContractError.class));
            assertThat((ContractError) errors.get(0)).hasMessage("Bridge " + rank + ": " + message)
                    .hasCauseInstanceOf(CollectiveMismatchException.class);
            assertThat((ContractError) errors.get(1)).hasMessage("Bridge " + rank + " cannot call get(\"x\", 0) #3: "
                    + "an earlier collective failed: Bridge " + rank + ": " + message);
            assertThat((ContractError) errors.get(2)).hasMessageContaining("cannot call get(\"x\") #4")
                    .hasMessageContaining(message);
            assertThat((ContractError) errors.get(3)).hasMessageContaining("cannot call close(9) #5")
                    .hasMessageContaining(message);
        }
        assertThat(outcome.analyticsError()).isInstanceOf(DeisaExecutionException.class)
                .hasMessageContaining("without close(timestep)");
    }
}
