package io.deisa.bridge.comm;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
 * communicator in the same order, as with any MPI collective. {@link #checkSameCall(String)} lets
 * the caller check it (the {@link io.deisa.bridge.Bridge} does before each of its collectives): one
 * {@code MPI_Allreduce} ({@code MPI.MAX} over {@code MPI.LONG}) of a 64-bit FNV-1a hash of the
 * call's UTF-8 bytes and of its bitwise complement, which yields the largest and the smallest hash;
 * only when they differ, an {@code MPI_Allgather} of the calls lets every rank build the same
 * message.
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
    /** Bytes per rank in the allGather of a failed check: hash, length, call. */
    private static final int CALL_SLOT_BYTES = 512;
    /** Bytes of a call's UTF-8 text in its slot, after the 8-byte hash and the 2-byte length. */
    private static final int CALL_TEXT_BYTES = CALL_SLOT_BYTES - Long.BYTES - Short.BYTES;
    private static final byte[] ELLIPSIS = "...".getBytes(StandardCharsets.UTF_8);

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
     * {@inheritDoc}
     *
     * <p>One {@code MPI_Allreduce} of two longs with {@code MPI.MAX}: {@code h} and {@code ~h},
     * where {@code h} is the 64-bit FNV-1a hash of the call's UTF-8 bytes, give {@code max(h)} and
     * {@code ~min(h)} (the bitwise complement, unlike negation, does not overflow). When every hash
     * is equal the check returns. Otherwise one {@code MPI_Allgather} of a fixed 512-byte slot per
     * rank (hash, then the call, truncated to at most 502 UTF-8 bytes ending in {@code "..."})
     * gives every rank the same data, from which each builds the same message: rank 0's call and
     * that of the lowest rank whose hash differs. Calls longer than the slot therefore appear
     * truncated in the message. Two different calls with the same hash (probability about
     * 2<sup>-64</sup> per pair) would not be detected. The communicator stays usable after a
     * mismatch: every rank completed both collectives.
     *
     * @throws IllegalArgumentException when {@code call} is {@code null}, on this rank before any
     *     MPI call
     */
    @Override
    public void checkSameCall(String call) {
        if (call == null) {
            throw new IllegalArgumentException("rank " + rank + ": checkSameCall needs a call, got null");
        }
        ensureOpen("checkSameCall");
        byte[] bytes = call.getBytes(StandardCharsets.UTF_8);
        long hash = fnv1a64(bytes);
        long[] extremes = {hash, ~hash};
        try {
            comm.allReduce(extremes, 2, MPI.LONG, MPI.MAX);
            if (extremes[0] == ~extremes[1]) {
                return; // the largest hash equals the smallest: every rank made the same call
            }
            byte[] slots = new byte[CALL_SLOT_BYTES * worldSize];
            comm.allGather(slot(hash, bytes), CALL_SLOT_BYTES, MPI.BYTE, slots, CALL_SLOT_BYTES, MPI.BYTE);
            throw new CollectiveMismatchException(mismatch(slots));
        } catch (MPIException e) {
            throw failure("checkSameCall", e);
        }
    }

    /** 64-bit FNV-1a. */
    static long fnv1a64(byte[] bytes) {
        long hash = 0xcbf29ce484222325L;
        for (byte b : bytes) {
            hash ^= b & 0xff;
            hash *= 0x100000001b3L;
        }
        return hash;
    }

    /** A rank's slot: {@code long hash | unsigned short length | UTF-8 call (truncated) | zero padding}. */
    static byte[] slot(long hash, byte[] call) {
        ByteBuffer slot = ByteBuffer.allocate(CALL_SLOT_BYTES).putLong(hash);
        if (call.length <= CALL_TEXT_BYTES) {
            slot.putShort((short) call.length).put(call);
        } else {
            int cut = CALL_TEXT_BYTES - ELLIPSIS.length;
            while (cut > 0 && (call[cut] & 0xC0) == 0x80) {
                cut--; // do not split a UTF-8 sequence
            }
            slot.putShort((short) (cut + ELLIPSIS.length)).put(call, 0, cut).put(ELLIPSIS);
        }
        return slot.array();
    }

    /** The message of a failed check from every rank's slot: rank 0 and the lowest rank whose hash differs. */
    static String mismatch(byte[] slots) {
        ByteBuffer all = ByteBuffer.wrap(slots);
        int ranks = slots.length / CALL_SLOT_BYTES;
        long hash0 = all.getLong(0);
        for (int r = 1; r < ranks; r++) {
            if (all.getLong(r * CALL_SLOT_BYTES) != hash0) {
                return CollectiveMismatchException.message(0, slotText(all, 0), r, slotText(all, r));
            }
        }
        // Unreachable when the allReduce saw different hashes: every rank received the same slots.
        return "collective calls differ, but every gathered call hash equals rank 0's";
    }

    private static String slotText(ByteBuffer all, int rank) {
        int start = rank * CALL_SLOT_BYTES + Long.BYTES;
        int length = all.getShort(start) & 0xffff;
        return new String(all.array(), start + Short.BYTES, length, StandardCharsets.UTF_8);
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
