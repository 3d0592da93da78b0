package io.deisa.job;

import io.deisa.bridge.DeisaException;

import org.apache.flink.annotation.PublicEvolving;

/**
 * The analytics job failed: thrown by {@link Deisa#executeCallbacks()}. The cause chain holds the
 * original error (for example the {@link AssertionError} a callback threw, or the message of the
 * head naming a bridge that vanished).
 */
@PublicEvolving
public class DeisaExecutionException extends DeisaException {
    private static final long serialVersionUID = 1L;

    /** A failure described by {@code message} and caused by {@code cause}. */
    public DeisaExecutionException(String message, Throwable cause) {
        super(message, cause);
    }
}
