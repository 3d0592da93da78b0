package io.deisa.bridge;

/**
 * A deisa operation did not complete in its allotted time, for example the analytics head was not
 * reachable within {@link SystemMetadata#connectTimeout()}.
 *
 * <p>The message names the endpoint and the timeout involved.
 */
public class DeisaTimeoutException extends DeisaException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message what did not complete, naming the endpoint and the timeout
     */
    public DeisaTimeoutException(String message) {
        super(message);
    }

    /**
     * Creates an exception caused by another one.
     *
     * @param message what did not complete, naming the endpoint and the timeout
     * @param cause the last underlying failure, for example the last refused connection
     */
    public DeisaTimeoutException(String message, Throwable cause) {
        super(message, cause);
    }
}
