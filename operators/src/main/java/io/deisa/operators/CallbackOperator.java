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
import org.apache.flink.runtime.execution.SuppressRestartsException;
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
 * <p>Failures: an {@link Error} (including {@link AssertionError}) from a callback, or a handler
 * that throws, fails the job without restart whatever the restart strategy ({@link
 * SuppressRestartsException} around the original error), after telling the bridges why through
 * {@link #FEEDBACK} ({@link FeedbackRecord#failure}); a {@link TimeoutException} fails the task
 * wrapped in a {@link FlinkRuntimeException} naming the callback and timestep; any other exception
 * goes to the callback's {@link io.deisa.analytics.ExceptionHandler}. A cancellation of the task
 * (an {@link InterruptedException} or an interrupted thread, see {@link Cancellation}) is neither:
 * it is rethrown, never handed to a handler, and the timestep is not reported as analysed.
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
                retention.merge(array.streamKey(), array.windowSize(), Math::max);
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
        TimestepView view = new TimestepView(store, timestep, retention.keySet(),
                getRuntimeContext().getUserCodeClassLoader());
        CallbackContext feedback =
                new FeedbackCollector(
                        lastFeedbackTimestep,
                        record -> ctx.output(FEEDBACK, record),
                        feedbackPublished);
        int run = 0;
        for (CallbackSpec spec : callbacks) {
            if (spec.isTriggered(view::isNew, view::hasData)) {
                invoke(spec, view.windowsFor(spec.arrays()), feedback, ctx);
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

    private void invoke(
            CallbackSpec spec, Windows windows, CallbackContext feedback, OnTimerContext ctx) throws Exception {
        callbacksRun.inc();
        long started = System.nanoTime();
        try {
            spec.callback().call(windows, feedback);
        } catch (Error error) {
            throw fatal(ctx, spec.name() + " threw " + error + " at timestep " + windows.timestep(), error);
        } catch (TimeoutException timeout) {
            throw new FlinkRuntimeException(
                    spec.name() + " timed out at timestep " + windows.timestep(), timeout);
        } catch (Exception failure) {
            if (Cancellation.isCancellation(failure)) {
                // The task is being cancelled: neither a callback failure nor a timestep analysed.
                throw failure;
            }
            callbacksFailed.inc();
            handle(spec, failure, windows, ctx);
        } finally {
            callbackLatencyMs.update((System.nanoTime() - started) / 1_000_000);
        }
        if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedException(
                    "Cancelled while " + spec.name() + " ran at timestep " + windows.timestep());
        }
    }

    private void handle(CallbackSpec spec, Exception failure, Windows windows, OnTimerContext ctx) {
        try {
            spec.handler().handle(failure, windows);
        } catch (Throwable handlerFailure) {
            throw fatal(ctx, "The exception handler of " + spec.name() + " failed at timestep "
                    + windows.timestep() + ": " + handlerFailure, handlerFailure);
        }
    }

    /**
     * A failure that ends the job without restart (API.md: a callback's {@link Error} or a throwing
     * handler): logged, told to the bridges through the feedback stream (the head sends it to every
     * bridge before the job stops), and wrapped so that no restart strategy restarts the job; the
     * original error stays in the cause chain.
     */
    private static SuppressRestartsException fatal(OnTimerContext ctx, String reason, Throwable error) {
        LOG.error("{}: failing the job", reason, error);
        ctx.output(FEEDBACK, FeedbackRecord.failure(reason));
        return new SuppressRestartsException(new RunFailure(reason, error));
    }
}
