package io.deisa.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deisa.analytics.WindowSpec;
import io.deisa.bridge.ArrayMetadata;
import io.deisa.bridge.Bridge;
import io.deisa.bridge.ContractError;
import io.deisa.bridge.DType;
import io.deisa.bridge.DeisaException;
import io.deisa.bridge.SystemMetadata;
import io.deisa.connector.source.BridgeSourceOptions;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/** Which run a bridge joins: its own, never another simulation's, and never a run that ended. */
class RunIdentityITCase {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = TestCluster.create();

    /** A 2 x 2 grid of 16 x 16 int32 chunks, rank r at (r / 2, r % 2). */
    private static Map<String, ArrayMetadata> tile(int rank) {
        return Map.of("array", ArrayMetadata.builder()
                .chunkShape(16, 16).chunksPerDim(2, 2).chunkPosition(rank / 2, rank % 2).dtype(DType.INT32).build());
    }

    /** Every element of rank r's tile at t is {@code run * 100 + t * (r + 1)}. */
    private static SimulationHarness.RankBody tiles(int run, int timesteps) {
        return (bridge, rank) -> {
            int[] chunk = new int[16 * 16];
            for (int t = 0; t < timesteps; t++) {
                Arrays.fill(chunk, run * 100 + t * (rank + 1));
                bridge.send("array", chunk, t);
            }
            return bridge.close(timesteps - 1);
        };
    }

    private static Deisa sums(SimulationHarness world, String key) {
        Deisa deisa = new Deisa(world.options().build());
        deisa.registerCallback((w, c) -> CallbackRecorder.record(key,
                List.of(w.timestep(), w.get("array").get(0).sum())), List.of(WindowSpec.of("array")));
        return deisa;
    }

    private static List<Object> expectedSums(int run, int timesteps) {
        // 256 elements per tile; the four ranks add t * (1 + 2 + 3 + 4) and 4 * run * 100.
        return IntStream.range(0, timesteps)
                .mapToObj(t -> (Object) List.of((long) t, 256.0 * (4 * run * 100 + 10 * t))).toList();
    }

    @Test
    void backToBackRunsOnTheSamePortsEachGetTheirOwnAnalytics() throws Exception {
        SimulationHarness world = new SimulationHarness(4);
        String first = CallbackRecorder.newKey();
        SimulationHarness.Outcome run1 = world.run(sums(world, first), RunIdentityITCase::tile, tiles(1, 3));
        assertThat(run1.analyticsError()).isNull();
        assertThat(run1.ranks()).containsExactly(2L, 2L, 2L, 2L);

        // At once, on the same head and rendezvous ports: the bridges first, the analytics 2 s later.
        String second = CallbackRecorder.newKey();
        SimulationHarness.Outcome run2 = world.run(sums(world, second), RunIdentityITCase::tile, tiles(2, 3),
                Duration.ZERO, Duration.ofSeconds(2));
        assertThat(run2.analyticsError()).isNull();
        assertThat(run2.ranks()).containsExactly(2L, 2L, 2L, 2L);
        assertThat(CallbackRecorder.observed(first)).isEqualTo(expectedSums(1, 3));
        assertThat(CallbackRecorder.observed(second)).isEqualTo(expectedSums(2, 3));
    }

