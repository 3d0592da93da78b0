package io.deisa.bench.process;

import io.deisa.analytics.AnalyticsCallback;
import io.deisa.analytics.CallbackContext;
import io.deisa.analytics.ChunkAggregates;
import io.deisa.analytics.DeisaArray;
import io.deisa.analytics.Summary;
import io.deisa.analytics.WindowSpec;
import io.deisa.analytics.Windows;
import io.deisa.bridge.internal.Ports;
import io.deisa.examples.heat2d.Heat2dAnalytics;
import io.deisa.job.Deisa;
import io.deisa.job.DeisaOptions;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.StateBackendOptions;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * A benchmark analytics process: one callback over array {@value BridgesMain#ARRAY} on an embedded
 * Flink cluster, recording per timestep the wall-clock nanoseconds at which the callback started and
 * ended (and, with {@code --gc-every}, the live heap after a full collection). Writes the table when
 * the simulation closed the run.
 */
@Command(name = "analytics", mixinStandardHelpOptions = true,
        description = "Benchmark analytics on an embedded Flink cluster.")
public final class AnalyticsMain implements Callable<Integer> {

    /** What the benchmark callback does with each timestep. */
    public enum Work {
        /** Nothing: measures the pipeline alone. */
        NOOP,
        /** The global mean of the newest array. */
        MEAN,
        /** Global mean, min and max of the newest array. */
        MEAN_MIN_MAX,
        /** Publishes feedback {@value BridgesMain#ACK} = t, which the latency bridges wait for. */
        ACK,
        /** The change of the global mean across the window (newest minus oldest). */
        WINDOW_CHANGE
    }

    /** How the callback reads the array: the S6 forms of chunk-parallel analytics. */
    public enum Form {
        /** Whole arrays, assembled in the callback's task. */
        WHOLE,
        /** Each chunk downsampled 2 x 2 (block means) where it is read, the smaller array assembled. */
        PREPROCESS,
        /** {@code ChunkAggregates.summary()} per timestep, never assembled. */
        AGGREGATE
    }

    /** Callback timings, one row per timestep; the callback runs in this JVM (embedded cluster). */
    static final TimingTable TIMES =
            new TimingTable("t", "callbackStart", "callbackEnd", "liveHeap", "threads", "openFds");

    /** Timesteps between two samples of this JVM's threads and open descriptors. */
    private static final int RESOURCE_SAMPLE_EVERY = 10;

    /** This JVM's live threads, sampled every few timesteps (0 when not sampled). */
    static long threads(long t) {
        return t % RESOURCE_SAMPLE_EVERY == 0 ? ManagementFactory.getThreadMXBean().getThreadCount() : 0;
    }

    /** This JVM's open file descriptors (sockets included), sampled every few timesteps (0 otherwise). */
    static long openFds(long t) {
        if (t % RESOURCE_SAMPLE_EVERY == 0
                && ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean os) {
            return os.getOpenFileDescriptorCount();
        }
        return 0;
    }

    @Option(names = "--head", required = true, description = "Address the head listens on, host:port.")
    String head;

    @Option(names = "--work", defaultValue = "NOOP", description = "Callback work: ${COMPLETION-CANDIDATES}.")
    Work work;

    @Option(names = "--form", defaultValue = "WHOLE", description = "How the callback reads the array: ${COMPLETION-CANDIDATES}.")
    Form form;

    @Option(names = "--chunk", defaultValue = "", description = "The bridges' chunk shape, ROWSxCOLS (needed by --form PREPROCESS).")
    String chunk;

    @Option(names = "--parallelism", defaultValue = "0", description = "DeisaOptions.parallelism (readers); 0: the default.")
    int parallelism;

    @Option(names = "--window", defaultValue = "1", description = "Window size of the callback.")
    int window;

    @Option(names = "--buffer-timeout-ms", defaultValue = "5", description = "execution.buffer-timeout.")
    long bufferTimeoutMs;

    @Option(names = "--state-backend", defaultValue = "hashmap", description = "hashmap or rocksdb.")
    String stateBackend;

    @Option(names = "--checkpoint-interval-ms", defaultValue = "-1",
            description = "DeisaOptions.checkpointInterval in ms; 0: no checkpoint; negative: the default.")
    long checkpointIntervalMs;

    @Option(names = "--gc-every", defaultValue = "0",
            description = "Every this many timesteps, collect (System.gc) after the callback and record the"
                    + " live heap; 0: never.")
    int gcEvery;

    @Option(names = "--max-ahead", defaultValue = "1",
            description = "DeisaOptions.maxSimulationAhead (default: ${DEFAULT-VALUE}).")
    int maxAhead;

    @Option(names = "--out", required = true, description = "Timing table to write.")
    Path out;

    @Option(names = "--checkpoint-stats",
            description = "Where to write the checkpoint summary (count, size, duration) read from the REST API.")
    Path checkpointStats;

    /** Runs the process; exits with the command's status. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new AnalyticsMain()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    @Override
    public Integer call() {
        Configuration conf = new Configuration();
        conf.set(ExecutionOptions.BUFFER_TIMEOUT, Duration.ofMillis(bufferTimeoutMs));
        conf.set(StateBackendOptions.STATE_BACKEND, stateBackend);
        JobWatcher watcher = null;
        if (checkpointStats != null) {
            int restPort = Ports.free();
            conf.set(RestOptions.BIND_PORT, Integer.toString(restPort));
            // the REST API's task metrics (write-bytes) are refreshed this often (default 10 s)
            conf.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofMillis(250));
            watcher = new JobWatcher("http://127.0.0.1:" + restPort, TIMES::size);
        }
        DeisaOptions.Builder options = DeisaOptions.builder().head(head).configuration(conf).maxSimulationAhead(maxAhead);
        if (checkpointIntervalMs >= 0) {
            options.checkpointInterval(Duration.ofMillis(checkpointIntervalMs));
        }
        if (parallelism > 0) {
            options.parallelism(parallelism);
        }
        Deisa deisa = new Deisa(options.build());
        deisa.registerCallback(new TimedCallback(work, gcEvery, form), List.of(spec()));
        try {
            deisa.executeCallbacks();
        } finally {
            if (watcher != null) {
                watcher.close();
                watcher.summary().write(checkpointStats);
            }
        }
        TIMES.write(out);
        return 0;
    }

    private WindowSpec spec() {
        WindowSpec spec = WindowSpec.of(BridgesMain.ARRAY, window);
        return switch (form) {
            case WHOLE -> spec;
            case AGGREGATE -> spec.aggregate(ChunkAggregates.summary());
            case PREPROCESS -> {
                String[] dims = chunk.split("x");
                if (dims.length != 2) {
                    throw new IllegalArgumentException("--form PREPROCESS needs --chunk ROWSxCOLS, got '" + chunk + "'");
                }
                yield spec.preprocess(new int[] {Integer.parseInt(dims[0]) / 2, Integer.parseInt(dims[1]) / 2},
                        new Heat2dAnalytics.BlockMean(2));
            }
        };
    }

    /** Runs {@link Work} and records its timing in {@link #TIMES}. */
    private static final class TimedCallback implements AnalyticsCallback {
        private static final long serialVersionUID = 1L;
        private final Work work;
        private final int gcEvery;
        private final Form form;

        TimedCallback(Work work, int gcEvery, Form form) {
            this.work = work;
            this.gcEvery = gcEvery;
            this.form = form;
        }

        @Override
        public void call(Windows windows, CallbackContext context) {
            long start = WallClock.nanos();
            long t = windows.timestep();
            if (form == Form.AGGREGATE) {
                Summary summary = windows.<Summary>aggregates(BridgesMain.ARRAY).get(0);
                if (Double.isNaN(summary.mean())) {
                    throw new IllegalStateException("the benchmark data holds no NaN, got a NaN mean at timestep " + t);
                }
                TIMES.add(t, start, WallClock.nanos(), 0, threads(t), openFds(t));
                return;
            }
            List<DeisaArray> arrays = windows.get(BridgesMain.ARRAY);
            DeisaArray newest = arrays.get(arrays.size() - 1);
            double result = switch (work) {
                case NOOP -> 0;
                case MEAN -> newest.mean();
                case MEAN_MIN_MAX -> newest.mean() + newest.min() + newest.max();
                case ACK -> {
                    context.set(BridgesMain.ACK, t, t);
                    yield 0;
                }
                case WINDOW_CHANGE -> newest.mean() - arrays.get(0).mean();
            };
            long end = WallClock.nanos();
            long liveHeap = 0;
            if (gcEvery > 0 && t % gcEvery == 0) {
                System.gc();
                liveHeap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            }
            if (Double.isNaN(result)) {
                throw new IllegalStateException("the benchmark data holds no NaN, got a NaN result at timestep " + t);
            }
            TIMES.add(t, start, end, liveHeap, threads(t), openFds(t));
        }
    }
}
