package io.deisa.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deisa.analytics.AnalyticsCallback;
import io.deisa.analytics.DeisaArray;
import io.deisa.analytics.ExceptionHandler;
import io.deisa.analytics.WindowSpec;
import io.deisa.analytics.When;
import io.deisa.operators.Harnesses.Backend;
import io.deisa.wire.FeedbackCodec;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.util.FlinkRuntimeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

class CallbackOperatorTest {

    private String log;
    private KeyedOneInputStreamOperatorTestHarness<Integer, AssembledArray, TimestepCompleted>
            harness;

    @BeforeEach
    void createLog() {
        log = CallLog.create();
    }

    @AfterEach
    void close() throws Exception {
        if (harness != null) {
            harness.close();
        }
        CallLog.remove(log);
    }

    // ---------------------------------------------------------------- helpers

    private void open(Backend backend, CallbackSpec... callbacks) throws Exception {
        harness =
                Harnesses.open(
                        new CallbackOperator(List.of(callbacks)),
                        new ConstantKey<>(),
                        Types.INT,
                        backend);
    }

    private void send(String array, long timestep) throws Exception {
        harness.processElement(TestData.array(array, timestep), timestep);
    }

    private void finish(long timestep) throws Exception {
        harness.processWatermark(timestep);
    }

    private List<String> events() {
        return CallLog.events(log);
    }

    private List<TimestepCompleted> completed() {
        return harness.extractOutputValues();
    }

    private Collection<StreamRecord<FeedbackRecord>> feedbackOutput() {
        return harness.getSideOutput(CallbackOperator.FEEDBACK);
    }

    private static CallbackSpec spec(
            int index, AnalyticsCallback callback, When when, WindowSpec... arrays) {
        return CallbackSpec.of(index, callback, List.of(arrays), when, null);
    }

    /** Records "label@t NAME=[timesteps of its window]". */
    private static AnalyticsCallback recording(String log, String label) {
        return (windows, context) -> CallLog.add(log, CallLog.describe(label, windows));
    }

    /** Records the handled exception and the timestep. */
    private static ExceptionHandler recordingHandler(String log) {
        return (error, windows) -> CallLog.add(log, "handled " + error + " @" + windows.timestep());
    }

    // ---------------------------------------------------------------- windows and triggers

