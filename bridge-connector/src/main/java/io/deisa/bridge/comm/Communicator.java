package io.deisa.bridge.comm;

/**
 * Collective operations among the bridges (ranks) of one simulation, used for barriers and to
 * broadcast the feedback that bridge 0 reads to every bridge.
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

    /** Releases the communicator's resources; idempotent. */
    @Override
    void close();
}
