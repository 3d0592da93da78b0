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
 */
@Internal
public class FeedbackRecord {
    /** The feedback key. */
    public String key;
    /** The timestep the value is for. */
    public long timestep;
    /** The value, encoded with {@code FeedbackCodec}. */
    public byte[] value;

    /** For Flink's POJO serializer. */
    public FeedbackRecord() {}

    /** Creates a record; the value bytes are taken over, not copied. */
    public FeedbackRecord(String key, long timestep, byte[] value) {
        this.key = key;
        this.timestep = timestep;
        this.value = value;
    }

    @Override
    public String toString() {
        return "FeedbackRecord{key="
                + key
                + ", t="
                + timestep
                + ", bytes="
                + (value == null ? 0 : value.length)
                + '}';
    }
}
