package io.deisa.bridge.comm;

import java.nio.charset.StandardCharsets;

/**
 * Collective operations among the bridges (ranks) of one simulation, used to check that every
 * bridge makes the same collective call, for barriers, and to broadcast the feedback that bridge 0
 * reads to every bridge.
 *
 * <pre>{@code
 * try (Communicator comm = TcpCommunicator.connect(4, rank, "10.0.0.1", 29500, Duration.ofMinutes(2))) {
 *     comm.barrier();
 *     byte[] answer = comm.broadcast(comm.rank() == 0 ? question : null, 0);
 * }
 * }</pre>
 *
 * <p>Collectives are called by every rank in the same order. Implementations document their thread
 * safety; {@link TcpCommunicator} expects one calling thread per rank.
 */
public interface Communicator extends AutoCloseable {

    /** This process's rank, in {@code [0, worldSize())}. */
    int rank();

    /** The number of ranks of the communicator. */
    int worldSize();

    /**
     * Returns once every rank has entered the barrier.
     *
     * @throws CommunicatorException when a rank fails or leaves before the barrier completes
     */
    void barrier();

    /**
     * Sends the root's bytes to every rank.
     *
     * @param data the bytes to send on the root; ignored (may be {@code null}) on other ranks
     * @param root the rank whose bytes are broadcast, in {@code [0, worldSize())}
     * @return the root's bytes, on every rank
     * @throws CommunicatorException when a rank fails or leaves before the broadcast completes
     */
    byte[] broadcast(byte[] data, int root);

    /**
     * Collective: checks that every rank made the same call. Returns on every rank only once every
     * rank entered the check with an equal {@code call} (so the check is also a barrier); otherwise
     * throws, on every rank, a {@link CollectiveMismatchException} whose message, identical on every
     * rank, names rank 0 and the lowest rank whose call differs, with both calls:
     *
     * <pre>{@code
     * comm.checkSameCall("get(\"x\", 3) #7");
     * // on a mismatch, on every rank:
     * // collective calls differ: rank 0 called get("x", 3) #7 but rank 2 called get("x", 4) #7
     * }</pre>
     *
     * <p>The {@link io.deisa.bridge.Bridge} runs this check before each of its collectives, with a
     * description of the call (operation, arguments, and the number of the collective), so that a
     * rank that skipped or added a call fails at once instead of receiving the answer of another
     * call.
     *
     * <p>The default implementation, correct for any communicator, costs {@link #worldSize()}
     * broadcasts (each rank's call in turn, as UTF-8 bytes); every rank then compares each call with
     * rank 0's. The built-in communicators override it: {@link TcpCommunicator} with one round trip
     * through rank 0, {@link MpiCommunicator} with one {@code MPI_Allreduce} of a hash.
     *
     * @param call a description of this rank's call; compared as UTF-8 bytes
     * @throws CollectiveMismatchException when the calls of two ranks differ (on every rank)
     * @throws IllegalArgumentException when {@code call} is {@code null}; the default implementation
     *     throws it on this rank before any communication
     * @throws CommunicatorException when a rank fails or leaves before the check completes
     */
    default void checkSameCall(String call) {
        if (call == null) {
            throw new IllegalArgumentException("rank " + rank() + ": checkSameCall needs a call, got null");
        }
        byte[] mine = call.getBytes(StandardCharsets.UTF_8);
        int worldSize = worldSize();
        String[] calls = new String[worldSize];
        for (int root = 0; root < worldSize; root++) {
            calls[root] = new String(broadcast(root == rank() ? mine : null, root), StandardCharsets.UTF_8);
        }
        for (int r = 1; r < worldSize; r++) {
            if (!calls[r].equals(calls[0])) {
                throw new CollectiveMismatchException(CollectiveMismatchException.message(0, calls[0], r, calls[r]));
            }
        }
    }

    /** Releases the communicator's resources; idempotent. */
    @Override
    void close();
}
