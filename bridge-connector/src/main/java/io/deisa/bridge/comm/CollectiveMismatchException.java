package io.deisa.bridge.comm;

/**
 * The ranks of a communicator did not all make the same call: {@link
 * Communicator#checkSameCall(String)} found two ranks whose calls differ.
 *
 * <p>Every rank of the check gets this exception with the same message, which names two ranks and
 * both of their calls, for example:
 *
 * <pre>{@code
 * collective calls differ: rank 0 called get("x", 3) #7 but rank 2 called get("x", 4) #7
 * }</pre>
 *
 * <p>The first rank named is rank 0; the second is the lowest rank whose call differs from rank
 * 0's. Whether the communicator is still usable afterwards depends on the implementation: a {@link
 * TcpCommunicator} is broken (later calls fail), an {@link MpiCommunicator} is not.
 */
public class CollectiveMismatchException extends CommunicatorException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message the differing calls, as built by {@link #message(int, String, int, String)}
     */
    public CollectiveMismatchException(String message) {
        super(message);
    }

    /**
     * The message naming two ranks and their calls: {@code collective calls differ: rank A called
     * CALL_A but rank B called CALL_B}. Implementations of {@link Communicator#checkSameCall(String)}
     * build the message with this method on every rank from the same inputs, so that it is identical
     * everywhere.
     *
     * @param rankA the first rank, usually 0
     * @param callA the call of {@code rankA}
     * @param rankB a rank whose call differs from {@code callA}
     * @param callB the call of {@code rankB}
     * @return the message
     */
    public static String message(int rankA, String callA, int rankB, String callB) {
        return "collective calls differ: rank " + rankA + " called " + callA + " but rank " + rankB + " called "
                + callB;
    }
}
