package io.deisa.operators;

import io.deisa.analytics.CallbackContext;
import io.deisa.analytics.WindowSpec;
import io.deisa.analytics.Windows;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.FlinkRuntimeException;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * Runs the registered callbacks over windows of assembled arrays, in timestep order and, within a
 * timestep, in registration order.
 *
 * <pre>{@code
 * SingleOutputStreamOperator<TimestepCompleted> progress =
 *         arrays.keyBy(new ConstantKey<>()).process(new CallbackOperator(specs)).name("callbacks");
 * DataStream<FeedbackRecord> feedback = progress.getSideOutput(CallbackOperator.FEEDBACK);
 * }</pre>
 *
 * <p>All callbacks share one key ({@link ConstantKey}), so one instance sees every array. An array
 * that no callback requests is dropped. Others are retained in a {@link WindowStore} and an
 * event-time timer is registered at their timestep; the timer fires once no bridge can send data
 * of that timestep any more. Then, for each callback in registration order:
 *
 * <ul>
 *   <li>{@code AND} runs it if every requested array got new data at the timestep;
 *   <li>{@code OR} runs it if at least one requested array got new data at the timestep and every
 *       requested array has data at or before it;
 *   <li>its windows hold, per requested array, the newest {@code windowSize} arrays at or before
 *       the timestep, oldest first (arrays of later timesteps that already arrived are not shown).
 * </ul>
 *
 * After the callbacks, each array name keeps the newest {@code max(windowSize)} arrays up to the
 * timestep (plus any later ones) and the rest is cleared from state, so state does not grow with
 * the number of timesteps. Then a {@link TimestepCompleted} is emitted.
 *
 * <p>Failures: an {@link Error} (including {@link AssertionError}) from a callback fails the job as
 * it is; a {@link TimeoutException} fails the job wrapped in a {@link FlinkRuntimeException} naming
 * the callback and timestep; any other exception goes to the callback's {@link
 * io.deisa.analytics.ExceptionHandler}, and a handler that throws fails the job.
 *
 * <p>Feedback published with {@link CallbackContext#set} goes to the side output {@link #FEEDBACK}.
 *
 * <p>Metrics: counters {@code callbacksRun}, {@code callbacksFailed} (exceptions handed to a
 * handler), {@code feedbackPublished}, {@code arraysIgnored}; histogram {@code callbackLatencyMs};
 * gauge {@code windowEntries} (arrays retained for windows).
 */
@Internal
public class CallbackOperator
        extends KeyedProcessFunction<Integer, AssembledArray, TimestepCompleted> {

    private static final long serialVersionUID = 1L;

    private static final Logger LOG = LoggerFactory.getLogger(CallbackOperator.class);

    /** Side output of the feedback values published by callbacks. */
    public static final OutputTag<FeedbackRecord> FEEDBACK =
            new OutputTag<>("feedback", TypeInformation.of(FeedbackRecord.class));

    private final List<CallbackSpec> callbacks;

    /** Per requested array name, how many arrays up to a timestep its windows need. */
    private transient Map<String, Integer> retention;

    private transient WindowStore store;
    private transient MapState<String, Long> lastFeedbackTimestep;

    private transient Counter callbacksRun;
    private transient Counter callbacksFailed;
    private transient Counter feedbackPublished;
    private transient Counter arraysIgnored;
    private transient Histogram callbackLatencyMs;

    /**
     * @param callbacks the registered callbacks; they run in the order of {@link
     *     CallbackSpec#index()}
     * @throws IllegalArgumentException if {@code callbacks} is empty
     */
    public CallbackOperator(List<CallbackSpec> callbacks) {
        if (callbacks.isEmpty()) {
            throw new IllegalArgumentException("CallbackOperator needs at least one callback");
        }
        List<CallbackSpec> ordered = new ArrayList<>(callbacks);
        ordered.sort(Comparator.comparingInt(CallbackSpec::index));
        this.callbacks = ordered;
    }

    @Override
    public void open(OpenContext openContext) {
        retention = new HashMap<>();
        for (CallbackSpec spec : callbacks) {
            for (WindowSpec array : spec.arrays()) {
                retention.merge(array.name(), array.windowSize(), Math::max);
            }
        }
        store = new WindowStore(getRuntimeContext());
        lastFeedbackTimestep =
                getRuntimeContext().getMapState(FeedbackCollector.lastTimestepDescriptor());

        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        callbacksRun = metrics.counter("callbacksRun");
        callbacksFailed = metrics.counter("callbacksFailed");
        feedbackPublished = metrics.counter("feedbackPublished");
        arraysIgnored = metrics.counter("arraysIgnored");
        callbackLatencyMs =
                metrics.histogram(
                        "callbackLatencyMs",
                        new DescriptiveStatisticsHistogram(ChunkAssembler.HISTOGRAM_WINDOW));
        metrics.gauge("windowEntries", store::retainedArrays);
    }

    @Override
    public void processElement(
            AssembledArray array, Context ctx, Collector<TimestepCompleted> out) throws Exception {
        if (!retention.containsKey(array.name)) {
            arraysIgnored.inc();
            return;
        }
        long watermark = ctx.timerService().currentWatermark();
        if (array.timestep <= watermark) {
            throw new IllegalStateException(
                    "Array '"
                            + array.name
                            + "' at timestep "
                            + array.timestep
                            + " arrived after the callbacks of that timestep were evaluated"
                            + " (watermark "
                            + watermark
                            + ")");
        }
        store.add(array);
        ctx.timerService().registerEventTimeTimer(array.timestep);
    }

    /** Fires once {@code timestep} can no longer change: runs its callbacks, then evicts. */
    @Override
    public void onTimer(long timestep, OnTimerContext ctx, Collector<TimestepCompleted> out)
            throws Exception {
        TimestepView view = new TimestepView(store, timestep, retention.keySet());
        CallbackContext feedback =
                new FeedbackCollector(
                        lastFeedbackTimestep,
                        record -> ctx.output(FEEDBACK, record),
                        feedbackPublished);
        int run = 0;
        for (CallbackSpec spec : callbacks) {
            if (spec.isTriggered(view::isNew, view::hasData)) {
                invoke(spec, view.windowsFor(spec.arrays()), feedback);
                run++;
            }
        }
        // Only names new at this timestep can hold more arrays up to it than their windows need.
        for (String name : view.newNames()) {
            store.evict(name, timestep, retention.get(name));
        }
        store.finish(timestep);
        out.collect(new TimestepCompleted(timestep, run));
    }

    private void invoke(CallbackSpec spec, Windows windows, CallbackContext feedback) {
        callbacksRun.inc();
        long started = System.nanoTime();
        try {
            spec.callback().call(windows, feedback);
        } catch (Error error) {
            LOG.error(
                    "{} threw {} at timestep {}: failing the job",
                    spec.name(),
                    error,
                    windows.timestep());
            throw error;
        } catch (TimeoutException timeout) {
            throw new FlinkRuntimeException(
                    spec.name() + " timed out at timestep " + windows.timestep(), timeout);
        } catch (Exception failure) {
            callbacksFailed.inc();
            handle(spec, failure, windows);
        } finally {
            callbackLatencyMs.update((System.nanoTime() - started) / 1_000_000);
        }
    }

    private static void handle(CallbackSpec spec, Exception failure, Windows windows) {
        try {
            spec.handler().handle(failure, windows);
        } catch (Exception handlerFailure) {
            throw new FlinkRuntimeException(
                    "The exception handler of "
                            + spec.name()
                            + " failed at timestep "
                            + windows.timestep()
                            + ": "
                            + handlerFailure,
                    handlerFailure);
        }
    }
}
