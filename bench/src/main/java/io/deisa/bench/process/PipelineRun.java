package io.deisa.bench.process;

import io.deisa.bridge.internal.Ports;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One run of the pipeline: an {@link AnalyticsMain} JVM and the bridges in {@code processes}
 * {@link BridgesMain} JVMs, on free loopback ports, awaited with a deadline; returns both timing
 * tables.
 *
 * @param bridges bridges in all
 * @param processes bridge JVMs; the bridges are spread evenly over them as threads
 * @param chunk chunk shape {@code ROWSxCOLS} of every bridge
 * @param dtype {@code float64} or {@code int64}
 * @param timesteps timesteps each bridge sends
 * @param latency whether bridges wait for feedback of each timestep
 * @param analytics the analytics JVM's options (everything but head and output)
 * @param analyticsHeap heap of the analytics JVM ({@code -Xms = -Xmx})
 * @param bridgeHeap heap of each bridge JVM
 * @param timeout deadline of the whole run
 * @param language the bridges' language: Java ({@link BridgesMain} JVMs), or Python or C ranks under
 *     mpirun (one process per bridge, {@link NativeRanks}; float64 only, no latency mode)
 */
public record PipelineRun(int bridges, int processes, String chunk, String dtype, int timesteps, boolean latency,
        List<String> analytics, String analyticsHeap, String bridgeHeap, Duration timeout, NativeRanks.Language language) {

    /** A run of Java bridges. */
    public PipelineRun(int bridges, int processes, String chunk, String dtype, int timesteps, boolean latency,
            List<String> analytics, String analyticsHeap, String bridgeHeap, Duration timeout) {
        this(bridges, processes, chunk, dtype, timesteps, latency, analytics, analyticsHeap, bridgeHeap, timeout,
                NativeRanks.Language.JAVA);
    }

    /** Extra options of the analytics JVMs (e.g. to profile them), split at spaces. */
    public static final String ANALYTICS_OPTIONS_ENV = "DEISA_BENCH_ANALYTICS_OPTS";
    /** Extra options of the bridge JVMs, split at spaces. */
    public static final String BRIDGE_OPTIONS_ENV = "DEISA_BENCH_BRIDGE_OPTS";

    /** The timing tables of a finished run, and its checkpoints ({@link JobWatcher.Summary#NONE} when none). */
    public record Result(TimingTable callbacks, List<TimingTable> bridges, JobWatcher.Summary checkpoints) {
        /** Every bridge row of every process. */
        public List<long[]> bridgeRows() {
            List<long[]> rows = new ArrayList<>();
            bridges.forEach(table -> rows.addAll(table.rows()));
            return rows;
        }
    }

    /** Runs in {@code directory} (created), where the logs and timing tables stay. */
    public Result run(Path directory) throws InterruptedException, IOException {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String head = "127.0.0.1:" + Ports.free();
        int masterPort = Ports.free();
        Path callbackTimes = directory.resolve("callbacks.tsv");
        Path checkpointStats = directory.resolve("checkpoints.tsv");
        List<Path> bridgeTimes = new ArrayList<>();
        try (ProcessGroup group = new ProcessGroup(directory)) {
            List<String> analyticsArgs = new ArrayList<>(List.of("--head", head, "--out", callbackTimes.toString(),
                    "--checkpoint-stats", checkpointStats.toString()));
            analyticsArgs.addAll(analytics);
            group.start("analytics", JvmCommand.analytics(analyticsHeap, jvmOptions(ANALYTICS_OPTIONS_ENV),
                    AnalyticsMain.class, analyticsArgs));
            if (language != NativeRanks.Language.JAVA) {
                if (latency || !dtype.equals("float64")) {
                    throw new IllegalArgumentException(language + " bridges send float64 chunks without latency mode");
                }
                group.start("bridges", NativeRanks.command(language, bridges, "ingest", List.of("--head", head,
                        "--chunk", chunk, "--timesteps", Integer.toString(timesteps),
                        "--out", directory.resolve("bridges").toString())));
                for (int rank = 0; rank < bridges; rank++) {
                    bridgeTimes.add(directory.resolve("bridges-" + rank + ".tsv"));
                }
            }
            int first = 0;
            for (int p = 0; language == NativeRanks.Language.JAVA && p < processes; p++) {
                int count = bridges / processes + (p < bridges % processes ? 1 : 0);
                Path out = directory.resolve("bridges-" + p + ".tsv");
                bridgeTimes.add(out);
                List<String> args = new ArrayList<>(List.of("--head", head, "--master-port", Integer.toString(masterPort),
                        "--world", Integer.toString(bridges), "--first", Integer.toString(first),
                        "--count", Integer.toString(count), "--chunk", chunk, "--dtype", dtype,
                        "--timesteps", Integer.toString(timesteps), "--out", out.toString()));
                if (latency) {
                    args.add("--latency");
                }
                group.start("bridges-" + p, JvmCommand.of(bridgeHeap, jvmOptions(BRIDGE_OPTIONS_ENV),
                        BridgesMain.class, args));
                first += count;
            }
            group.awaitAll(timeout);
        }
        return new Result(TimingTable.read(callbackTimes), bridgeTimes.stream().map(TimingTable::read).toList(),
                JobWatcher.Summary.read(checkpointStats));
    }

    /** The JVM options in environment variable {@code variable}, split on white space; none when unset. */
    public static List<String> jvmOptions(String variable) {
        String value = System.getenv(variable);
        return value == null || value.isBlank() ? List.of() : List.of(value.strip().split("\\s+"));
    }
}
