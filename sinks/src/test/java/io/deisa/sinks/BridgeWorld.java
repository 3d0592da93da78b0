package io.deisa.sinks;

import io.deisa.bridge.ArrayMetadata;
import io.deisa.bridge.Bridge;
import io.deisa.bridge.DType;
import io.deisa.bridge.SystemMetadata;
import io.deisa.bridge.internal.Ports;
import io.deisa.job.Deisa;
import io.deisa.job.DeisaOptions;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A 1×worldSize row of bridges in threads, each sending 1×1 INT32 chunks {@code t * (rank + 1)} of
 * the same arrays at every timestep, against an analytics job (a trimmed copy of deisa-job's
 * test harness, which is not published as a test jar).
 */
final class BridgeWorld {
    private final int worldSize;
    private final int masterPort = freePort();
    private final int headPort = freePort();

    BridgeWorld(int worldSize) {
        this.worldSize = worldSize;
    }

    /** Options pointing the analytics at this world's head. */
    DeisaOptions options() {
        return DeisaOptions.builder().head("127.0.0.1:" + headPort).parallelism(2).build();
    }

    /**
     * Runs the analytics in this thread while every rank sends {@code arrays} for t = 0..last and
     * closes; returns each rank's {@code close} result.
     */
    List<Long> run(Deisa deisa, int last, String... arrays) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(worldSize);
        try {
            List<Future<Long>> ranks = new ArrayList<>();
            for (int rank = 0; rank < worldSize; rank++) {
                int r = rank;
                ranks.add(pool.submit(() -> {
                    try (Bridge bridge = new Bridge(r, declare(r, arrays), system())) {
                        for (int t = 0; t <= last; t++) {
                            for (String array : arrays) {
                                bridge.send(array, new int[] {t * (r + 1)}, t);
                            }
                        }
                        return bridge.close(last);
                    }
                }));
            }
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

    private Map<String, ArrayMetadata> declare(int rank, String... arrays) {
        Map<String, ArrayMetadata> declared = new LinkedHashMap<>();
        for (String array : arrays) {
            declared.put(array, ArrayMetadata.builder()
                    .chunkShape(1, 1)
                    .chunksPerDim(1, worldSize)
                    .chunkPosition(0, rank)
                    .dtype(DType.INT32)
                    .build());
        }
        return declared;
    }

    private SystemMetadata system() {
        return SystemMetadata.builder()
                .worldSize(worldSize)
                .masterAddress("127.0.0.1")
                .masterPort(masterPort)
                .head("127.0.0.1:" + headPort)
                .connectTimeout(Duration.ofSeconds(60))
                .build();
    }

    private static int freePort() {
        return Ports.free();
    }

}
