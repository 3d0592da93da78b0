package io.deisa.bridge.comm;

import java.io.EOFException;
import java.io.IOException;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The default {@link Communicator}: a star of TCP connections centred on rank 0, for simulations
 * that do not run under MPI.
 *
 * <pre>{@code
 * try (Communicator comm = TcpCommunicator.connect(4, rank, "10.0.0.1", 29500, Duration.ofMinutes(2))) {
 *     comm.barrier();
 * }
 * }</pre>
 *
 * <p><b>Rendezvous.</b> Rank 0 listens on {@code masterAddress:masterPort} ({@code SO_REUSEADDR})
 * and accepts the other ranks, which connect with a short backoff (50 ms doubling up to 500 ms)
 * until {@code timeout}. Each sends a handshake (magic number, protocol version, rank, world size);
 * rank 0 rejects wrong magic or version, out-of-range or duplicate ranks and world-size mismatches,
 * and every rank then gets a {@link CommunicatorException}. When every rank has joined, rank 0
 * releases them all; when not every rank joined within {@code timeout}, every joined rank gets a
 * {@link RendezvousException} naming its rank, the world size, the endpoint and the timeout. A world
 * of size 1 opens no socket.
 *
 * <p><b>Collectives.</b> Frames are {@code int payloadLength | byte type | long seq | int root |
 * payload} (big-endian, payload at most 1 GiB), where {@code seq} numbers the collectives of the
 * communicator. In every collective each rank other than 0 reports to rank 0, which checks type,
 * number and root: a rank in {@code barrier} while another is in {@code broadcast}, or in
 * broadcasts of different roots, is detected and reported instead of corrupting the stream. The
 * frames of the collectives are:
 * <ul>
 *   <li>{@link #barrier()}: peers send {@code BARRIER}; rank 0 answers {@code RELEASE};
 *   <li>{@link #broadcast(byte[], int)}: peers send {@code BROADCAST}, the root with its bytes;
 *       rank 0 sends {@code BROADCAST} with the root's bytes to every peer but the root;
 *   <li>{@link #checkSameCall(String)}: peers send {@code CHECK} with their call (UTF-8); rank 0
 *       compares each with its own call and answers {@code RELEASE} when all are equal, else {@code
 *       MISMATCH} with the message naming rank 0, the lowest differing rank and both calls;
 *   <li>{@code ABORT} (either direction, any time): the sender gives up, with its reason.
 * </ul>
 * A failure (a peer closing its socket, a mismatch, invalid arguments) breaks the communicator: the
 * failing rank tells the others, which get a {@link CommunicatorException} naming the rank at
 * fault, and every later call fails. A failed {@code checkSameCall} breaks it too: every rank gets
 * the same {@link CollectiveMismatchException}. No Java serialization is used.
 *
 * <p><b>Threads.</b> Collectives of one rank must be called from one thread at a time. {@link
 * #close()} may be called from any thread: it unblocks a waiting collective, which then throws a
 * {@link CommunicatorException}.
 */
public final class TcpCommunicator implements Communicator {
    private static final byte[] EMPTY = new byte[0];
    /** Largest call accepted by {@link #checkSameCall(String)}, in UTF-8 bytes: 64 KiB. */
    static final int MAX_CALL_BYTES = 64 * 1024;

    private final int rank;
    private final int worldSize;
    /** On rank 0: the channel of each rank (index 0 unused); on other ranks: only the channel to rank 0. */
    private final FrameChannel[] channels;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile CommunicatorException failure;
    private long seq;

    private TcpCommunicator(int rank, int worldSize, FrameChannel[] channels) {
        this.rank = rank;
        this.worldSize = worldSize;
        this.channels = channels;
    }

    /**
     * Connects this rank to the others; returns when every rank has joined.
     *
     * @param worldSize the number of ranks, at least 1
     * @param rank this rank, in {@code [0, worldSize)}; rank 0 hosts the rendezvous
     * @param masterAddress host where rank 0 listens (unused when {@code worldSize == 1})
     * @param masterPort port where rank 0 listens, in {@code [1, 65535]} (unused when {@code
     *     worldSize == 1})
     * @param timeout how long to wait for every rank, positive
     * @return the connected communicator
     * @throws IllegalArgumentException when an argument is invalid
     * @throws RendezvousException when not every rank joined within {@code timeout}
     * @throws CommunicatorException when rank 0 cannot listen or rejects a peer
     */
    public static TcpCommunicator connect(
            int worldSize, int rank, String masterAddress, int masterPort, Duration timeout) {
        if (worldSize < 1) {
            throw new IllegalArgumentException("worldSize must be >= 1 but is " + worldSize);
        }
        if (rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("rank " + rank + " is outside [0, " + worldSize + ")");
        }
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive but is " + timeout);
        }
        if (worldSize == 1) {
            return new TcpCommunicator(0, 1, new FrameChannel[1]);
        }
        if (masterAddress == null || masterAddress.isBlank()) {
            throw new IllegalArgumentException("masterAddress is missing for a world of size " + worldSize);
        }
        if (masterPort < 1 || masterPort > 65535) {
            throw new IllegalArgumentException("masterPort must be in [1, 65535] but is " + masterPort);
        }
        Rendezvous rendezvous = new Rendezvous(worldSize, rank, masterAddress, masterPort, timeout);
        FrameChannel[] channels = rank == 0 ? rendezvous.host() : new FrameChannel[] {rendezvous.join()};
        return new TcpCommunicator(rank, worldSize, channels);
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int worldSize() {
        return worldSize;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Ranks other than 0 send {@code BARRIER} to rank 0, which waits for all of them, then
     * releases them all.
     */
    @Override
    public void barrier() {
        collective(FrameType.BARRIER, 0, EMPTY);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Ranks other than 0 report to rank 0, the root with its bytes; rank 0 then sends the root's
     * bytes to the ranks still waiting. The broadcast therefore synchronizes the ranks like a
     * barrier. The root gets its own array back. Invalid arguments (a root outside the world, {@code
     * null} data or more than 1 GiB on the root) break the communicator so that the other ranks do
     * not wait forever: this rank throws {@link IllegalArgumentException}, the others a {@link
     * CommunicatorException}.
     */
    @Override
    public byte[] broadcast(byte[] data, int root) {
        if (root < 0 || root >= worldSize) {
            throw invalid("broadcast root " + root + " is outside [0, " + worldSize + ")");
        }
        if (root == rank && (data == null || data.length > FrameChannel.MAX_PAYLOAD)) {
            throw invalid("broadcast data on root " + root + " must be non-null and at most "
                    + FrameChannel.MAX_PAYLOAD + " bytes but is " + (data == null ? "null" : data.length + " bytes"));
        }
        return collective(FrameType.BROADCAST, root, root == rank ? data : EMPTY);
    }

    /**
     * {@inheritDoc}
     *
     * <p>One round trip through rank 0: the other ranks send {@code CHECK} with their call; rank 0
     * waits for every rank, compares each call with its own, and answers {@code RELEASE} when all are
     * equal. Otherwise it sends every rank {@code MISMATCH} with the message naming rank 0, the
     * lowest rank whose call differs, and both calls; every rank throws {@link
     * CollectiveMismatchException} with that message, and the communicator is broken (later calls
     * fail). A rank in another collective (barrier, broadcast) or in a check of another number is
     * reported like any mismatched collective, with a {@link CommunicatorException}.
     *
     * @throws IllegalArgumentException when {@code call} is {@code null} or longer than 64 KiB in
     *     UTF-8; this breaks the communicator, so the other ranks get a {@link
     *     CommunicatorException} instead of waiting
     */
    @Override
    public void checkSameCall(String call) {
        if (call == null) {
            throw invalid("checkSameCall needs a call, got null");
        }
        byte[] bytes = call.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_CALL_BYTES) {
            throw invalid("the call passed to checkSameCall has " + bytes.length + " UTF-8 bytes, more than "
                    + MAX_CALL_BYTES);
        }
        long op = begin();
        try {
            if (rank == 0) {
                gatherAndCompare(op, call, bytes);
            } else {
                send(0, new Frame(FrameType.CHECK, op, 0, bytes));
                expect(0, FrameType.RELEASE, op, 0);
            }
        } catch (CommunicatorException e) {
            throw fail(e);
        }
    }

    /** Rank 0's side of a check: waits for every rank's call, then releases them or reports the first difference. */
    private void gatherAndCompare(long op, String call, byte[] bytes) {
        String mismatch = null;
        for (int r = 1; r < worldSize; r++) {
            Frame arrival = expect(r, FrameType.CHECK, op, 0);
            if (mismatch == null && !Arrays.equals(arrival.payload(), bytes)) {
                mismatch = CollectiveMismatchException.message(0, call, r, arrival.text());
            }
        }
        if (mismatch != null) {
            throw new CollectiveMismatchException(mismatch); // fail() sends it to every rank
        }
        Frame release = Frame.of(FrameType.RELEASE, op);
        for (int r = 1; r < worldSize; r++) {
            send(r, release);
        }
    }

    /** Closes the sockets; idempotent. A collective waiting in another thread then fails. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            for (FrameChannel channel : channels) {
                if (channel != null) {
                    channel.close();
                }
            }
        }
    }

    @Override
    public String toString() {
        return "TcpCommunicator{rank=" + rank + ", worldSize=" + worldSize + ", closed=" + closed.get() + '}';
    }

    /** Checks that the communicator is usable and numbers the next collective. */
    private long begin() {
        CommunicatorException earlier = failure;
        if (earlier != null) {
            throw new CommunicatorException(me() + ": the communicator is broken by an earlier failure: "
                    + earlier.getMessage(), earlier);
        }
        if (closed.get()) {
            throw new CommunicatorException(me() + ": the communicator is closed");
        }
        return ++seq;
    }

    /**
     * Runs one collective: every rank other than 0 sends an arrival frame of {@code type} to rank 0
     * (carrying {@code data} on the root), rank 0 checks that every arrival belongs to this
     * collective and answers every rank but the root.
     *
     * @return the root's bytes for a broadcast
     */
    private byte[] collective(FrameType type, int root, byte[] data) {
        long op = begin();
        try {
            return rank == 0 ? gatherAndRelease(type, op, root, data) : arriveAndWait(type, op, root, data);
        } catch (CommunicatorException e) {
            throw fail(e);
        }
    }

    private byte[] gatherAndRelease(FrameType type, long op, int root, byte[] data) {
        byte[] result = data;
        for (int r = 1; r < worldSize; r++) {
            Frame arrival = expect(r, type, op, root);
            if (r == root) {
                result = arrival.payload();
            }
        }
        Frame release = type == FrameType.BARRIER
                ? Frame.of(FrameType.RELEASE, op) : new Frame(FrameType.BROADCAST, op, root, result);
        for (int r = 1; r < worldSize; r++) {
            if (r != root) {
                send(r, release);
            }
        }
        return result;
    }

    private byte[] arriveAndWait(FrameType type, long op, int root, byte[] data) {
        send(0, new Frame(type, op, root, data));
        if (type == FrameType.BROADCAST && root == rank) {
            return data;
        }
        FrameType answer = type == FrameType.BARRIER ? FrameType.RELEASE : FrameType.BROADCAST;
        return expect(0, answer, op, root).payload();
    }

    /** Receives the next frame of {@code peer} and checks that it belongs to the current collective. */
    private Frame expect(int peer, FrameType type, long op, int root) {
        Frame frame;
        try {
            frame = channel(peer).receive(FrameChannel.MAX_PAYLOAD);
        } catch (IOException e) {
            throw lost(peer, e, Frame.describe(type, op, root));
        }
        if (frame.type() == FrameType.ABORT) {
            throw new CommunicatorException(me() + ": rank " + peer + " aborted the communicator: " + frame.text());
        }
        if (frame.type() == FrameType.MISMATCH) {
            // Rank 0's verdict on a check: the same message on every rank.
            throw new CollectiveMismatchException(frame.text());
        }
        if (frame.type() != type || frame.seq() != op || frame.root() != root) {
            throw new CommunicatorException(me() + ": mismatched collectives: expected "
                    + Frame.describe(type, op, root) + " from rank " + peer + " but got " + frame.describe());
        }
        return frame;
    }

    private void send(int peer, Frame frame) {
        try {
            channel(peer).send(frame);
        } catch (IOException e) {
            throw lost(peer, e, frame.describe());
        }
    }

    private FrameChannel channel(int peer) {
        return rank == 0 ? channels[peer] : channels[0];
    }

    /** The failure of a connection, naming the peer and the frame being exchanged. */
    private CommunicatorException lost(int peer, IOException e, String during) {
        if (closed.get()) {
            return new CommunicatorException(me() + ": the communicator was closed during " + during, e);
        }
        if (e instanceof EOFException) {
            return new CommunicatorException(me() + ": rank " + peer + " closed its connection during " + during, e);
        }
        if (e instanceof ProtocolException) {
            return new CommunicatorException(me() + ": protocol violation by rank " + peer + " during " + during
                    + ": " + e.getMessage(), e);
        }
        return new CommunicatorException(me() + ": the connection to rank " + peer + " failed during " + during
                + ": " + e, e);
    }

    /** Breaks the communicator for invalid arguments and returns the exception for the caller. */
    private IllegalArgumentException invalid(String message) {
        fail(new CommunicatorException(me() + ": " + message));
        return new IllegalArgumentException(message);
    }

    /**
     * Breaks the communicator: tells the reachable peers why, closes, and returns {@code cause}. A
     * failed check is told by rank 0 only, as {@code MISMATCH}: the other ranks learnt it from rank 0.
     */
    private CommunicatorException fail(CommunicatorException cause) {
        if (failure == null) {
            failure = cause;
        }
        boolean mismatch = cause instanceof CollectiveMismatchException;
        if (!closed.get() && (rank == 0 || !mismatch)) {
            Frame abort = Frame.text(mismatch ? FrameType.MISMATCH : FrameType.ABORT, seq, cause.getMessage());
            for (FrameChannel channel : channels) {
                if (channel != null && !channel.broken()) {
                    try {
                        channel.send(abort);
                        channel.discardPendingInput();
                    } catch (IOException ignored) {
                        // That peer is gone too: it fails on its own side.
                    }
                }
            }
        }
        close();
        return cause;
    }

    private String me() {
        return "rank " + rank;
    }
}
