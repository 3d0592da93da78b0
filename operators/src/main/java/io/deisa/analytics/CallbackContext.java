package io.deisa.analytics;

import org.apache.flink.annotation.PublicEvolving;

/**
 * What a running {@link AnalyticsCallback} can do besides reading its windows: publish feedback
 * to the simulation.
 *
 * <pre>{@code
 * context.set("dt", 0.5 * dt, windows.timestep());   // bridges read it with Bridge.get("dt", ...)
 * }</pre>
 */
@PublicEvolving
public interface CallbackContext {

    /**
     * Publishes a feedback value that bridges read with {@code Bridge.get}.
     *
     * <p>Values must be small: {@code null}, {@code Boolean}, {@code Integer}, {@code Long},
     * {@code Double}, {@code Float}, {@code String}, {@code double[]}, {@code long[]}, {@code
     * int[]}, and {@code List<?>} / {@code Map<String, ?>} of these. For one key, timesteps must be
     * strictly increasing. Each key retains the newest {@code feedbackQueueSize} entries; older
     * entries are dropped.
     *
     * @param key the feedback key
     * @param value the value
     * @param timestep the timestep the value is for
     * @throws IllegalArgumentException if {@code timestep} is the same as (message contains
     *     "already been set") or older than (message contains "older than") the newest timestep
     *     already set for {@code key}, or if the value is of an unsupported type
     */
    void set(String key, Object value, long timestep);
}
