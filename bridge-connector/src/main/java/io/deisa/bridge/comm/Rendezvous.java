package io.deisa.bridge.comm;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rendezvous of a {@link TcpCommunicator}: rank 0 {@linkplain #host() hosts} it and accepts one
 * connection per other rank, the other ranks {@linkplain #join() join} it. Everything is bounded by
 * one deadline, {@code timeout} after the start.
 *
 * <p>A joining rank sends {@link FrameType#HELLO} and waits for {@link FrameType#WELCOME} (every
 * rank is in), {@link FrameType#TIMEOUT} (rank 0 gave up) or {@link FrameType#ABORT} (rank 0
 * rejected a peer).
 */
final class Rendezvous {
    private static final Logger LOG = LoggerFactory.getLogger(Rendezvous.class);
    /** Largest reason text rank 0 sends to a joining rank. */
    private static final int MAX_REASON_BYTES = 64 * 1024;
    private static final long FIRST_BACKOFF_MILLIS = 50;
    private static final long MAX_BACKOFF_MILLIS = 500;
    /** Longer timeouts are capped so that the deadline stays representable in nanoseconds. */
    private static final Duration MAX_WAIT = Duration.ofDays(365L * 100);

    private final int worldSize;
    private final int rank;
    private final String address;
    private final int port;
    private final Duration timeout;
    private final long deadlineNanos;

    /** Starts the clock of a rendezvous; arguments are already validated. */
    Rendezvous(int worldSize, int rank, String address, int port, Duration timeout) {
        this.worldSize = worldSize;
        this.rank = rank;
        this.address = address;
        this.port = port;
        this.timeout = timeout;
        this.deadlineNanos = System.nanoTime() + (timeout.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : timeout).toNanos();
    }

    /**
     * Rank 0: accepts every other rank and releases them together.
     *
     * @return the channels indexed by rank; index 0 is {@code null}
     * @throws RendezvousException when not every rank joined in time (joined ranks are told)
     * @throws CommunicatorException when a peer is rejected (every joined rank is told)
     */
    FrameChannel[] host() {
        FrameChannel[] peers = new FrameChannel[worldSize];
        try (ServerSocket server = bind()) {
            for (int joined = 1; joined < worldSize; joined++) {
                admit(server, peers);
            }
            Frame welcome = new Frame(FrameType.WELCOME, 0, 0, Handshake.of(0, worldSize).encode());
            for (int r = 1; r < worldSize; r++) {
                send(peers[r], welcome, "rank " + r);
                peers[r].readTimeout(0);
            }
            LOG.info("{}: TCP rendezvous of {} ranks complete at {}", me(), worldSize, endpoint());
            return peers;
        } catch (IOException e) {
            throw abort(peers, new CommunicatorException(me() + ": TCP rendezvous at " + endpoint() + " failed: " + e, e));
        } catch (RendezvousException e) {
            LOG.warn(e.getMessage());
            throw notify(peers, Frame.text(FrameType.TIMEOUT, 0, missing(peers)), e);
        } catch (CommunicatorException e) {
            throw abort(peers, e);
        }
    }

    /**
     * Any rank but 0: connects to rank 0 and waits until every rank joined.
     *
     * @return the channel to rank 0
     * @throws RendezvousException when rank 0 is not reachable or the world not complete in time
     * @throws CommunicatorException when rank 0 rejected this rank or the rendezvous
     */
    FrameChannel join() {
        FrameChannel channel = connect();
        try {
            channel.send(new Frame(FrameType.HELLO, 0, 0, Handshake.of(rank, worldSize).encode()));
            channel.readTimeout(readTimeoutMillis());
            Frame reply = channel.receive(MAX_REASON_BYTES);
            switch (reply.type()) {
                case WELCOME:
                    checkWelcome(reply);
                    channel.readTimeout(0);
                    return channel;
                case TIMEOUT:
                    throw timedOut("rank 0 gave up waiting: " + reply.text());
                case ABORT:
                    throw new CommunicatorException(me() + ": rank 0 at " + endpoint() + " rejected the rendezvous: "
                            + reply.text());
                default:
                    throw new ProtocolException("unexpected " + reply.describe() + " from rank 0 during the rendezvous");
            }
        } catch (SocketTimeoutException e) {
            channel.close();
            throw timedOut("rank 0 did not report a complete world");
        } catch (IOException e) {
            channel.close();
            throw new RendezvousException(message(e instanceof EOFException
                    ? "rank 0 closed the connection" : "the connection to rank 0 failed: " + e), e);
        } catch (CommunicatorException e) {
            channel.close();
            throw e;
        }
    }

    private ServerSocket bind() {
        try {
            ServerSocket server = new ServerSocket();
            server.setReuseAddress(true);
            try {
                server.bind(new InetSocketAddress(address, port), worldSize);
            } catch (IOException e) {
                server.close();
                throw e;
            }
            return server;
        } catch (IOException e) {
            throw new CommunicatorException(me() + ": cannot listen on " + endpoint() + " for the TCP rendezvous: " + e, e);
        }
    }

    /** Accepts connections until one is admitted as a new rank. */
    private void admit(ServerSocket server, FrameChannel[] peers) throws IOException {
        while (true) {
            FrameChannel candidate = accept(server, peers);
            Handshake hello;
            try {
                candidate.readTimeout(readTimeoutMillis());
                Frame frame = candidate.receive(Handshake.SIZE);
                if (frame.type() != FrameType.HELLO) {
                    throw new ProtocolException("expected HELLO but got " + frame.describe());
                }
                hello = Handshake.decode(frame.payload());
            } catch (SocketTimeoutException e) {
                candidate.close();
                throw timedOut(missing(peers));
            } catch (ProtocolException e) {
                throw reject(candidate, e.getMessage());
            } catch (IOException e) {
                LOG.warn("{}: ignoring a connection from {} that failed before its handshake: {}",
                        me(), candidate.remoteAddress(), e.toString());
                candidate.close();
                continue;
            }
            String incompatibility = hello.incompatibility(worldSize);
            if (incompatibility != null) {
                throw reject(candidate, incompatibility);
            }
            if (hello.rank() < 1 || hello.rank() >= worldSize) {
                throw reject(candidate, "rank " + hello.rank() + " is outside [1, " + worldSize + ")");
            }
            if (peers[hello.rank()] != null) {
                throw reject(candidate, "rank " + hello.rank() + " joined twice, from "
                        + peers[hello.rank()].remoteAddress() + " and " + candidate.remoteAddress());
            }
            peers[hello.rank()] = candidate;
            return;
        }
    }

    private FrameChannel accept(ServerSocket server, FrameChannel[] peers) throws IOException {
        Socket socket = null;
        while (socket == null) {
            int remaining = remainingMillis();
            if (remaining == 0) {
                throw timedOut(missing(peers));
            }
            server.setSoTimeout(remaining);
            try {
                socket = server.accept();
            } catch (SocketTimeoutException e) {
                // Checked against the deadline at the top of the loop.
            }
        }
        try {
            return new FrameChannel(socket);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** Tells a rejected candidate why, closes it, and returns the failure for every other rank. */
    private CommunicatorException reject(FrameChannel candidate, String reason) {
        String message = me() + ": rejected the connection from " + candidate.remoteAddress() + ": " + reason;
        sendQuietly(candidate, Frame.text(FrameType.ABORT, 0, message));
        candidate.close();
        return new CommunicatorException(message);
    }

    private static String missing(FrameChannel[] peers) {
        List<Integer> missing = new ArrayList<>();
        for (int r = 1; r < peers.length; r++) {
            if (peers[r] == null) {
                missing.add(r);
            }
        }
        return "ranks " + missing + " did not join";
    }

    /** Connects to rank 0, retrying with a growing backoff until the deadline. */
    private FrameChannel connect() {
        long backoff = FIRST_BACKOFF_MILLIS;
        IOException last = null;
        while (true) {
            int remaining = remainingMillis();
            if (remaining <= 0) {
                throw new RendezvousException(message("rank 0 was not reachable"
                        + (last == null ? "" : ", last error: " + last)), last);
            }
            Socket socket = new Socket();
            try {
                socket.connect(new InetSocketAddress(address, port), remaining);
                io.deisa.wire.SelfConnection.check(socket, "rank 0's rendezvous");
                return new FrameChannel(socket);
            } catch (IOException e) {
                last = e;
                closeQuietly(socket);
            }
            try {
                Thread.sleep(Math.max(0, Math.min(backoff, remainingMillis())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CommunicatorException(me() + ": interrupted while connecting to rank 0 at " + endpoint(), e);
            }
            backoff = Math.min(2 * backoff, MAX_BACKOFF_MILLIS);
        }
    }

    private void checkWelcome(Frame welcome) throws ProtocolException {
        Handshake handshake = Handshake.decode(welcome.payload());
        String incompatibility = handshake.incompatibility(worldSize);
        if (incompatibility != null || handshake.rank() != 0) {
            throw new ProtocolException("incompatible WELCOME from rank 0: "
                    + (incompatibility != null ? incompatibility : "sender claims rank " + handshake.rank()));
        }
    }

    /** Sends a frame to every joined rank, closes them, and returns {@code failure}. */
    private static <E extends CommunicatorException> E notify(FrameChannel[] peers, Frame frame, E failure) {
        for (FrameChannel peer : peers) {
            if (peer != null) {
                sendQuietly(peer, frame);
                peer.close();
            }
        }
        return failure;
    }

    private static CommunicatorException abort(FrameChannel[] peers, CommunicatorException failure) {
        LOG.warn(failure.getMessage());
        return notify(peers, Frame.text(FrameType.ABORT, 0, failure.getMessage()), failure);
    }

    private void send(FrameChannel channel, Frame frame, String peer) {
        try {
            channel.send(frame);
        } catch (IOException e) {
            throw new CommunicatorException(me() + ": cannot release " + peer + " after the TCP rendezvous at "
                    + endpoint() + ": " + e, e);
        }
    }

    private static void sendQuietly(FrameChannel channel, Frame frame) {
        try {
            channel.send(frame);
        } catch (IOException ignored) {
            // The peer is gone: it fails on its own side.
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Nothing left to release.
        }
    }

    private RendezvousException timedOut(String detail) {
        return new RendezvousException(message(detail));
    }

    /** Message of a failed rendezvous: names the rank, the world size, the endpoint and the timeout. */
    private String message(String detail) {
        return me() + ": TCP rendezvous of world size " + worldSize + " at " + endpoint()
                + " did not complete within " + timeout + " (" + timeout.toMillis() + " ms): " + detail;
    }

    private String me() {
        return "rank " + rank;
    }

    private String endpoint() {
        return (address.indexOf(':') >= 0 ? "[" + address + "]" : address) + ":" + port;
    }

    /** Read timeout until the deadline: at least 1 ms, as 0 would mean no timeout at all. */
    private int readTimeoutMillis() {
        return Math.max(1, remainingMillis());
    }

    /** Milliseconds left before the deadline, rounded up: at least 1 while time remains, 0 after. */
    private int remainingMillis() {
        long nanos = deadlineNanos - System.nanoTime();
        return nanos <= 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, (nanos + 999_999) / 1_000_000);
    }
}
