package io.deisa.operators;

import org.apache.flink.annotation.Internal;

import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedByInterruptException;

/**
 * Tells a task cancellation apart from a failure of user code. Flink cancels a task by interrupting
 * its thread; a callback blocked in {@code Thread.sleep}, a lock or interruptible I/O then throws
 * {@link InterruptedException}, {@link ClosedByInterruptException} or an {@link
 * InterruptedIOException}, possibly wrapped by the callback. Such an exception is not the
 * callback's failure: handing it to an exception handler would let a cancelled run report the
 * timestep as analysed.
 */
@Internal
public final class Cancellation {
    private Cancellation() {}

    /**
     * Whether {@code error} comes from an interruption of the current thread: the thread is
     * interrupted, or the cause chain holds an interruption ({@link SocketTimeoutException}, an
     * {@link InterruptedIOException} that is a timeout, is not one).
     */
    public static boolean isCancellation(Throwable error) {
        if (Thread.currentThread().isInterrupted()) {
            return true;
        }
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof InterruptedException || t instanceof ClosedByInterruptException
                    || (t instanceof InterruptedIOException && !(t instanceof SocketTimeoutException))) {
                return true;
            }
        }
        return false;
    }
}
