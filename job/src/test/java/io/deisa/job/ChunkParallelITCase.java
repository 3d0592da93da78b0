package io.deisa.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.deisa.analytics.ChunkAggregates;
import io.deisa.analytics.ChunkFunction;
import io.deisa.analytics.DeisaArray;
import io.deisa.analytics.Summary;
import io.deisa.analytics.When;
import io.deisa.analytics.WindowSpec;
import io.deisa.bridge.ArrayMetadata;
import io.deisa.bridge.DType;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Chunk-parallel analytics end to end, with 1, 2 and 4 readers: 4 bridges each own one 3x4 chunk
 * of a 6x8 float64 array whose element (i, j) at timestep t is {@code 100 t + 8 i + j}, so every
 * figure has a closed form: sum {@code 4800 t + 1128}, mean {@code 100 t + 23.5}, min {@code 100
 * t}, max {@code 100 t + 47}, population std {@code sqrt((48² - 1) / 12)}; the sum of the chunk at
 * grid position (p, q) is {@code 1200 t + 288 p + 48 q + 114}.
 */
class ChunkParallelITCase {
    private static final int TIMESTEPS = 6;
    private static final double STD = Math.sqrt((48.0 * 48.0 - 1) / 12);

    /** The 2x2 grid of 3x4 chunks of "field", rank r at (r / 2, r % 2); "marker" a row of scalars. */
    private static IntFunction<Map<String, ArrayMetadata>> arrays(SimulationHarness world) {
        return rank -> {
            Map<String, ArrayMetadata> arrays = new LinkedHashMap<>();
            arrays.put("field", ArrayMetadata.builder().dtype(DType.FLOAT64).chunkShape(3, 4).chunksPerDim(2, 2)
                    .chunkPosition(rank / 2, rank % 2).build());
            arrays.put("marker", SimulationHarness.rowOfScalars(rank, world.worldSize));
            return arrays;
        };
    }

