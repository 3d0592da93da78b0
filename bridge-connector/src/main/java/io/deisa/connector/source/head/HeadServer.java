package io.deisa.connector.source.head;

import io.deisa.wire.FeedbackTable;
import io.deisa.wire.Frame;
import io.deisa.wire.FrameIO;
import io.deisa.wire.PayloadReader;
import io.deisa.wire.PayloadWriter;
import io.deisa.wire.Protocol;
import io.deisa.wire.ProtocolException;
import io.deisa.wire.Registration;

import org.apache.flink.annotation.Internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The head endpoint: the one address a simulation needs. It registers bridges, checks their
 * metadata with a {@link BridgeRegistry}, releases them all once the world is complete, relays the
 * analytics progress and feedback from the job's publisher to the bridges, and watches their
 * control connections: a bridge that reports an abnormal exit, or whose connection
 * drops before it closed the run, fails the run with a message naming it. Control frames are
 * described in {@code docs/PROTOCOL.md}.
 */
@Internal
public final class HeadServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HeadServer.class);
    /** How often statistics that did not advance the newest timestep reach the publisher. */
    private static final long RUN_STATS_FLUSH_MILLIS = 100;

    private final String host;
    private final int port;
    private final HeadListener listener;
    private final BridgeRegistry registry;
    private final int maxSimulationAhead;
    private final FeedbackTable feedback;
    private final Map<Integer, Session> sessions = new ConcurrentHashMap<>();
    private final RunStatistics runStatistics = new RunStatistics();
    private final ScheduledExecutorService statsFlusher = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "deisa-head-stats");
        thread.setDaemon(true);
        return thread;
    });
    private volatile long progress = Long.MIN_VALUE;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final Set<OutputStream> publishers = ConcurrentHashMap.newKeySet();
    private ServerSocket server;
    private volatile boolean closing;
    private volatile boolean failed;

    /**
     * A head for a job whose callbacks request {@code requestedArrays}, listening on {@code
     * host:port} once started.
     *
     * @param maxSimulationAhead told to bridges: how many timesteps they may run ahead
     * @param feedbackQueueSize feedback entries retained per key
     */
    public HeadServer(
            String host, int port, Set<String> requestedArrays, int maxSimulationAhead, int feedbackQueueSize,
            HeadListener listener) {
        this.host = host;
        this.port = port;
        this.listener = listener;
        this.registry = new BridgeRegistry(requestedArrays);
        this.maxSimulationAhead = maxSimulationAhead;
        this.feedback = new FeedbackTable(feedbackQueueSize);
    }

    /**
     * Binds the head address and starts accepting bridges.
     *
     * @throws IOException naming the address when it cannot be bound
     */
    public void start() throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        try {
            socket.bind(new InetSocketAddress(host, port), 1024);
        } catch (IOException e) {
            socket.close();
            throw new IOException("The analytics head cannot listen on " + host + ":" + port + ": " + e.getMessage()
                    + " (set the head address with DeisaOptions.head or DEISA_HEAD)", e);
        }
        server = socket;
        Thread acceptor = new Thread(this::acceptLoop, "deisa-head-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
        statsFlusher.scheduleWithFixedDelay(
                this::flushRunStats, RUN_STATS_FLUSH_MILLIS, RUN_STATS_FLUSH_MILLIS, TimeUnit.MILLISECONDS);
        LOG.info("Analytics head listening on {}:{}", host, socket.getLocalPort());
    }

    private void acceptLoop() {
        while (!closing) {
            try {
                Socket socket = server.accept();
                socket.setTcpNoDelay(true);
                sockets.add(socket);
                Thread session = new Thread(() -> serve(socket), "deisa-head-" + socket.getRemoteSocketAddress());
                session.setDaemon(true);
                session.start();
            } catch (IOException e) {
                if (!closing) {
                    LOG.warn("Head stopped accepting bridges: {}", e.toString());
                }
                return;
            }
        }
    }

    /** The head's side of one bridge connection. */
    private final class Session {
        final int bridgeId;
        final OutputStream out;
        volatile boolean runClosed;
        volatile boolean aborted;

        Session(int bridgeId, OutputStream out) {
            this.bridgeId = bridgeId;
            this.out = out;
        }

        synchronized void send(byte type, byte[] payload) {
            try {
                FrameIO.write(out, type, payload);
            } catch (IOException e) {
                LOG.debug("Could not notify bridge {}", bridgeId, e);
            }
        }

        void send(byte type, String text) {
            send(type, text.getBytes(StandardCharsets.UTF_8));
        }
    }

    private void serve(Socket socket) {
        String peer = "client at " + socket.getRemoteSocketAddress();
        try (socket) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            byte channel = FrameIO.readHello(in, peer);
            if (channel != Protocol.CHANNEL_CONTROL && channel != Protocol.CHANNEL_PUBLISH) {
                FrameIO.sendError(out, "the head serves the control and publish channels, not channel " + channel);
                return;
            }
            FrameIO.write(out, Protocol.HELLO, FrameIO.helloPayload(channel));
            if (channel == Protocol.CHANNEL_PUBLISH) {
                publishers.add(out);
                try {
                    servePublisher(in, peer);
                } finally {
                    publishers.remove(out);
                }
            } else {
                serveBridge(in, out, socket);
            }
        } catch (IOException e) {
            if (!closing) {
                LOG.warn("Closed connection of {}: {}", peer, e.getMessage());
            }
        } finally {
            sockets.remove(socket);
        }
    }

    /** The job's feedback publisher: feedback values and analytics progress. */
    private void servePublisher(InputStream in, String peer) throws IOException {
        LOG.info("Feedback publisher connected from {}", peer);
        while (true) {
            Frame frame;
            try {
                frame = FrameIO.read(in, Protocol.MAX_CONTROL_FRAME);
            } catch (EOFException e) {
                return;
            }
            PayloadReader payload = frame.reader();
            if (frame.type() == Protocol.FEEDBACK) {
                feedback.put(new FeedbackTable.Entry(payload.getString(), payload.getLong(), payload.getBytes()));
            } else if (frame.type() == Protocol.PROGRESS) {
                onProgress(payload.getLong());
            } else {
                throw new ProtocolException("Unexpected " + frame.name() + " frame from the feedback publisher");
            }
        }
    }

    private synchronized void onProgress(long completed) {
        if (completed <= progress) {
            return;
        }
        progress = completed;
        if (completed == Long.MAX_VALUE) {
            byte[] table = FeedbackTable.encode(feedback.all());
            LOG.info("Analytics finished; sending {} feedback entries to the bridges", feedback.size());
            sessions.values().forEach(s -> s.send(Protocol.FINAL, table));
        } else {
            byte[] payload = new PayloadWriter().putLong(completed).toByteArray();
            sessions.values().forEach(s -> s.send(Protocol.PROGRESS, payload));
        }
    }

    private void serveBridge(InputStream in, OutputStream out, Socket socket) throws IOException {
        String peer = "bridge at " + socket.getRemoteSocketAddress();
        Session session = null;
        try {
            Frame frame = FrameIO.read(in, Protocol.MAX_CONTROL_FRAME);
            if (frame.type() != Protocol.REGISTER) {
                throw new ProtocolException("Expected REGISTER from " + peer + ", got " + frame.name());
            }
            Registration registration = Registration.decode(frame);
            session = new Session(registration.bridgeId(), out);
            peer = "bridge " + registration.bridgeId() + " (" + socket.getRemoteSocketAddress() + ")";
            if (!register(registration, session)) {
                return;
            }
            while (true) {
                handleBridgeFrame(session, FrameIO.read(in, Protocol.MAX_CONTROL_FRAME), peer);
                if (session.aborted) {
                    return;
                }
            }
        } catch (EOFException e) {
            if (session != null && !session.runClosed && !closing) {
                runFailed("Bridge " + session.bridgeId + " disconnected from the analytics head without "
                        + "close(timestep): the bridge process died or left abnormally");
            }
        } catch (IOException e) {
            if (session != null && !session.runClosed && !closing) {
                runFailed("Lost the control connection of " + peer + ": " + e.getMessage());
            }
            throw e;
        }
    }

    private void handleBridgeFrame(Session session, Frame frame, String peer) throws ProtocolException {
        PayloadReader payload = frame.reader();
        switch (frame.type()) {
            case Protocol.CLOSE:
                session.runClosed = true;
                LOG.info("Bridge {} closed the run at timestep {}", session.bridgeId, payload.getLong());
                break;
            case Protocol.ABORT:
                session.aborted = true;
                runFailed("Bridge " + session.bridgeId + " left the run abnormally: " + payload.getString());
                break;
            case Protocol.GET:
                String key = payload.getString();
                boolean all = payload.getByte() != 0;
                long timestep = payload.getLong();
                session.send(Protocol.FEEDBACK_REPLY,
                        FeedbackTable.encode(all ? feedback.entries(key) : feedback.entry(key, timestep)));
                break;
            case Protocol.STATS:
                long sent = payload.getLong();
                long blockedNanos = payload.getLong();
                // One update and its frame at a time: frames computed by sessions running
                // concurrently could otherwise reach the publisher out of order, a stale one last.
                synchronized (runStatistics) {
                    if (runStatistics.update(session.bridgeId, sent, blockedNanos)) {
                        sendRunStats();
                    }
                }
                break;
            default:
                throw new ProtocolException("Unexpected " + frame.name() + " frame from " + peer);
        }
    }

    /** Registers a bridge; false when it was rejected. */
    private boolean register(Registration registration, Session session) {
        List<Registration> world;
        synchronized (registry) {
            try {
                if (!registry.register(registration)) {
                    sessions.put(registration.bridgeId(), session);
                    return true;
                }
                sessions.put(registration.bridgeId(), session);
                registry.checkComplete();
            } catch (ContractViolation violation) {
                // The world can no longer complete: tell every bridge instead of letting them time out.
                LOG.error("Rejected bridge {}: {}", registration.bridgeId(), violation.getMessage());
                session.send(Protocol.REJECTED, violation.getMessage());
                sessions.values().forEach(s -> s.send(Protocol.REJECTED, violation.getMessage()));
                runFailed(violation.getMessage());
                return false;
            }
            world = registry.registrations();
        }
        LOG.info("All {} bridges registered", world.size());
        byte[] registered = new PayloadWriter().putInt(maxSimulationAhead).toByteArray();
        sessions.values().forEach(s -> s.send(Protocol.REGISTERED, registered));
        listener.onWorldRegistered(world);
        return true;
    }

    /**
     * Tells the job's publisher the newest timestep a bridge sent and the time bridges were
     * blocked, so that they show as metrics of a running operator. Called holding the {@code
     * runStatistics} lock.
     */
    private void sendRunStats() {
        byte[] payload = new PayloadWriter()
                .putLong(runStatistics.newestTimestep())
                .putLong(runStatistics.blockedMillis())
                .toByteArray();
        for (OutputStream publisher : publishers) {
            synchronized (publisher) {
                try {
                    FrameIO.write(publisher, Protocol.RUN_STATS, payload);
                } catch (IOException e) {
                    LOG.debug("Could not send run statistics to the publisher", e);
                }
            }
        }
    }

    private void flushRunStats() {
        synchronized (runStatistics) {
            if (runStatistics.flush()) {
                sendRunStats();
            }
        }
    }

    private void runFailed(String reason) {
        if (!failed) {
            failed = true;
            LOG.error("Run failed: {}", reason);
            listener.onRunFailed(reason);
        }
    }

    /**
     * Stops the head. Bridges that have not closed the run are told that the analytics job
     * stopped, so they raise an error instead of waiting.
     */
    @Override
    public void close() {
        closing = true;
        statsFlusher.shutdownNow();
        for (Session session : sessions.values()) {
            if (!session.runClosed) {
                session.send(Protocol.JOB_FAILED, "the analytics job stopped before bridge " + session.bridgeId
                        + " closed the run");
            }
        }
        try {
            if (server != null) {
                server.close();
            }
        } catch (IOException e) {
            LOG.debug("closing head socket", e);
        }
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException e) {
                LOG.debug("closing bridge connection", e);
            }
        }
    }
}