    @ParameterizedTest
    @EnumSource(Backend.class)
    void windowOfTwoSlidesOneTimestepAtATime(Backend backend) throws Exception {
        open(backend, spec(0, recording(log, "cb"), When.AND, WindowSpec.of("T", 2)));
        for (long t = 0; t < 5; t++) {
            send("T", t);
            finish(t);
        }
        assertThat(events())
                .containsExactly(
                        "cb@0 T=[0]", "cb@1 T=[0, 1]", "cb@2 T=[1, 2]", "cb@3 T=[2, 3]",
                        "cb@4 T=[3, 4]");
        assertThat(completed())
                .containsExactly(
                        new TimestepCompleted(0, 1),
                        new TimestepCompleted(1, 1),
                        new TimestepCompleted(2, 1),
                        new TimestepCompleted(3, 1),
                        new TimestepCompleted(4, 1));
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void orRunsWhenOneArrayIsNewAndAndNeverWhenArraysAlternate(Backend backend) throws Exception {
        WindowSpec a = WindowSpec.of("A");
        WindowSpec b = WindowSpec.of("B");
        open(
                backend,
                spec(0, recording(log, "and"), When.AND, a, b),
                spec(1, recording(log, "or"), When.OR, a, b));
        for (long t = 0; t < 5; t++) {
            send(t % 2 == 0 ? "A" : "B", t);
            finish(t);
        }
        // At 0, B was never seen: OR waits. Later, the array without new data reuses its window.
        assertThat(events())
                .containsExactly(
                        "or@1 A=[0] B=[1]", "or@2 A=[2] B=[1]", "or@3 A=[2] B=[3]",
                        "or@4 A=[4] B=[3]");
        assertThat(completed())
                .extracting(done -> done.callbacksRun)
                .containsExactly(0, 1, 1, 1, 1);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void andAndOrBothRunEveryTimestepWhenEveryArrayIsNew(Backend backend) throws Exception {
        WindowSpec a = WindowSpec.of("A");
        WindowSpec b = WindowSpec.of("B");
        open(
                backend,
                spec(0, recording(log, "and"), When.AND, a, b),
                spec(1, recording(log, "or"), When.OR, a, b));
        for (long t = 0; t < 5; t++) {
            send("B", t);
            send("A", t);
            finish(t);
        }
        assertThat(events().stream().filter(e -> e.startsWith("and@"))).hasSize(5);
        assertThat(events().stream().filter(e -> e.startsWith("or@"))).hasSize(5);
        assertThat(events().get(8)).isEqualTo("and@4 A=[4] B=[4]");
        assertThat(completed()).extracting(done -> done.callbacksRun).containsOnly(2);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void callbacksOfOneTimestepRunInRegistrationOrder(Backend backend) throws Exception {
        WindowSpec t = WindowSpec.of("T");
        open(
                backend,
                spec(2, recording(log, "third"), When.AND, t),
                spec(0, recording(log, "first"), When.OR, t),
                spec(1, recording(log, "second"), When.AND, t));
        send("T", 0);
        send("T", 1);
        finish(1);
        assertThat(events())
                .containsExactly(
                        "first@0 T=[0]", "second@0 T=[0]", "third@0 T=[0]",
                        "first@1 T=[1]", "second@1 T=[1]", "third@1 T=[1]");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void arraysOfLaterTimestepsStayOutOfTheWindow(Backend backend) throws Exception {
        String log = this.log;
        AnalyticsCallback means =
                (windows, context) ->
                        CallLog.add(
                                log,
                                windows.timestep()
                                        + ": "
                                        + windows.get("T").stream()
                                                .map(DeisaArray::mean)
                                                .collect(Collectors.toList()));
        open(backend, spec(0, means, When.AND, WindowSpec.of("T", 2)));
        send("T", 0);
        send("T", 1);
        send("T", 2);
        finish(0);
        assertThat(events()).containsExactly("0: [0.0]");
        finish(1);
        send("T", 3);
        finish(2);
        assertThat(events()).containsExactly("0: [0.0]", "1: [0.0, 1.0]", "2: [1.0, 2.0]");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void arraysNoCallbackRequestsAreDropped(Backend backend) throws Exception {
        open(backend, spec(0, recording(log, "cb"), When.AND, WindowSpec.of("T")));
        send("other", 0);
        assertThat(harness.numEventTimeTimers()).isZero();
        finish(0);
        assertThat(events()).isEmpty();
        assertThat(completed()).isEmpty();
        assertThat(Harnesses.mapEntries(harness, ConstantKey.KEY, WindowStore.chunksDescriptor()))
                .isZero();
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void arrayArrivingTwiceOrAfterItsTimestepFails(Backend backend) throws Exception {
        open(backend, spec(0, recording(log, "cb"), When.AND, WindowSpec.of("T")));
        send("T", 1);
        assertThatThrownBy(() -> send("T", 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Array 'T' at timestep 1 arrived twice");
        finish(1);
        assertThatThrownBy(() -> send("T", 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Array 'T' at timestep 1 arrived after the callbacks");
    }

    // ---------------------------------------------------------------- failures

    @ParameterizedTest
    @EnumSource(Backend.class)
    void assertionErrorFailsTheJobWithoutReachingTheHandler(Backend backend) throws Exception {
        AnalyticsCallback failing =
                (windows, context) -> {
                    throw new AssertionError("invariant broken");
                };
        open(
                backend,
                CallbackSpec.of(
                        0, failing, List.of(WindowSpec.of("T")), When.AND, recordingHandler(log)));
        send("T", 0);
        // No restart strategy may restart the job; the error stays in the cause chain.
        assertThatThrownBy(() -> finish(0))
                .isExactlyInstanceOf(SuppressRestartsException.class)
                .cause()
                .hasMessage("callback #0 (lambda in CallbackOperatorTest) threw java.lang.AssertionError: invariant broken at timestep 0")
                .cause()
                .isExactlyInstanceOf(AssertionError.class)
                .hasMessage("invariant broken");
        assertThat(events()).isEmpty();
        assertThat(completed()).isEmpty();
        // The bridges are told why, through the feedback stream.
        assertThat(feedbackOutput()).extracting(record -> record.getValue().failure)
                .containsExactly("callback #0 (lambda in CallbackOperatorTest) threw java.lang.AssertionError: invariant broken at timestep 0");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aCancellationIsNeitherAFailureNorProgress(Backend backend) throws Exception {
        AnalyticsCallback interrupted =
                (windows, context) -> {
                    throw new IllegalStateException(
                            "wrapped by the callback", new InterruptedException("sleep interrupted"));
                };
        open(
                backend,
                CallbackSpec.of(
                        0, interrupted, List.of(WindowSpec.of("T")), When.AND, recordingHandler(log)));
        send("T", 0);
        assertThatThrownBy(() -> finish(0))
                .isInstanceOf(IllegalStateException.class)
                .hasRootCauseInstanceOf(InterruptedException.class);
        assertThat(events()).as("never handed to the handler").isEmpty();
        assertThat(completed()).as("not reported as analysed").isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aCallbackThatSwallowsTheInterruptDoesNotReportProgress(Backend backend) throws Exception {
        AnalyticsCallback swallowing =
                (windows, context) -> Thread.currentThread().interrupt();
        open(
                backend,
                CallbackSpec.of(
                        0, swallowing, List.of(WindowSpec.of("T")), When.AND, recordingHandler(log)));
        send("T", 0);
        try {
            assertThatThrownBy(() -> finish(0))
                    .isInstanceOf(InterruptedException.class)
                    .hasMessageContaining("callback #0")
                    .hasMessageContaining("timestep 0");
        } finally {
            Thread.interrupted();
        }
        assertThat(completed()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void ordinaryExceptionGoesToTheHandlerAndTheRunContinues(Backend backend) throws Exception {
        String log = this.log;
        AnalyticsCallback failsAtZero =
                (windows, context) -> {
                    if (windows.timestep() == 0) {
                        throw new IllegalStateException("bad input");
                    }
                    CallLog.add(log, CallLog.describe("cb", windows));
                };
        open(
                backend,
                CallbackSpec.of(
                        0,
                        failsAtZero,
                        List.of(WindowSpec.of("T")),
                        When.AND,
                        recordingHandler(log)));
        send("T", 0);
        finish(0);
        send("T", 1);
        finish(1);
        assertThat(events())
                .containsExactly(
                        "handled java.lang.IllegalStateException: bad input @0", "cb@1 T=[1]");
        assertThat(completed())
                .containsExactly(new TimestepCompleted(0, 1), new TimestepCompleted(1, 1));
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void defaultHandlerLogsAndTheRunContinues(Backend backend) throws Exception {
        AnalyticsCallback failing =
                (windows, context) -> {
                    throw new IllegalStateException("expected in this test, logged at WARN");
                };
        open(
                backend,
                spec(0, failing, When.AND, WindowSpec.of("T")),
                spec(1, recording(log, "next"), When.AND, WindowSpec.of("T")));
        send("T", 0);
        finish(0);
        send("T", 1);
        finish(1);
        assertThat(events()).containsExactly("next@0 T=[0]", "next@1 T=[1]");
        assertThat(completed()).extracting(done -> done.timestep).containsExactly(0L, 1L);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void handlerThatThrowsFailsTheJob(Backend backend) throws Exception {
        AnalyticsCallback failing =
                (windows, context) -> {
                    throw new IllegalStateException("bad input");
                };
        ExceptionHandler rethrowing =
                (error, windows) -> {
                    throw error;
                };
        open(
                backend,
                CallbackSpec.of(0, failing, List.of(WindowSpec.of("T")), When.AND, rethrowing));
        send("T", 3);
        assertThatThrownBy(() -> finish(3))
                .isInstanceOf(SuppressRestartsException.class)
                .cause()
                .isInstanceOf(FlinkRuntimeException.class)
                .hasMessageContaining("exception handler of callback #0")
                .hasMessageContaining("at timestep 3")
                .cause()
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("bad input");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void timeoutExceptionFailsTheJobWithoutReachingTheHandler(Backend backend) throws Exception {
        AnalyticsCallback slow =
                (windows, context) -> {
                    throw new TimeoutException("solver did not answer");
                };
        open(
                backend,
                CallbackSpec.of(
                        0, slow, List.of(WindowSpec.of("T")), When.AND, recordingHandler(log)));
        send("T", 2);
        assertThatThrownBy(() -> finish(2))
                .isInstanceOf(FlinkRuntimeException.class)
                .hasMessageContaining("callback #0")
                .hasMessageContaining("timed out at timestep 2")
                .cause()
                .isInstanceOf(TimeoutException.class)
                .hasMessage("solver did not answer");
        assertThat(events()).isEmpty();
    }

    // ---------------------------------------------------------------- feedback

    /** Runs {@code set} and records either "accepted" or the IllegalArgumentException message. */
    private static void attempt(String log, Runnable set) {
        try {
            set.run();
            CallLog.add(log, "accepted");
        } catch (IllegalArgumentException rejected) {
            CallLog.add(log, rejected.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void feedbackTimestepsIncreasePerKeyAndReachTheSideOutput(Backend backend) throws Exception {
        String log = this.log;
        AnalyticsCallback publishing =
                (windows, context) -> {
                    long t = windows.timestep();
                    context.set("dt", 0.5 * t, t);
                    attempt(log, () -> context.set("dt", -1.0, t));
                    if (t > 0) {
                        attempt(log, () -> context.set("dt", -1.0, t - 1));
                    }
                };
        AnalyticsCallback otherKey =
                (windows, context) -> {
                    long t = windows.timestep();
                    context.set("steps", List.of(t, t + 1), t);
                    attempt(log, () -> context.set("dt", -1.0, t)); // shared across callbacks
                };
        open(
                backend,
                spec(0, publishing, When.AND, WindowSpec.of("T")),
                spec(1, otherKey, When.AND, WindowSpec.of("T")));
        for (long t = 0; t < 3; t++) {
            send("T", t);
            finish(t);
        }

        assertThat(events())
                .containsExactly(
                        "Feedback 'dt' has already been set for timestep 0",
                        "Feedback 'dt' has already been set for timestep 0",
                        "Feedback 'dt' has already been set for timestep 1",
                        "Feedback 'dt' for timestep 0 is older than timestep 1,"
                                + " which has already been published",
                        "Feedback 'dt' has already been set for timestep 1",
                        "Feedback 'dt' has already been set for timestep 2",
                        "Feedback 'dt' for timestep 1 is older than timestep 2,"
                                + " which has already been published",
                        "Feedback 'dt' has already been set for timestep 2");

        List<String> published = new ArrayList<>();
        for (StreamRecord<FeedbackRecord> record : feedbackOutput()) {
            FeedbackRecord feedback = record.getValue();
            assertThat(record.getTimestamp()).isEqualTo(feedback.timestep);
            Object value = FeedbackCodec.decode(feedback.value);
            published.add(feedback.key + "@" + feedback.timestep + "=" + value);
        }
        assertThat(published)
                .containsExactly(
                        "dt@0=0.0", "steps@0=[0, 1]", "dt@1=0.5", "steps@1=[1, 2]", "dt@2=1.0",
                        "steps@2=[2, 3]");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void feedbackRejectsBlankKeysAndUnsupportedValues(Backend backend) throws Exception {
        String log = this.log;
        AnalyticsCallback publishing =
                (windows, context) -> {
                    attempt(log, () -> context.set(null, 1, 0));
                    attempt(log, () -> context.set(" ", 1, 0));
                    attempt(log, () -> context.set("x", new Object(), 0));
                    attempt(log, () -> context.set("x", 42, 0)); // the failed set used nothing up
                };
        open(backend, spec(0, publishing, When.AND, WindowSpec.of("T")));
        send("T", 0);
        finish(0);
        List<String> events = events();
        assertThat(events).hasSize(4);
        assertThat(events.get(0)).contains("must not be null or blank");
        assertThat(events.get(1)).contains("must not be null or blank");
        assertThat(events.get(2)).contains("Feedback 'x' for timestep 0 cannot be published");
        assertThat(events.get(3)).isEqualTo("accepted");
        assertThat(feedbackOutput())
                .singleElement()
                .satisfies(
                        record ->
                                assertThat(FeedbackCodec.decode(record.getValue().value))
                                        .isEqualTo(42L));
    }

    // ---------------------------------------------------------------- bounded state

    @ParameterizedTest
    @EnumSource(Backend.class)
    void stateStaysBoundedOverManyTimesteps(Backend backend) throws Exception {
        String log = this.log;
        AnalyticsCallback oldestMean =
                (windows, context) ->
                        context.set("mean", windows.get("A").get(0).mean(), windows.timestep());
        open(
                backend,
                spec(0, oldestMean, When.AND, WindowSpec.of("A", 3)),
                spec(1, recording(log, "or"), When.OR, WindowSpec.of("A", 2), WindowSpec.of("B")));
        List<String> sizes = new ArrayList<>();
        for (long t = 0; t < 100; t++) {
            send("A", t);
            send("B", t);
            finish(t);
            sizes.add(stateSizes());
        }
        // A keeps max(3, 2) arrays, B keeps 1; two chunks per array; one feedback key.
        assertThat(sizes.get(0)).isEqualTo("chunks=4 layouts=2 names=2 pending=0 feedbackKeys=1");
        assertThat(sizes.subList(2, 100))
                .containsOnly("chunks=8 layouts=4 names=2 pending=0 feedbackKeys=1");
        assertThat(harness.numEventTimeTimers()).isZero();
        assertThat(events()).hasSize(100).last().isEqualTo("or@99 A=[98, 99] B=[99]");
        List<FeedbackRecord> feedback =
                feedbackOutput().stream()
                        .map(StreamRecord::getValue)
                        .collect(Collectors.toList());
        assertThat(feedback).hasSize(100);
        assertThat(FeedbackCodec.decode(feedback.get(99).value)).isEqualTo(97.0);
    }

    private String stateSizes() throws Exception {
        return "chunks="
                + Harnesses.mapEntries(harness, ConstantKey.KEY, WindowStore.chunksDescriptor())
                + " layouts="
                + Harnesses.mapEntries(harness, ConstantKey.KEY, WindowStore.layoutsDescriptor())
                + " names="
                + Harnesses.mapEntries(harness, ConstantKey.KEY, WindowStore.timestepsDescriptor())
                + " pending="
                + Harnesses.mapEntries(harness, ConstantKey.KEY, WindowStore.newNamesDescriptor())
                + " feedbackKeys="
                + Harnesses.mapEntries(
                        harness, ConstantKey.KEY, FeedbackCollector.lastTimestepDescriptor());
    }
}
