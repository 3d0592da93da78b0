package io.deisa.operators;

import org.apache.flink.annotation.Internal;

/**
 * Emitted by {@link CallbackOperator} once every callback has been evaluated for a timestep (and
 * run where triggered): the analytics' progress, for back-pressure and monitoring.
 *
 * <pre>{@code
 * DataStream<TimestepCompleted> progress = arrays.keyBy(new ConstantKey<>()).process(op);
 * }</pre>
 *
 * <p>A Flink POJO. Only timesteps at which some requested array had new data are reported.
 */
@Internal
public class TimestepCompleted {
    /** The finished timestep. */
    public long timestep;
    /** Number of callbacks that ran for it. */
    public int callbacksRun;

    /** For Flink's POJO serializer. */
    public TimestepCompleted() {}

    /** Creates a progress record. */
    public TimestepCompleted(long timestep, int callbacksRun) {
        this.timestep = timestep;
        this.callbacksRun = callbacksRun;
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof TimestepCompleted)) {
            return false;
        }
        TimestepCompleted that = (TimestepCompleted) other;
        return timestep == that.timestep && callbacksRun == that.callbacksRun;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(timestep) * 31 + callbacksRun;
    }

    @Override
    public String toString() {
        return "TimestepCompleted{t=" + timestep + ", callbacksRun=" + callbacksRun + '}';
    }
}
