package io.deisa.connector.source.head;

import org.apache.flink.annotation.Internal;

/**
 * How far the simulation and the analytics are, for metrics.
 *
 * @param analyticsTimestep newest timestep up to which every callback has run
 * @param simulationTimestep newest timestep any bridge has sent
 * @param bridgesBlockedMillis total time the bridges spent blocked by back-pressure
 * @param registrationsRefused registrations the head refused without failing the run: bridges that
 *     do not belong to the complete world, or that came after the run ended
 * @param retainedBytes bytes the bridges keep until a completed checkpoint covers them
 * @param oldestRetainedMillis age of the oldest chunk a bridge keeps for a replay, in milliseconds
 * @param retentionBlockedMillis total time the bridges spent blocked because their buffer bound was
 *     full of chunks kept for a replay (apart from back-pressure), in milliseconds
 */
@Internal
public record RunProgress(
        long analyticsTimestep, long simulationTimestep, long bridgesBlockedMillis, long registrationsRefused,
        long retainedBytes, long oldestRetainedMillis, long retentionBlockedMillis) {
    /** How many timesteps the simulation is ahead of the analytics (0 before both started and after the end). */
    public long timestepsAhead() {
        if (simulationTimestep == Long.MIN_VALUE || analyticsTimestep == Long.MIN_VALUE
                || analyticsTimestep == Long.MAX_VALUE) {
            return 0;
        }
        return Math.max(0, simulationTimestep - analyticsTimestep);
    }
}
