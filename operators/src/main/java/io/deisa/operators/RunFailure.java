package io.deisa.operators;

import org.apache.flink.annotation.Internal;
import org.apache.flink.util.FlinkRuntimeException;

/**
 * A failure of the run whose message says where it happened: the callback and timestep, or the
 * array, timestep and chunk position of a preprocessing. {@code Deisa.executeCallbacks()} reports
 * this message rather than only the root cause (the user's exception stays in the cause chain).
 */
@Internal
public final class RunFailure extends FlinkRuntimeException {
    private static final long serialVersionUID = 1L;

    /** A failure described by {@code message}, caused by {@code cause} (may be null). */
    public RunFailure(String message, Throwable cause) {
        super(message, cause);
    }

    /** A failure described by {@code message}. */
    public RunFailure(String message) {
        super(message);
    }
}
