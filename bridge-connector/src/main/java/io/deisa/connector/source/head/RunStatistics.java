package io.deisa.connector.source.head;

import io.deisa.wire.message.BridgeStats;
import io.deisa.wire.message.RunStats;

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
    /** A bridge's latest report. */
    private record Report(long blockedNanos, long retainedBytes, long oldestRetainedMillis, long retentionBlockedNanos) {}

    private final Map<Integer, Report> reports = new HashMap<>();
    private long newestTimestep = Long.MIN_VALUE;
    private long blockedNanos;
    private long retainedBytes;
    private long retentionBlockedNanos;
    private long registrationsRefused;
    private long publishedTimestep = Long.MIN_VALUE;
    private long publishedBlockedMillis;
    private long publishedRetainedBytes;
    private long publishedOldestRetainedMillis;
    private long publishedRefused;
    private long publishedRetentionBlockedMillis;

    /**
     * Records a bridge's report: the newest timestep it sent, its cumulative blocked time, the
     * bytes it keeps until a checkpoint covers them, the age of the oldest of them and the time its
     * {@code send} waited because its bound was full of them.
     *
     * @return whether the totals should be published now: the newest timestep advanced
     */
    boolean update(int bridgeId, BridgeStats stats) {
        Report previous = reports.put(bridgeId, new Report(stats.blockedNanos(), stats.retainedBytes(),
                stats.oldestRetainedMillis(), stats.retentionBlockedNanos()));
        blockedNanos += stats.blockedNanos() - (previous == null ? 0 : previous.blockedNanos());
        retainedBytes += stats.retainedBytes() - (previous == null ? 0 : previous.retainedBytes());
        retentionBlockedNanos += stats.retentionBlockedNanos() - (previous == null ? 0 : previous.retentionBlockedNanos());
        newestTimestep = Math.max(newestTimestep, stats.newestTimestep());
        if (newestTimestep <= publishedTimestep) {
            return false;
        }
        markPublished();
        return true;
    }

    /** Whether the totals changed since they were last published; if so they count as published now. */
    boolean flush() {
        if (newestTimestep == publishedTimestep && blockedMillis() == publishedBlockedMillis
                && registrationsRefused == publishedRefused && retainedBytes == publishedRetainedBytes
                && oldestRetainedMillis() == publishedOldestRetainedMillis
                && retentionBlockedMillis() == publishedRetentionBlockedMillis) {
            return false;
        }
        markPublished();
        return true;
    }

    private void markPublished() {
        publishedTimestep = newestTimestep;
        publishedBlockedMillis = blockedMillis();
        publishedRefused = registrationsRefused;
        publishedRetainedBytes = retainedBytes;
        publishedOldestRetainedMillis = oldestRetainedMillis();
        publishedRetentionBlockedMillis = retentionBlockedMillis();
    }

    /** The totals as a RUN_STATS message. */
    RunStats toMessage() {
        return new RunStats(newestTimestep, blockedMillis(), registrationsRefused, retainedBytes,
                oldestRetainedMillis(), retentionBlockedMillis());
    }

    /** The sum of the time bridges waited because their bound was full of retained chunks, ms. */
    long retentionBlockedMillis() {
        return retentionBlockedNanos / 1_000_000;
    }

    /** The bytes all bridges keep until a completed checkpoint covers them. */
    long retainedBytes() {
        return retainedBytes;
    }

    /**
     * The age of the oldest chunk a bridge keeps, in milliseconds, as last reported (0: none). One
     * pass over the bridges' reports, at most once per publication.
     */
    long oldestRetainedMillis() {
        long oldest = 0;
        for (Report report : reports.values()) {
            oldest = Math.max(oldest, report.oldestRetainedMillis());
        }
        return oldest;
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
