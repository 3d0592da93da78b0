package io.deisa.bench.process;

import io.deisa.bridge.ArrayMetadata;
import io.deisa.bridge.Bridge;
import io.deisa.bridge.DType;
import io.deisa.bridge.SystemMetadata;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.LockSupport;

/**
 * A benchmark simulation process: {@code count} bridges (ranks {@code first ..}) in threads, each
 * sending one chunk of array {@value #ARRAY} per timestep on a {@code 1 x world} chunk grid, with
 * no simulation work between sends. In mode {@code latency}, every bridge then polls the feedback
 * {@value #ACK} of that timestep (collectively) until the analytics published it. Writes one row
 * per bridge and timestep: wall-clock nanoseconds at the start and end of {@code send} and when
 * the feedback was seen.
 */
@Command(name = "bridges", mixinStandardHelpOptions = true,
        description = "Benchmark bridges in threads of one process.")
public final class BridgesMain implements Callable<Integer> {
    /** Name of the shared array. */
    public static final String ARRAY = "data";
    /** Feedback key the latency callback publishes. */
    public static final String ACK = "ack";
    private static final long FEEDBACK_POLL_NANOS = 100_000;

    @Option(names = "--head", required = true, description = "The analytics head, host:port.")
    String head;

    @Option(names = "--master-port", required = true, description = "Rendezvous port of bridge 0.")
    int masterPort;

    @Option(names = "--world", required = true, description = "Number of bridges in all processes.")
    int world;

    @Option(names = "--first", defaultValue = "0", description = "First rank of this process.")
    int first;

    @Option(names = "--count", defaultValue = "1", description = "Bridges (threads) in this process.")
    int count;

    @Option(names = "--chunk", required = true, description = "Chunk shape, ROWSxCOLS.")
    String chunk;

    @Option(names = "--dtype", defaultValue = "float64", description = "float64 or int64.")
    String dtype;

    @Option(names = "--timesteps", required = true, description = "Timesteps to send (0 ..).")
    int timesteps;

    @Option(names = "--latency", description = "Wait for the feedback of each timestep before the next.")
    boolean latency;

    @Option(names = "--out", required = true, description = "Timing table to write.")
    Path out;

    /** Runs the process; exits with the command's status. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new BridgesMain()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        int[] shape = Arrays.stream(chunk.split("x")).mapToInt(Integer::parseInt).toArray();
        DType type = DType.of(dtype);
        SystemMetadata system = SystemMetadata.builder()
                .worldSize(world)
                .masterAddress("127.0.0.1")
                .masterPort(masterPort)
                .head(head)
                .connectTimeout(Duration.ofMinutes(2))
                .build();
        TimingTable table = new TimingTable("rank", "t", "sendStart", "sendEnd", "feedbackSeen");
        ExecutorService threads = Executors.newFixedThreadPool(count);
        try {
            List<Future<?>> ranks = new ArrayList<>();
            for (int r = first; r < first + count; r++) {
                int rank = r;
                ranks.add(threads.submit(() -> runRank(rank, shape, type, system, table)));
            }
            for (Future<?> rank : ranks) {
                rank.get();
            }
        } finally {
            threads.shutdownNow();
        }
        table.write(out);
        return 0;
    }

    private Void runRank(int rank, int[] shape, DType type, SystemMetadata system, TimingTable table) {
        ArrayMetadata metadata = ArrayMetadata.builder()
                .chunkShape(shape[0], shape[1])
                .chunksPerDim(1, world)
                .chunkPosition(0, rank)
                .dtype(type)
                .build();
        int elements = shape[0] * shape[1];
        double[] doubles = type == DType.FLOAT64 ? new double[elements] : null;
        long[] longs = type == DType.INT64 ? new long[elements] : null;
        if (doubles == null && longs == null) {
            throw new IllegalArgumentException("dtype must be float64 or int64, got " + dtype);
        }
        for (int i = 0; i < elements; i++) {
            if (doubles != null) {
                doubles[i] = rank + i * 1e-6;
            } else {
                longs[i] = rank + i;
            }
        }
        try (Bridge bridge = new Bridge(rank, Map.of(ARRAY, metadata), system)) {
            for (int t = 0; t < timesteps; t++) {
                long start = WallClock.nanos();
                if (doubles != null) {
                    bridge.send(ARRAY, doubles, t);
                } else {
                    bridge.send(ARRAY, longs, t);
                }
                long end = WallClock.nanos();
                long seen = latency ? awaitFeedback(bridge, t) : 0;
                table.add(rank, t, start, end, seen);
            }
            bridge.close(timesteps - 1);
        }
        return null;
    }

    /** Polls (collectively: every bridge calls get the same number of times) until ack(t) exists. */
    private static long awaitFeedback(Bridge bridge, long t) {
        while (bridge.get(ACK, t) == null) {
            LockSupport.parkNanos(FEEDBACK_POLL_NANOS);
        }
        return WallClock.nanos();
    }
}
