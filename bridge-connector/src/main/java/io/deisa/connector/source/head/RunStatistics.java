package io.deisa.connector.source.head;

import org.apache.flink.annotation.Internal;

import java.util.HashMap;
import java.util.Map;

/**
 * The head's running totals of the bridges' STATS reports: the newest timestep any bridge sent and
 * the time all bridges spent blocked. Each report costs O(1) whatever the number of bridges. A
 * report that advances the newest timestep is worth a RUN_STATS frame at once ({@link #update});
 * other changes wait for the head's periodic {@link #flush}, so that a run of N bridges does not
 * send N frames per timestep. Not thread-safe; the head serialises calls.
 */
@Internal
final class RunStatistics {
    private final Map<Integer, Long> blockedNanosByBridge = new HashMap<>();
    private long newestTimestep = Long.MIN_VALUE;
    private long blockedNanos;
    private long registrationsRefused;
    private long publishedTimestep = Long.MIN_VALUE;
    private long publishedBlockedMillis;
    private long publishedRefused;

    /**
     * Records a bridge's report: the newest timestep it sent and its cumulative blocked time.
     *
     * @return whether the totals should be published now: the newest timestep advanced
     */
    boolean update(int bridgeId, long timestep, long bridgeBlockedNanos) {
        Long previous = blockedNanosByBridge.put(bridgeId, bridgeBlockedNanos);
        blockedNanos += bridgeBlockedNanos - (previous == null ? 0 : previous);
        newestTimestep = Math.max(newestTimestep, timestep);
        if (newestTimestep <= publishedTimestep) {
            return false;
        }
        markPublished();
        return true;
    }

    /** Whether the totals changed since they were last published; if so they count as published now. */
    boolean flush() {
        if (newestTimestep == publishedTimestep && blockedMillis() == publishedBlockedMillis
                && registrationsRefused == publishedRefused) {
            return false;
        }
        markPublished();
        return true;
    }

    private void markPublished() {
        publishedTimestep = newestTimestep;
        publishedBlockedMillis = blockedMillis();
        publishedRefused = registrationsRefused;
    }

    /** Counts a registration the head refused without failing the run (published at the next flush). */
    void refused() {
        registrationsRefused++;
    }

    /** Registrations refused so far. */
    long registrationsRefused() {
        return registrationsRefused;
    }

    /** The newest timestep any bridge reported, {@link Long#MIN_VALUE} before any report. */
    long newestTimestep() {
        return newestTimestep;
    }

    /** The sum of the bridges' blocked time in milliseconds. */
    long blockedMillis() {
        return blockedNanos / 1_000_000;
    }
}
