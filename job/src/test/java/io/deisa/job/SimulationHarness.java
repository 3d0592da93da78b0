package io.deisa.job;

import io.deisa.bridge.ArrayMetadata;
import io.deisa.bridge.Bridge;
import io.deisa.bridge.DType;
import io.deisa.bridge.SystemMetadata;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Runs a simulated world of bridges in threads against an analytics head, for tests. */
final class SimulationHarness {
    /** What one bridge does between construction and close(t). */
    @FunctionalInterface
    interface RankBody {
        /** Sends this rank's chunks; returns the timestep to close the run at. */
        long run(Bridge bridge, int rank) throws Exception;
    }

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

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
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

    /** Metadata of a 1 x worldSize grid of 1x1 int32 chunks, rank r at (0, r). */
    static ArrayMetadata rowOfScalars(int rank, int worldSize) {
        return ArrayMetadata.builder()
                .chunkShape(1, 1)
                .chunksPerDim(1, worldSize)
                .chunkPosition(0, rank)
                .dtype(DType.INT32)
                .build();
    }

    /** Starts every rank in its own thread: build a bridge with {@code arrays}, run, close. */
    List<Future<Long>> start(ExecutorService pool, Map<String, ArrayMetadata>[] arrays, RankBody body) {
        List<Future<Long>> ranks = new ArrayList<>();
        for (int rank = 0; rank < worldSize; rank++) {
            int r = rank;
            ranks.add(pool.submit(() -> {
                try (Bridge bridge = new Bridge(r, arrays[r], system())) {
                    return bridge.close(body.run(bridge, r));
                }
            }));
        }
        return ranks;
    }

    /** Runs the analytics in this thread and the ranks in threads; returns each rank's close result. */
    List<Long> run(Deisa deisa, Map<String, ArrayMetadata>[] arrays, RankBody body) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(worldSize);
        try {
            List<Future<Long>> ranks = start(pool, arrays, body);
            deisa.executeCallbacks();
            List<Long> closed = new ArrayList<>();
            for (Future<Long> rank : ranks) {
                closed.add(rank.get(60, TimeUnit.SECONDS));
            }
            return closed;
        } finally {
            pool.shutdownNow();
        }
    }

    /** The same metadata map for every rank, built by {@code perRank}. */
    @SuppressWarnings("unchecked")
    Map<String, ArrayMetadata>[] arrays(java.util.function.IntFunction<Map<String, ArrayMetadata>> perRank) {
        Map<String, ArrayMetadata>[] arrays = new Map[worldSize];
        for (int rank = 0; rank < worldSize; rank++) {
            arrays[rank] = perRank.apply(rank);
        }
        return arrays;
    }
}
