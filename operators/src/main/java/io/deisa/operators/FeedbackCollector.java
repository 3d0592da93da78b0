package io.deisa.operators;

import io.deisa.analytics.CallbackContext;
import io.deisa.wire.FeedbackCodec;

import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.FlinkRuntimeException;

import java.util.function.Consumer;

/**
 * The {@link CallbackContext} callbacks get from {@link CallbackOperator}: checks and encodes each
 * feedback value and emits it as a {@link FeedbackRecord}.
 *
 * <p>For one key, timesteps must be strictly increasing over the whole run; the newest timestep of
 * each key is kept in keyed state ({@code feedback-last-timestep}: key → timestep), so that the
 * check survives restarts. That state grows with the number of distinct keys only.
 */
final class FeedbackCollector implements CallbackContext {

    private final MapState<String, Long> lastTimestepByKey;
    private final Consumer<FeedbackRecord> output;
    private final Counter published;

    FeedbackCollector(
            MapState<String, Long> lastTimestepByKey,
            Consumer<FeedbackRecord> output,
            Counter published) {
        this.lastTimestepByKey = lastTimestepByKey;
        this.output = output;
        this.published = published;
    }

    static MapStateDescriptor<String, Long> lastTimestepDescriptor() {
        return new MapStateDescriptor<>("feedback-last-timestep", Types.STRING, Types.LONG);
    }

    @Override
    public void set(String key, Object value, long timestep) {
        if (key == null || key.isBlank()) {
            throw new IllegalArgumentException(
                    "Feedback key must not be null or blank (timestep " + timestep + ")");
        }
        Long last = lastTimestep(key);
        if (last != null && timestep == last) {
            throw new IllegalArgumentException(
                    "Feedback '" + key + "' has already been set for timestep " + timestep);
        }
        if (last != null && timestep < last) {
            throw new IllegalArgumentException(
                    "Feedback '"
                            + key
                            + "' for timestep "
                            + timestep
                            + " is older than timestep "
                            + last
                            + ", which has already been published");
        }
        byte[] encoded;
        try {
            encoded = FeedbackCodec.encode(value);
        } catch (IllegalArgumentException unsupported) {
            throw new IllegalArgumentException(
                    "Feedback '"
                            + key
                            + "' for timestep "
                            + timestep
                            + " cannot be published: "
                            + unsupported.getMessage(),
                    unsupported);
        }
        putLastTimestep(key, timestep);
        output.accept(new FeedbackRecord(key, timestep, encoded));
        published.inc();
    }

    private Long lastTimestep(String key) {
        try {
            return lastTimestepByKey.get(key);
        } catch (Exception e) {
            throw new FlinkRuntimeException("Cannot read the feedback state of '" + key + "'", e);
        }
    }

    private void putLastTimestep(String key, long timestep) {
        try {
            lastTimestepByKey.put(key, timestep);
        } catch (Exception e) {
            throw new FlinkRuntimeException("Cannot write the feedback state of '" + key + "'", e);
        }
    }
}
