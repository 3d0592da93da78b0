package io.deisa.job;

import io.deisa.analytics.AnalyticsCallback;
import io.deisa.analytics.DeisaArray;
import io.deisa.analytics.ExceptionHandler;
import io.deisa.analytics.When;
import io.deisa.analytics.WindowSpec;
import io.deisa.connector.source.BridgeSourceOptions;
import io.deisa.operators.CallbackSpec;
import io.deisa.operators.RunFailure;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The analytics side: register callbacks over windows of arrays, then run them as a Flink job fed
 * by the simulation's bridges.
 *
 * <pre>{@code
 * Deisa deisa = new Deisa(DeisaOptions.builder().maxSimulationAhead(2).build());
 * deisa.registerCallback((windows, ctx) -> {
 *     DeisaArray t = windows.get("temperature").get(0);
 *     System.out.printf("t=%d mean=%.3f%n", windows.timestep(), t.mean());
 * }, List.of(WindowSpec.of("temperature")));
 * deisa.executeCallbacks();   // returns when the simulation closed and every callback ran
 * }</pre>
 *
 * <p>Run as a plain program, {@link #executeCallbacks()} starts an embedded Flink cluster with
 * the web UI; submitted with {@code flink run}, it runs on that session cluster.
 */
@PublicEvolving
public final class Deisa {
    private static final Logger LOG = LoggerFactory.getLogger(Deisa.class);

    private final DeisaOptions options;
    private final List<CallbackSpec> callbacks = new ArrayList<>();
    private final List<AnalyticsJob.ArrayOutput> outputs = new ArrayList<>();

    /** Analytics with the default options. */
    public Deisa() {
        this(DeisaOptions.builder().build());
    }

    /** Analytics with {@code options}; nothing starts until {@link #executeCallbacks()}. */
    public Deisa(DeisaOptions options) {
        if (options == null) {
            throw new IllegalArgumentException("options must not be null");
        }
        this.options = options;
    }

    /** Registers {@code cb} over {@code arrays}, triggered with {@link When#AND}. */
    public AnalyticsCallback registerCallback(AnalyticsCallback cb, List<WindowSpec> arrays) {
        return registerCallback(cb, arrays, When.AND);
    }

    /** Registers {@code cb} over {@code arrays}, triggered as {@code when} says. */
    public AnalyticsCallback registerCallback(AnalyticsCallback cb, List<WindowSpec> arrays, When when) {
        return registerCallback(cb, arrays, when, null);
    }

    /**
     * Registers {@code cb} over {@code arrays}, triggered as {@code when} says, with {@code handler}
     * for the exceptions it throws ({@code null}: log and go on).
     *
     * @return {@code cb} itself
     * @throws IllegalArgumentException when {@code arrays} is empty or names an array twice, or
     *     {@code cb} or {@code when} is null
     */
    public AnalyticsCallback registerCallback(
            AnalyticsCallback cb, List<WindowSpec> arrays, When when, ExceptionHandler handler) {
        if (cb == null || when == null) {
            throw new IllegalArgumentException("callback and when must not be null");
        }
        if (arrays == null || arrays.isEmpty()) {
            throw new IllegalArgumentException("A callback must request at least one array");
        }
        callbacks.add(CallbackSpec.of(callbacks.size(), cb, arrays, when, handler));
        return cb;
    }

    /** Starts a fluent registration over {@code arrays}. */
    public Registration callback(WindowSpec... arrays) {
        return new Registration(this, List.copyOf(Arrays.asList(arrays)));
    }

    /**
     * Sends every complete array named {@code arrayName}, at every timestep, to {@code sink}, for
     * instance one of {@code io.deisa.sinks.ArraySinks} (module {@code deisa-sinks}):
     *
     * <pre>{@code
     * deisa.writeArrays("temperature", ArraySinks.hdf5(Path.of("temperature.h5")));  // datasets "0", "1", ...
     * }</pre>
     *
     * <p>The sink runs with parallelism 1, next to the callbacks and independently of them:
     * {@code maxSimulationAhead} does not wait for it. With more than one reader ({@code
     * DeisaOptions.parallelism}) arrays reach it in the order they complete, which is not always
     * timestep order; each array carries its timestep ({@code DeisaArray.t()}). At least one
     * callback must still be registered before {@link #executeCallbacks()}.
     *
     * @param arrayName the array to write; the bridges must declare it, as for a callback
     * @param sink a stateless Flink Sink V2 (no committer, no writer state)
     * @throws IllegalArgumentException when {@code arrayName} is blank, {@code sink} is null or is
     *     a committing or stateful sink
     */
    public void writeArrays(String arrayName, Sink<DeisaArray> sink) {
        if (arrayName == null || arrayName.isBlank()) {
            throw new IllegalArgumentException("arrayName must not be null or blank");
        }
        if (sink == null) {
            throw new IllegalArgumentException("sink must not be null");
        }
        if (sink instanceof SupportsCommitter<?> || sink instanceof SupportsWriterState<?, ?>) {
            throw new IllegalArgumentException(
                    "writeArrays takes a stateless sink (no committer, no writer state), got " + sink.getClass().getName());
        }
        outputs.add(new AnalyticsJob.ArrayOutput(arrayName, sink));
    }

    /**
     * Builds the Flink job and runs it until the simulation closed and every callback ran.
     *
     * @throws IllegalStateException when no callback is registered
     * @throws DeisaExecutionException when the job fails; its cause chain holds the original error
     */
    public void executeCallbacks() {
        if (callbacks.isEmpty()) {
            throw new IllegalStateException("No callback registered: register one before executeCallbacks()");
        }
        AnalyticsJob job = new AnalyticsJob(List.copyOf(callbacks), List.copyOf(outputs), options);
        Configuration conf = job.configuration();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        if (env instanceof LocalStreamEnvironment && !options.checkpointInterval().isZero()
                && !conf.contains(CheckpointingOptions.CHECKPOINTS_DIRECTORY)) {
            // Windows hold whole arrays: the JobManager's memory (the default checkpoint storage)
            // takes a few MiB per state at most. A cluster brings its own state.checkpoints.dir.
            conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                    Path.of(System.getProperty("java.io.tmpdir"), "deisa-checkpoints").toUri().toString());
            env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        }
        if (env instanceof LocalStreamEnvironment) {
            String url = "http://localhost:" + WebUiPort.first(conf.get(RestOptions.BIND_PORT));
            LOG.info("Flink web UI: {}", url);
            System.out.println("deisa: analytics running on an embedded Flink cluster, web UI at " + url);
        }
        job.build(env);
        JobExecutionResult result;
        try {
            StreamGraph graph = env.getStreamGraph();
            graph.setJobName(AnalyticsJob.JOB_NAME);
            if (!options.checkpointInterval().isZero()) {
                graph.registerJobStatusHook(new RunOverHook(options.head(),
                        options.configuration().get(BridgeSourceOptions.FAILED_RUN_NOTICE)));
            }
            result = env.execute(graph);
        } catch (Exception e) {
            throw new DeisaExecutionException("The deisa analytics job failed: " + failureMessage(e), e);
        }
        if (result.isJobExecutionResult()) {
            LOG.info("Analytics finished: {} callback(s) ran to the end of the simulation", callbacks.size());
        } else {
            LOG.info("Analytics job {} submitted; it runs on the cluster until the simulation closes",
                    result.getJobID());
        }
    }

    /**
     * What the failure says: the message of a {@link RunFailure} in the cause chain (it names the
     * callback, or the array, timestep and chunk), else the root cause's class and message.
     */
    static String failureMessage(Throwable error) {
        for (Throwable t = error; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof RunFailure) {
                return t.getMessage();
            }
        }
        return rootMessage(error);
    }

    private static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }
}
