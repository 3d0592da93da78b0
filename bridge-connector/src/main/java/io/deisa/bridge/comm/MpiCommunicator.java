package io.deisa.bridge.comm;

import java.util.Objects;

import mpi.Intracomm;
import mpi.MPI;
import mpi.MPIException;

/**
 * A {@link Communicator} over an MPI intra-communicator, through the Open MPI Java bindings, for
 * simulations that run under {@code mpirun}: the bridges then need no rendezvous of their own.
 *
 * <pre>{@code
 * public static void main(String[] args) throws MPIException {
 *     MPI.Init(args);                                   // the simulation owns MPI
 *     int rank = MPI.COMM_WORLD.getRank();
 *     SystemMetadata sys = SystemMetadata.builder()
 *             .worldSize(MPI.COMM_WORLD.getSize())
 *             .head("10.0.0.1:29600")
 *             .build();                                 // no master address or port needed
 *     try (Bridge bridge = new Bridge(rank, arrays, sys, MpiCommunicator.world())) {
 *         for (long t = 0; t < steps; t++) {
 *             bridge.send("temperature", field, t);
 *         }
 *         bridge.close(steps - 1);
 *     }
 *     MPI.Finalize();                                   // after the bridge is closed
 * }
 * }</pre>
 *
 * <p><b>Requirements.</b> The Open MPI Java classes ({@code mpi.jar}, Maven {@code
 * org.open-mpi:mpi}) are a {@code provided} dependency of this module: the simulation puts the
 * {@code mpi.jar} that matches its Open MPI installation on its classpath and the directory of
 * {@code libmpi_java.so} on {@code java.library.path} (Debian: {@code
 * -Djava.library.path=/usr/lib/x86_64-linux-gnu/openmpi/lib}). Nothing else in this module refers
 * to MPI classes, so simulations that use {@link TcpCommunicator} need neither.
 *
 * <p><b>Ownership.</b> The simulation owns MPI: it calls {@code MPI.Init} before creating this
 * communicator and {@code MPI.Finalize} after the last collective. {@link #close()} neither frees
 * the wrapped communicator nor finalizes MPI; it only makes later calls on this object fail.
 *
 * <p><b>Collectives.</b> {@link #barrier()} is {@code MPI_Barrier}. {@link #broadcast(byte[],
 * int)} is two {@code MPI_Bcast}s: the length as one {@code MPI.INT}, then the bytes as {@code
 * MPI.BYTE}. When the root passes {@code null} it broadcasts the length {@code -1}: the root throws
 * {@link IllegalArgumentException} and the other ranks a {@link CommunicatorException}, instead of
 * waiting forever for bytes that never come. Every rank must call the collectives of a
 * communicator in the same order, as with any MPI collective; this class does not detect a
 * mismatch (for example one rank in {@code barrier} while another broadcasts).
 *
 * <p><b>Errors.</b> An {@link MPIException} becomes a {@link CommunicatorException} naming the
 * rank, the operation and the MPI error class. MPI reports errors as exceptions only when the
 * communicator's error handler is {@code MPI.ERRORS_RETURN}; with the default ({@code
 * MPI.ERRORS_ARE_FATAL}), MPI aborts the whole job instead. Which one applies is the simulation's
 * choice: this class does not change the error handler.
 *
 * <p><b>Threads.</b> Calls must come from one thread at a time, and from a thread that the MPI
 * thread level allows: with {@code MPI.Init} ({@code MPI_THREAD_SINGLE}) only the thread that
 * initialized MPI may call; use {@code MPI.InitThread(args, MPI.THREAD_SERIALIZED)} to call from
 * other threads.
 */
public final class MpiCommunicator implements Communicator {
    private final Intracomm comm;
    private final int rank;
    private final int worldSize;
    private volatile boolean closed;

