package io.deisa.connector.source;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceEvent;

/**
 * What the head knows about the run, sent by the enumerator to every source reader so that the
 * readers, which run on TaskManagers, show it as metrics in the Flink web UI.
 *
 * @param analyticsTimestep newest timestep up to which every callback has run
 * @param simulationTimestep newest timestep any bridge has sent
 * @param bridgesBlockedMillis total time the bridges spent blocked by back-pressure
 */
@Internal
public record AnalyticsProgressEvent(long analyticsTimestep, long simulationTimestep, long bridgesBlockedMillis)
        implements SourceEvent {
    private static final long serialVersionUID = 1L;

    /** Nothing known yet. */
    public static final AnalyticsProgressEvent NONE =
            new AnalyticsProgressEvent(Long.MIN_VALUE, Long.MIN_VALUE, 0);

    /** How many timesteps the simulation is ahead of the analytics (0 before both started and after the end). */
    public long timestepsAhead() {
        if (simulationTimestep == Long.MIN_VALUE || analyticsTimestep == Long.MIN_VALUE
                || analyticsTimestep == Long.MAX_VALUE) {
            return 0;
        }
        return Math.max(0, simulationTimestep - analyticsTimestep);
    }
}
