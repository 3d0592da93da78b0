package io.deisa.operators;

import io.deisa.connector.source.HeadAddress;
import io.deisa.connector.source.head.HeadPublisherClient;
import io.deisa.wire.FeedbackTable;
import io.deisa.wire.PayloadReader;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

import java.time.Duration;
import java.util.Map;

/**
 * Keeps the feedback published by callbacks in broadcast state (per key, the newest {@code
 * queueSize} values) and relays it, with the analytics progress, to the head, from where bridge 0
 * reads it.
 *
 * <p>Progress is the watermark of the feedback stream: the callback operator fires its timer for
 * timestep {@code t} before it forwards watermark {@code t}, so watermark {@code W} here means
 * every callback for timesteps {@code <= W} has run. That is what {@code maxSimulationAhead} waits
 * on. After a restore, the whole retained table is published again (the head ignores entries it
 * already has). At the end of input (watermark {@link Long#MAX_VALUE}) it waits until the head
 * confirmed that it stopped listening, so the job ends only once the head's address is free. A
 * {@link FeedbackRecord#failure failure notice} is passed on to the head at once.
 *
 * <p>Metrics (group {@code deisa}): {@code feedbackRelayed}, {@code analyticsTimestep}, and from
 * the head's statistics {@code simulationTimestep}, {@code timestepsAhead} (how far the simulation
 * runs ahead of the analytics) and {@code bridgesBlockedMs} (total time bridges waited on
 * back-pressure), {@code registrationsRefused} (registrations from bridges that do not belong to
 * the run, refused by the head), {@code bridgesRetainedBytes} and {@code oldestUnacknowledgedMs}
 * (what the bridges keep until a completed checkpoint covers it, and the age of the oldest). They
 * live here because this operator runs until the very end of the job, and
 * the web UI does not show the JobManager-side metrics of the source's enumerator.
 */
@Internal
public class FeedbackPublisher extends AbstractStreamOperator<Void> implements OneInputStreamOperator<FeedbackRecord, Void> {
    private static final long serialVersionUID = 1L;

    /** Broadcast state: feedback key to its retained entries, encoded as a {@link FeedbackTable} list. */
    public static final MapStateDescriptor<String, byte[]> FEEDBACK_STATE = new MapStateDescriptor<>(
            "deisa-feedback", Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

    private final String head;
    private final int queueSize;
    private final Duration connectTimeout;

    private transient FeedbackTable table;
    private transient BroadcastState<String, byte[]> state;
    private transient HeadPublisherClient client;
    private transient Counter published;
    private transient volatile long progress;

    /**
     * @param head the head's {@code host:port}; a wildcard host means the JobManager's address
     * @param queueSize feedback entries retained per key
     * @param connectTimeout how long to try reaching the head
     */
    public FeedbackPublisher(String head, int queueSize, Duration connectTimeout) {
        this.head = head;
        this.queueSize = queueSize;
        this.connectTimeout = connectTimeout;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        state = context.getOperatorStateStore().getBroadcastState(FEEDBACK_STATE);
        table = new FeedbackTable(queueSize);
        for (Map.Entry<String, byte[]> entry : state.entries()) {
            FeedbackTable.decode(new PayloadReader(entry.getValue(), "feedback state")).forEach(table::put);
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        HeadAddress address = HeadAddress.parse(head);
        String host = RunFailureReport.reachableHost(head,
                getContainingTask().getEnvironment().getTaskManagerInfo().getConfiguration());
        client = HeadPublisherClient.connect(host, address.port(), connectTimeout);
        for (FeedbackTable.Entry entry : table.all()) {
            client.publish(entry);
        }
        progress = Long.MIN_VALUE;
        MetricGroup metrics = getMetricGroup().addGroup("deisa");
        published = metrics.counter("feedbackRelayed");
        metrics.gauge("analyticsTimestep", () -> progress);
        metrics.gauge("simulationTimestep", () -> client.runProgress(progress).simulationTimestep());
        metrics.gauge("timestepsAhead", () -> client.runProgress(progress).timestepsAhead());
        metrics.gauge("bridgesBlockedMs", () -> client.runProgress(progress).bridgesBlockedMillis());
        metrics.gauge("registrationsRefused", () -> client.runProgress(progress).registrationsRefused());
        metrics.gauge("bridgesRetainedBytes", () -> client.runProgress(progress).retainedBytes());
        metrics.gauge("oldestUnacknowledgedMs", () -> client.runProgress(progress).oldestRetainedMillis());
        metrics.gauge("bridgesRetentionBlockedMs", () -> client.runProgress(progress).retentionBlockedMillis());
    }

    @Override
    public void processElement(StreamRecord<FeedbackRecord> element) throws Exception {
        FeedbackRecord record = element.getValue();
        if (record.failure != null) {
            client.reportFailure(record.failure);
            return;
        }
        FeedbackTable.Entry entry = new FeedbackTable.Entry(record.key, record.timestep, record.value);
        if (table.put(entry)) {
            state.put(record.key, FeedbackTable.encode(table.entries(record.key)));
            client.publish(entry);
            published.inc();
        }
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        super.processWatermark(mark);
        if (getContainingTask().isCanceled() || getContainingTask().isFailing()) {
            // A task that is being cancelled or fails has not analysed anything more.
            return;
        }
        progress = mark.getTimestamp();
        client.progress(mark.getTimestamp());
        if (mark.getTimestamp() == Long.MAX_VALUE) {
            // The job must not finish before the head stopped listening: a next simulation's bridges
            // would otherwise reach this run's head.
            client.awaitRunEnded(connectTimeout);
        }
    }

    @Override
    public void close() throws Exception {
        if (client != null) {
            client.close();
        }
        super.close();
    }
}
