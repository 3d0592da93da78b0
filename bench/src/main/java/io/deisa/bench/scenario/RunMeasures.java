package io.deisa.bench.scenario;

import io.deisa.bench.process.PipelineRun;

import java.util.HashMap;
import java.util.Map;

/** Figures derived from the timing tables of one {@link PipelineRun}. */
final class RunMeasures {
    private final Map<Long, Long> callbackStart = new HashMap<>();
    private final Map<Long, Long> lastSendStart = new HashMap<>();
    private final PipelineRun.Result result;

    RunMeasures(PipelineRun.Result result) {
        this.result = result;
        result.callbacks().rows().forEach(row -> callbackStart.put(row[0], row[1]));
        for (long[] row : result.bridgeRows()) {
            lastSendStart.merge(row[1], row[2], Math::max);
        }
    }

    /** Wall-clock start of the callback of {@code t}. */
    long callbackStart(long t) {
        Long start = callbackStart.get(t);
        if (start == null) {
            throw new IllegalStateException("no callback ran for timestep " + t + " (ran: " + callbackStart.size()
                    + " timesteps)");
        }
        return start;
    }

    /**
     * Bytes per second through the callbacks between the callback of {@code from} and that of
     * {@code to}: {@code (to - from)} timesteps of {@code bytesPerTimestep}.
     */
    double throughput(long from, long to, long bytesPerTimestep) {
        return (double) (to - from) * bytesPerTimestep / ((callbackStart(to) - callbackStart(from)) / 1e9);
    }

    /** Mean seconds per timestep between the callbacks of {@code from} and {@code to}. */
    double secondsPerTimestep(long from, long to) {
        return (callbackStart(to) - callbackStart(from)) / 1e9 / (to - from);
    }

    /**
     * Milliseconds from the last bridge's send of {@code t} to the start of the callback of
     * {@code t}, for every {@code t >= from}.
     */
    double[] sendToCallbackMillis(long from) {
        return lastSendStart.entrySet().stream().filter(e -> e.getKey() >= from)
                .mapToDouble(e -> (callbackStart(e.getKey()) - e.getValue()) / 1e6).toArray();
    }

    /** Milliseconds from each bridge's send of {@code t} to its seeing the feedback of t, t >= from. */
    double[] sendToFeedbackMillis(long from) {
        return result.bridgeRows().stream().filter(row -> row[1] >= from)
                .mapToDouble(row -> (row[4] - row[2]) / 1e6).toArray();
    }

    /** The live heap samples (after a full collection) of the run, bytes. */
    long[] liveHeapSamples() {
        return result.callbacks().rows().stream().filter(row -> row[3] > 0).mapToLong(row -> row[3]).toArray();
    }

    /** The most threads the analytics JVM had at a sample (every 10 timesteps). */
    long peakThreads() {
        return result.callbacks().rows().stream().mapToLong(row -> row.length > 4 ? row[4] : 0).max().orElse(0);
    }

    /** The most file descriptors the analytics JVM had open at a sample (every 10 timesteps). */
    long peakOpenFds() {
        return result.callbacks().rows().stream().mapToLong(row -> row.length > 5 ? row[5] : 0).max().orElse(0);
    }
}
