package io.deisa.connector.source.reader;

import org.apache.flink.annotation.Internal;

import java.time.Duration;
import java.util.OptionalLong;

/**
 * The fencing token of one reader attempt, handed to it by the enumerator ({@link
 * ReaderFenceEvent}) when the attempt registers. Every SUBSCRIBE carries it, and a bridge refuses a
 * subscription whose token is smaller than one it has seen, so that a stale attempt of a failed
 * reader (still running on a TaskManager the JobManager gave up on) can never take a bridge back
 * from its successor. Shared by the reader's fetcher thread and its task thread; thread-safe.
 */
@Internal
public final class ReaderFence {
    private long token = Long.MIN_VALUE;

    /** Sets the token; a smaller one than held is ignored (events of one attempt arrive in order). */
    public synchronized void set(long value) {
        token = Math.max(token, value);
        notifyAll();
    }

    /** The token, waiting up to {@code timeout} for the enumerator to send it; empty if it did not. */
    public synchronized OptionalLong await(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (token == Long.MIN_VALUE) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return OptionalLong.empty();
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return OptionalLong.of(token);
    }
}