    @Test
    void anIntruderIsRefusedAndTheRunGoesOn() throws Exception {
        SimulationHarness world = new SimulationHarness(2);
        String key = CallbackRecorder.newKey();
        Deisa deisa = new Deisa(world.options().build());
        deisa.registerCallback((w, c) -> CallbackRecorder.record(key, w.get("array").get(0).sum()),
                List.of(WindowSpec.of("array")));
        SimulationHarness.Outcome outcome = world.run(deisa, world.scalars("array"), (bridge, rank) -> {
            for (int t = 0; t <= 5; t++) {
                bridge.send("array", new int[] {t * (rank + 1)}, t);
                if (rank == 0 && t == 3) {
                    // A mis-launched process claims to be bridge 1 once the world is complete.
                    long start = System.nanoTime();
                    assertThatThrownBy(() -> new Bridge(1, world.scalars("array").apply(1), world.system(),
                                    new StrayCommunicator(1, 2)))
                            .isInstanceOf(DeisaException.class)
                            .hasMessageContaining("refused bridge 1")
                            .hasMessageContaining("does not belong to it")
                            .hasMessageContaining("simulation stray (from /127.0.0.1:");
                    assertThat(Duration.ofNanos(System.nanoTime() - start)).as("refused at once")
                            .isLessThan(world.connectTimeout);
                }
            }
            return bridge.close(5);
        });
        assertThat(outcome.analyticsError()).isNull();
        assertThat(outcome.ranks()).containsExactly(5L, 5L);
        assertThat(CallbackRecorder.observed(key)).containsExactly(0.0, 3.0, 6.0, 9.0, 12.0, 15.0);
    }

    @Test
    void aDuplicateIdBeforeTheWorldIsCompleteFailsTheRunNamingBothAddresses() throws Exception {
        SimulationHarness world = new SimulationHarness(2);
        Deisa deisa = new Deisa(world.options().build());
        deisa.registerCallback((w, c) -> { }, List.of(WindowSpec.of("array")));
        CompletableFuture<Void> analytics = CompletableFuture.runAsync(deisa::executeCallbacks);
        CompletableFuture<Bridge> original = CompletableFuture.supplyAsync(() ->
                new Bridge(1, world.scalars("array").apply(1), world.system(), new StrayCommunicator(1, 2)));
        // Whichever registers second breaks the world: both are told, with both addresses.
        CompletableFuture<Bridge> duplicate = CompletableFuture.supplyAsync(() ->
                new Bridge(1, world.scalars("array").apply(1), world.system(), new StrayCommunicator(1, 2)));
        String both = "Bridge id 1 registered twice: from /127.0.0.1:\\d+ and from /127.0.0.1:\\d+";
        for (CompletableFuture<Bridge> bridge : List.of(original, duplicate)) {
            assertThatThrownBy(() -> bridge.get(60, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(ContractError.class).hasMessageMatching(both);
        }
        assertThatThrownBy(() -> analytics.get(60, TimeUnit.SECONDS))
                .cause().isInstanceOf(DeisaExecutionException.class).hasMessageMatching(".*" + both + ".*");
    }

    @Test
    void aWorldThatNeverCompletesFailsTheRunNamingWhoRegistered() throws Exception {
        SimulationHarness world = new SimulationHarness(2, Duration.ofSeconds(60));
        Configuration conf = new Configuration();
        conf.setString(BridgeSourceOptions.REGISTRATION_TIMEOUT.key(), "3 s");
        Deisa deisa = new Deisa(world.options().configuration(conf).build());
        deisa.registerCallback((w, c) -> { }, List.of(WindowSpec.of("array")));
        CompletableFuture<Bridge> lonely = CompletableFuture.supplyAsync(() ->
                new Bridge(0, world.scalars("array").apply(0), world.system(), new StrayCommunicator(0, 2)));
        long start = System.nanoTime();
        assertThatThrownBy(deisa::executeCallbacks)
                .isInstanceOf(DeisaExecutionException.class)
                .hasMessageContaining("Not every bridge registered at the analytics head")
                .hasMessageContaining("within PT3S (" + BridgeSourceOptions.REGISTRATION_TIMEOUT.key() + ")")
                .hasMessageMatching(".*only bridge\\(s\\) \\[0 \\(from /127.0.0.1:\\d+\\)\\] of world size 2 registered.*");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
        assertThatThrownBy(() -> lonely.get(30, TimeUnit.SECONDS))
                .cause().isInstanceOf(DeisaException.class)
                .hasMessageContaining("Not every bridge registered");
    }
}
