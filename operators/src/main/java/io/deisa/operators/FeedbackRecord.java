package io.deisa.operators;

import org.apache.flink.annotation.Internal;

/**
 * One feedback value published by a callback with {@code CallbackContext.set}, on its way to the
 * simulation: emitted on {@link CallbackOperator#FEEDBACK}.
 *
 * <pre>{@code
 * DataStream<FeedbackRecord> feedback = callbacks.getSideOutput(CallbackOperator.FEEDBACK);
 * Object value = FeedbackCodec.decode(record.value);
 * }</pre>
 *
 * <p>A Flink POJO; the value is already encoded with {@code io.deisa.wire.FeedbackCodec}, never
 * with Java serialization.
 *
 * <p>The same stream carries the callbacks' fatal failures ({@link #failure(String)}): the
 * publisher hands them to the head, which tells every bridge the cause before the job stops.
 */
@Internal
public class FeedbackRecord {
    /** The feedback key. */
    public String key;
    /** The timestep the value is for. */
    public long timestep;
    /** The value, encoded with {@code FeedbackCodec}. */
    public byte[] value;
    /** For a failure notice, why the job fails; null for a feedback value. */
    public String failure;

    /** For Flink's POJO serializer. */
    public FeedbackRecord() {}

    /** Creates a record; the value bytes are taken over, not copied. */
    public FeedbackRecord(String key, long timestep, byte[] value) {
        this.key = key;
        this.timestep = timestep;
        this.value = value;
    }

    /** A notice that the job fails for {@code reason}, not a feedback value. */
    public static FeedbackRecord failure(String reason) {
        FeedbackRecord record = new FeedbackRecord(null, Long.MIN_VALUE, new byte[0]);
        record.failure = reason;
        return record;
    }

    @Override
    public String toString() {
        if (failure != null) {
            return "FeedbackRecord{failure=" + failure + '}';
        }
        return "FeedbackRecord{key="
                + key
                + ", t="
                + timestep
                + ", bytes="
                + (value == null ? 0 : value.length)
                + '}';
    }
}
