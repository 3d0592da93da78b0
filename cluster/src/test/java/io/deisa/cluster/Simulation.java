package io.deisa.cluster;

import io.deisa.bridge.ArrayMetadata;
import io.deisa.bridge.Bridge;
import io.deisa.bridge.DType;
import io.deisa.bridge.SystemMetadata;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A small simulation for the session-cluster tests: {@code ranks} threads, each with a {@link Bridge}
 * sharing its 2 x 3 block of a 2 x (3 ranks) float64 array {@code temperature} every timestep, then
 * reading the analytics' feedback back. It keeps what every rank sent, so that tests can compute the
 * expected analytics independently.
 */
final class Simulation {
    static final String ARRAY = "temperature";
    private static final int ROWS = 2;
    private static final int COLS = 3;

    private final int ranks;
    private final int timesteps;
    private final String head;
    /** Per timestep, per rank: the values that rank sent. */
    private final Map<Long, double[][]> sent = new ConcurrentHashMap<>();

    Simulation(int ranks, int timesteps, String head) {
        this.ranks = ranks;
        this.timesteps = timesteps;
        this.head = head;
    }

    /** What one rank does between its last {@code send} and its {@code close}. */
    @FunctionalInterface
    interface BeforeClose {
        void run(int rank) throws Exception;
    }

    /**
     * Runs every rank to the end, then reads the feedback {@code keys} of every timestep; returns,
     * per rank, per key, the value of each timestep.
     */
    List<Map<String, List<Object>>> run(BeforeClose beforeClose, String... keys) throws Exception {
        int masterPort = SessionCluster.freePort();
        ExecutorService pool = Executors.newFixedThreadPool(ranks);
        try {
            List<Future<Map<String, List<Object>>>> futures = new ArrayList<>();
            for (int rank = 0; rank < ranks; rank++) {
                int r = rank;
                futures.add(pool.submit(() -> rank(r, masterPort, beforeClose, keys)));
            }
            List<Map<String, List<Object>>> results = new ArrayList<>();
            for (Future<Map<String, List<Object>>> future : futures) {
                try {
                    results.add(future.get(90, TimeUnit.SECONDS));
                } catch (ExecutionException e) {
                    throw new AssertionError("a rank failed", e.getCause());
                }
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    private Map<String, List<Object>> rank(int rank, int masterPort, BeforeClose beforeClose, String... keys)
            throws Exception {
        SystemMetadata system = SystemMetadata.builder()
                .worldSize(ranks)
                .masterAddress("127.0.0.1")
                .masterPort(masterPort)
                .head(head)
                .connectTimeout(Duration.ofSeconds(60))
                .build();
        ArrayMetadata block = ArrayMetadata.builder()
                .chunkShape(ROWS, COLS)
                .chunksPerDim(1, ranks)
                .chunkPosition(0, rank)
                .dtype(DType.FLOAT64)
                .build();
        try (Bridge bridge = new Bridge(rank, Map.of(ARRAY, block), system)) {
            for (long t = 0; t < timesteps; t++) {
                double[] values = values(rank, t);
                sent.computeIfAbsent(t, k -> new double[ranks][])[rank] = values;
                bridge.send(ARRAY, values, t);
            }
            beforeClose.run(rank);
            bridge.close(timesteps - 1);
            Map<String, List<Object>> feedback = new ConcurrentHashMap<>();
            for (String key : keys) {
                List<Object> perTimestep = new ArrayList<>();
                for (long t = 0; t < timesteps; t++) {
                    perTimestep.add(bridge.get(key, t));
                }
                feedback.put(key, perTimestep);
            }
            return feedback;
        }
    }

    /** The block of {@code rank} at {@code t}: a smooth field that heats up with time. */
    private static double[] values(int rank, long t) {
        double[] block = new double[ROWS * COLS];
        for (int i = 0; i < block.length; i++) {
            int column = rank * COLS + i % COLS;
            block[i] = 20.0 + (t + 1) * Math.sin(0.3 * column + i / COLS) + 0.5 * rank;
        }
        return block;
    }

    /** Every value sent at {@code t}, by all ranks. */
    double[] sentAt(long t) {
        return java.util.Arrays.stream(sent.get(t)).flatMapToDouble(java.util.Arrays::stream).toArray();
    }
}