    /** Rank r's chunk of "field" at t. */
    private static double[] chunkOf(int rank, long t) {
        int p = rank / 2;
        int q = rank % 2;
        double[] values = new double[12];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 4; j++) {
                values[i * 4 + j] = 100.0 * t + 8 * (3 * p + i) + (4 * q + j);
            }
        }
        return values;
    }

    /** Sends "field" every timestep and "marker" at even ones. */
    private static Object simulate(io.deisa.bridge.Bridge bridge, int rank) {
        for (int t = 0; t < TIMESTEPS; t++) {
            bridge.send("field", chunkOf(rank, t), t);
            if (t % 2 == 0) {
                bridge.send("marker", new int[] {t}, t);
            }
        }
        return bridge.close(TIMESTEPS - 1);
    }

    private static final ChunkFunction CHUNK_SUM = chunk -> {
        double sum = 0;
        for (double v : chunk.toDoubleArray()) {
            sum += v;
        }
        return new double[] {sum};
    };

    @ParameterizedTest(name = "{0} reader(s)")
    @ValueSource(ints = {1, 2, 4})
    void aggregatesAndPreprocessingMatchTheirClosedForms(int readers) throws Exception {
        SimulationHarness world = new SimulationHarness(4);
        String summaries = CallbackRecorder.newKey();
        String sums = CallbackRecorder.newKey();
        String histograms = CallbackRecorder.newKey();
        String combined = CallbackRecorder.newKey();
        String and = CallbackRecorder.newKey();
        String or = CallbackRecorder.newKey();
        Deisa deisa = new Deisa(world.options().parallelism(readers).checkpointInterval(java.time.Duration.ZERO)
                .build());
        WindowSpec summary = WindowSpec.of("field", 3).aggregate(ChunkAggregates.summary());
        deisa.registerCallback((w, c) -> {
            List<Summary> window = w.aggregates("field");
            List<Object> figures = new ArrayList<>();
            for (Summary s : window) {
                // exact, but for the std: the order of the merges changes its last bits
                figures.add(List.of(s.count(), s.sum(), s.mean(), s.min(), s.max(), Math.abs(s.std() - STD) < 1e-12));
            }
            CallbackRecorder.record(summaries, List.of(w.timestep(), figures));
        }, List.of(summary));
        deisa.registerCallback((w, c) -> {
            DeisaArray chunkSums = w.get("field").get(0);
            CallbackRecorder.record(sums, List.of(w.timestep(), List.of(chunkSums.shape()[0], chunkSums.shape()[1]),
                    toList(chunkSums.toDoubleArray()), chunkSums.name()));
        }, List.of(WindowSpec.of("field").preprocess(new int[] {1, 1}, CHUNK_SUM)));
        deisa.registerCallback((w, c) -> {
            long[] counts = w.<long[]>aggregates("field").get(0);
            CallbackRecorder.record(histograms, List.of(w.timestep(), toList(counts)));
        }, List.of(WindowSpec.of("field").aggregate(ChunkAggregates.histogram(6, 0, 600))));
        deisa.registerCallback((w, c) -> {
            Summary s = w.<Summary>aggregates("field").get(0);
            CallbackRecorder.record(combined, List.of(w.timestep(), s.count(), s.sum()));
        }, List.of(WindowSpec.of("field").preprocess(new int[] {1, 1}, CHUNK_SUM).aggregate(ChunkAggregates.summary())));
        deisa.registerCallback((w, c) -> CallbackRecorder.record(and, w.timestep()),
                List.of(summary, WindowSpec.of("marker")), When.AND);
        deisa.registerCallback((w, c) -> CallbackRecorder.record(or,
                        List.of(w.timestep(), w.get("marker").get(0).t(), w.<Summary>aggregates("field").get(0).max())),
                List.of(WindowSpec.of("field").aggregate(ChunkAggregates.summary()), WindowSpec.of("marker")), When.OR);

        SimulationHarness.Outcome outcome = world.run(deisa, arrays(world), ChunkParallelITCase::simulate);

        assertThat(outcome.analyticsError()).isNull();
        assertThat(outcome.ranks()).containsOnly((long) TIMESTEPS - 1);
        List<Object> expectedSummaries = new ArrayList<>();
        List<Object> expectedSums = new ArrayList<>();
        List<Object> expectedHistograms = new ArrayList<>();
        List<Object> expectedCombined = new ArrayList<>();
        List<Object> expectedOr = new ArrayList<>();
        for (long t = 0; t < TIMESTEPS; t++) {
            List<Object> window = new ArrayList<>();
            for (long s = Math.max(0, t - 2); s <= t; s++) {
                window.add(List.of(48L, 4800.0 * s + 1128, 100.0 * s + 23.5, 100.0 * s, 100.0 * s + 47, true));
            }
            expectedSummaries.add(List.of(t, window));
            expectedSums.add(List.of(t, List.of(2L, 2L), List.of(1200.0 * t + 114, 1200.0 * t + 162,
                    1200.0 * t + 402, 1200.0 * t + 450), "field"));
            long[] counts = new long[6];
            counts[(int) t] = 48;
            expectedHistograms.add(List.of(t, toList(counts)));
            expectedCombined.add(List.of(t, 4L, 4800.0 * t + 1128));
            expectedOr.add(List.of(t, t - t % 2, 100.0 * t + 47));
        }
        assertThat(CallbackRecorder.observed(summaries)).containsExactlyElementsOf(expectedSummaries);
        assertThat(CallbackRecorder.observed(sums)).containsExactlyElementsOf(expectedSums);
        assertThat(CallbackRecorder.observed(histograms)).containsExactlyElementsOf(expectedHistograms);
        assertThat(CallbackRecorder.observed(combined)).containsExactlyElementsOf(expectedCombined);
        assertThat(CallbackRecorder.observed(and)).as("AND: only when the marker is new").containsExactly(0L, 2L, 4L);
        assertThat(CallbackRecorder.observed(or)).as("OR: every timestep, with the latest marker")
                .containsExactlyElementsOf(expectedOr);
    }

    /**
     * A preprocessing that returns the wrong length fails the run at once, without restart, and
     * every bridge gets the reason instead of waiting for a head that will not come back.
     */
    @org.junit.jupiter.api.Test
    void aPreprocessingOfTheWrongLengthFailsTheRunAndEveryBridgeGetsTheReason() {
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(45), () -> {
            SimulationHarness world = new SimulationHarness(4);
            Deisa deisa = new Deisa(world.options().build());
            deisa.registerCallback((w, c) -> { },
                    List.of(WindowSpec.of("field").preprocess(new int[] {2, 2}, chunk -> new double[3])));
            SimulationHarness.Outcome outcome = world.run(deisa, arrays(world), ChunkParallelITCase::simulate);
            String reason = "The preprocessing of array 'field' at timestep 0, chunk position [";
            assertThat(outcome.analyticsError()).isInstanceOf(DeisaExecutionException.class)
                    .hasMessageContaining("The deisa analytics job failed: " + reason)
                    .hasMessageContaining("returned 3 values; the output chunk shape [2, 2] needs 4");
            assertThat(outcome.ranks()).allSatisfy(rank -> assertThat(rank)
                    .isInstanceOf(io.deisa.bridge.DeisaException.class)
                    .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.THROWABLE)
                    .hasMessageContaining(reason));
        });
    }

    private static List<Double> toList(double[] values) {
        List<Double> list = new ArrayList<>();
        for (double v : values) {
            list.add(v);
        }
        return list;
    }

    private static List<Long> toList(long[] values) {
        List<Long> list = new ArrayList<>();
        for (long v : values) {
            list.add(v);
        }
        return list;
    }
}
