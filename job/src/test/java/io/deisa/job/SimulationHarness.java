package io.deisa.job;

import io.deisa.bridge.ArrayMetadata;
import io.deisa.bridge.Bridge;
import io.deisa.bridge.DType;
import io.deisa.bridge.SystemMetadata;
import io.deisa.bridge.internal.Ports;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/** Runs a world of bridges in threads against an analytics job, for tests. */
final class SimulationHarness {
    /** What one rank does with its bridge, close included; returns a value for the test. */
    @FunctionalInterface
    interface RankBody {
        Object run(Bridge bridge, int rank) throws Exception;
    }

    /**
     * Outcome of a run.
     *
     * @param analyticsError what executeCallbacks threw, or null
     * @param ranks per rank: the body's result, or the Throwable it ended with
     */
    record Outcome(RuntimeException analyticsError, List<Object> ranks) {}

    final int worldSize;
    final int masterPort;
    final int headPort;
    final Duration connectTimeout;

    SimulationHarness(int worldSize, Duration connectTimeout) {
        this.worldSize = worldSize;
        this.masterPort = freePort();
        this.headPort = freePort();
        this.connectTimeout = connectTimeout;
    }

    SimulationHarness(int worldSize) {
        this(worldSize, Duration.ofSeconds(60));
    }

    static int freePort() {
        return Ports.free();
    }


    String head() {
        return "127.0.0.1:" + headPort;
    }

    SystemMetadata system() {
        return SystemMetadata.builder()
                .worldSize(worldSize)
                .masterAddress("127.0.0.1")
                .masterPort(masterPort)
                .head(head())
                .connectTimeout(connectTimeout)
                .build();
    }

    DeisaOptions.Builder options() {
        return DeisaOptions.builder().head(head()).parallelism(2);
    }

    /** A 1 x worldSize grid of 1x1 int32 chunks, rank r at (0, r). */
    static ArrayMetadata rowOfScalars(int rank, int worldSize) {
        return ArrayMetadata.builder()
                .chunkShape(1, 1)
                .chunksPerDim(1, worldSize)
                .chunkPosition(0, rank)
                .dtype(DType.INT32)
                .build();
    }

    /** Every rank declares the arrays {@code names} as {@link #rowOfScalars}. */
    IntFunction<Map<String, ArrayMetadata>> scalars(String... names) {
        return rank -> {
            Map<String, ArrayMetadata> arrays = new java.util.LinkedHashMap<>();
            for (String name : names) {
                arrays.put(name, rowOfScalars(rank, worldSize));
            }
            return arrays;
        };
    }

    /** Starts every rank in its own thread after {@code delay}. */
    List<Future<Object>> start(
            ExecutorService pool, IntFunction<Map<String, ArrayMetadata>> arrays, RankBody body, Duration delay) {
        List<Future<Object>> ranks = new ArrayList<>();
        for (int rank = 0; rank < worldSize; rank++) {
            int r = rank;
            ranks.add(pool.submit(() -> {
                if (!delay.isZero()) {
                    Thread.sleep(delay.toMillis()); // scenario: the simulation starts later
                }
                try (Bridge bridge = new Bridge(r, arrays.apply(r), system())) {
                    return body.run(bridge, r);
                }
            }));
        }
        return ranks;
    }

    /** Runs the analytics in this thread and the ranks in threads, and collects every outcome. */
    Outcome run(Deisa deisa, IntFunction<Map<String, ArrayMetadata>> arrays, RankBody body) throws Exception {
        return run(deisa, arrays, body, Duration.ZERO, Duration.ZERO);
    }

    /**
     * Like {@link #run(Deisa, IntFunction, RankBody)}, with the simulation starting {@code simDelay}
     * and the analytics {@code analyticsDelay} after the call.
     */
    Outcome run(Deisa deisa, IntFunction<Map<String, ArrayMetadata>> arrays, RankBody body,
            Duration simDelay, Duration analyticsDelay) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(worldSize);
        try {
            List<Future<Object>> ranks = start(pool, arrays, body, simDelay);
            if (!analyticsDelay.isZero()) {
                Thread.sleep(analyticsDelay.toMillis()); // scenario: the analytics start later
            }
            RuntimeException analyticsError = null;
            try {
                deisa.executeCallbacks();
            } catch (RuntimeException e) {
                analyticsError = e;
            }
            List<Object> results = new ArrayList<>();
            for (Future<Object> rank : ranks) {
                try {
                    results.add(rank.get(60, TimeUnit.SECONDS));
                } catch (ExecutionException e) {
                    results.add(e.getCause());
                }
            }
            return new Outcome(analyticsError, results);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Sends chunk {@code t * (rank + 1)} of {@code array} for t = first..last, then closes at last. */
    static RankBody scalarsThenClose(String array, int first, int last) {
        return (bridge, rank) -> {
            for (int t = first; t <= last; t++) {
                bridge.send(array, new int[] {t * (rank + 1)}, t);
            }
            return bridge.close(last);
        };
    }
}
