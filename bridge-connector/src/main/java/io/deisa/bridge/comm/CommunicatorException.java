package io.deisa.bridge.comm;

import io.deisa.bridge.DeisaException;

/**
 * A {@link Communicator} failed: a peer vanished, a peer violated the protocol, the ranks called
 * mismatched collectives, or the communicator was closed while a collective was waiting.
 *
 * <p>The message names the local rank and, where known, the peer rank at fault. After this exception
 * the communicator is unusable and must be closed.
 */
public class CommunicatorException extends DeisaException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message what failed, naming the ranks involved
     */
    public CommunicatorException(String message) {
        super(message);
    }

    /**
     * Creates an exception caused by another one.
     *
     * @param message what failed, naming the ranks involved
     * @param cause the underlying failure, typically an {@link java.io.IOException}
     */
    public CommunicatorException(String message, Throwable cause) {
        super(message, cause);
    }
}
