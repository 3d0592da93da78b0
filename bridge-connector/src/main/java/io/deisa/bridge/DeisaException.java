package io.deisa.bridge;

/**
 * Base class of the unchecked exceptions raised by the simulation side of deisa.
 *
 * <p>It is also thrown as such when the analytics job failed: later calls of a {@code Bridge} raise a
 * {@code DeisaException} carrying the job's failure, so that a simulation never hangs on a dead job.
 *
 * <pre>{@code
 * try {
 *     bridge.send("temperature", chunk, t);
 * } catch (DeisaException e) {
 *     // the analytics are gone: stop the run cleanly
 * }
 * }</pre>
 */
public class DeisaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message what went wrong, naming the values involved
     */
    public DeisaException(String message) {
        super(message);
    }

    /**
     * Creates an exception caused by another one.
     *
     * @param message what went wrong, naming the values involved
     * @param cause the underlying failure
     */
    public DeisaException(String message, Throwable cause) {
        super(message, cause);
    }
}
