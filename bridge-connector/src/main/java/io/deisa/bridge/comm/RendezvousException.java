package io.deisa.bridge.comm;

/**
 * The ranks of a communicator did not all meet in time: not every rank connected to the rendezvous
 * within its timeout.
 *
 * <p>Every rank that took part gets this exception. Its message names the rank, the expected world
 * size, the rendezvous endpoint {@code masterAddress:masterPort} and the timeout.
 */
public class RendezvousException extends CommunicatorException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message the failed rendezvous: rank, world size, endpoint and timeout
     */
    public RendezvousException(String message) {
        super(message);
    }

    /**
     * Creates an exception caused by another one.
     *
     * @param message the failed rendezvous: rank, world size, endpoint and timeout
     * @param cause the last underlying failure, for example the last refused connection
     */
    public RendezvousException(String message, Throwable cause) {
        super(message, cause);
    }
}
