package io.deisa.bench.process;

import java.time.Instant;

/**
 * Wall-clock time in nanoseconds since the epoch, comparable between the processes of one machine
 * (all of a run's JVMs read the same realtime clock, at microsecond resolution on Linux).
 * {@link System#nanoTime()} is not: each JVM has its own origin.
 */
public final class WallClock {
    private WallClock() {}

    /** Nanoseconds since 1970-01-01T00:00Z. */
    public static long nanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