    /**
     * Wraps an intra-communicator whose ranks are the bridges of the simulation; the rank of each
     * process in {@code comm} is its bridge id.
     *
     * @param comm an intra-communicator, for example {@code MPI.COMM_WORLD} or one obtained with
     *     {@code MPI.COMM_WORLD.split(color, key)}
     * @throws NullPointerException when {@code comm} is {@code null}
     * @throws CommunicatorException when MPI is not initialized, already finalized, or cannot tell
     *     the rank and size of {@code comm}
     */
    public MpiCommunicator(Intracomm comm) {
        this.comm = Objects.requireNonNull(comm, "comm");
        try {
            this.rank = comm.getRank();
            this.worldSize = comm.getSize();
        } catch (MPIException e) {
            throw new CommunicatorException("Cannot read the rank and size of the MPI communicator: " + describe(e)
                    + " (MPI.Init must be called before creating an MpiCommunicator, and MPI.Finalize after closing it)",
                    e);
        }
    }

    /**
     * A communicator over {@code MPI.COMM_WORLD}: every process started by {@code mpirun} is one
     * bridge, with its MPI rank as bridge id.
     *
     * @return a new communicator wrapping {@code MPI.COMM_WORLD}
     * @throws CommunicatorException when MPI is not initialized or already finalized
     */
    public static MpiCommunicator world() {
        return new MpiCommunicator(MPI.COMM_WORLD);
    }

    /** The rank of this process in the wrapped communicator. */
    @Override
    public int rank() {
        return rank;
    }

    /** The size of the wrapped communicator. */
    @Override
    public int worldSize() {
        return worldSize;
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code MPI_Barrier} on the wrapped communicator.
     */
    @Override
    public void barrier() {
        ensureOpen("barrier");
        try {
            comm.barrier();
        } catch (MPIException e) {
            throw failure("barrier", e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Two {@code MPI_Bcast}s from {@code root}: the length, then the bytes. The root gets its own
     * array back; the other ranks get a new array. When {@code data} is {@code null} on the root,
     * the root throws {@link IllegalArgumentException} and the other ranks a {@link
     * CommunicatorException}, after the collective completed (the communicator stays usable).
     *
     * @throws IllegalArgumentException when {@code root} is outside {@code [0, worldSize())}, or
     *     {@code data} is {@code null} on the root
     */
    @Override
    public byte[] broadcast(byte[] data, int root) {
        if (root < 0 || root >= worldSize) {
            throw new IllegalArgumentException(
                    "rank " + rank + ": broadcast root " + root + " is outside [0, " + worldSize + ")");
        }
        ensureOpen("broadcast");
        boolean isRoot = rank == root;
        int[] length = {isRoot ? (data == null ? -1 : data.length) : 0};
        try {
            comm.bcast(length, 1, MPI.INT, root);
            if (length[0] < 0) {
                if (isRoot) {
                    throw new IllegalArgumentException(
                            "rank " + rank + ": broadcast data on root " + root + " must be non-null");
                }
                throw new CommunicatorException(
                        "rank " + rank + ": broadcast from root " + root + " failed: the root passed no data");
            }
            byte[] bytes = isRoot ? data : new byte[length[0]];
            if (length[0] > 0) {
                comm.bcast(bytes, length[0], MPI.BYTE, root);
            }
            return bytes;
        } catch (MPIException e) {
            throw failure("broadcast from root " + root, e);
        }
    }

    /**
     * Marks this communicator closed: later collectives throw {@link CommunicatorException}.
     * Idempotent. Neither frees the wrapped MPI communicator nor calls {@code MPI.Finalize}: the
     * simulation owns MPI and finalizes it after the bridge is closed.
     */
    @Override
    public void close() {
        closed = true;
    }

    @Override
    public String toString() {
        return "MpiCommunicator[rank " + rank + " of " + worldSize + (closed ? ", closed]" : "]");
    }

    private void ensureOpen(String operation) {
        if (closed) {
            throw new CommunicatorException("rank " + rank + ": cannot " + operation + ": the MpiCommunicator is closed");
        }
    }

    private CommunicatorException failure(String operation, MPIException e) {
        return new CommunicatorException("rank " + rank + " of " + worldSize + ": MPI " + operation + " failed: "
                + describe(e), e);
    }

    /** The exception's message with its MPI error class, when MPI set one. */
    private static String describe(MPIException e) {
        String message = e.getMessage() == null ? "MPI error" : e.getMessage();
        int errorClass = e.getErrorClass();
        return errorClass == 0 ? message : message + " (MPI error class " + errorClass + ")";
    }
}
