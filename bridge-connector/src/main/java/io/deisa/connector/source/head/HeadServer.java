package io.deisa.connector.source.head;

import io.deisa.connector.source.BridgeSourceOptions;
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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
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
 *
 * <p><b>Run identity and life cycle.</b> Each head names its run with a random {@link #runId()},
 * told to every bridge in REGISTERED and named in every failure it reports; the bridges of a run
 * all announce one simulation id (chosen by their bridge 0). The run goes through:
 *
 * <ul>
 *   <li><i>registering</i>: registrations are checked against each other; any inconsistency
 *       (another simulation, a duplicate or out-of-range id, conflicting metadata) fails the run,
 *       naming both bridges and their addresses. Bounded by {@code registrationTimeout}: a world
 *       that is not complete by then fails the run, naming the bridges that did register.
 *   <li><i>running</i>: the world is complete; a further registration is an intruder: it is
 *       refused (REFUSED without retry), logged and counted ({@code registrationsRefused}), and the
 *       run goes on.
 *   <li><i>ended</i> (the analytics finished: FINAL sent) or <i>failed</i>: the head refuses
 *       registrations with "run ended"/"run failed" and a retry flag, so that the bridges of a next
 *       simulation wait for their own analytics job. On the end of the run the head stops
 *       listening at once and then tells the publisher (RUN_ENDED), so the job, and {@code
 *       Deisa.executeCallbacks()}, finish only once the address is free.
 * </ul>
 *
 * <p>The first failure of a run is its cause, and every bridge that has not closed the run gets it
 * (JOB_FAILED) when the head is closed. A failure the head finds itself (a bridge that vanished,
 * aborted or broke the contract) is also sent at once and fails the job; one the job reports
 * through the publisher's FAILURE frame (a callback's error) is only recorded, since the job fails
 * with the original error already.
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
    private final String runId = UUID.randomUUID().toString().substring(0, 8);
    private final Duration registrationTimeout;
    private final boolean replay;
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
    /** The run's life cycle; changes under {@code registry}'s lock. */
    private volatile RunState state = RunState.REGISTERING;
    /** The first failure of the run, or null. */
    private volatile String failure;

    /** Where the run is; see the class comment. */
    private enum RunState { REGISTERING, RUNNING, ENDED, FAILED }

    /**
     * A head for a job whose callbacks request {@code requestedArrays}, listening on {@code
     * host:port} once started.
     *
     * @param maxSimulationAhead told to bridges: how many timesteps they may run ahead
     * @param feedbackQueueSize feedback entries retained per key
     * @param registrationTimeout how long after {@link #start()} the world may take to register
     * @param replay told to bridges: the job takes checkpoints, keep chunks until acknowledged
     */
    public HeadServer(
            String host, int port, Set<String> requestedArrays, int maxSimulationAhead, int feedbackQueueSize,
            Duration registrationTimeout, boolean replay, HeadListener listener) {
        this.host = host;
        this.port = port;
        this.registrationTimeout = registrationTimeout;
        this.replay = replay;
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
        statsFlusher.schedule(this::checkRegistered, registrationTimeout.toMillis(), TimeUnit.MILLISECONDS);
        LOG.info("Analytics head of run {} listening on {}:{}", runId, host, socket.getLocalPort());
    }

    /** This run's identity, told to the bridges and named in the run's failures. */
    public String runId() {
        return runId;
    }

    /** Fails the run when the world is still incomplete once {@code registrationTimeout} passed. */
    private void checkRegistered() {
        String registered;
        synchronized (registry) {
            if (state != RunState.REGISTERING) {
                return;
            }
            registered = registry.worldSize() < 0 ? "no bridge registered"
                    : "only bridge(s) " + registry.registeredBridges() + " of world size " + registry.worldSize()
                            + " registered; missing: " + registry.missingBridges();
        }
        runFailed("Not every bridge registered at the analytics head " + host + ":" + port + " within "
                + registrationTimeout + " (" + BridgeSourceOptions.REGISTRATION_TIMEOUT.key() + "): " + registered);
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
                if (!closing && state != RunState.ENDED) {
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
                    servePublisher(in, out, peer);
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
    private void servePublisher(InputStream in, OutputStream out, String peer) throws IOException {
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
                if (onProgress(payload.getLong())) {
                    endRun(out);
                }
            } else if (frame.type() == Protocol.FAILURE) {
                // The job fails with the original error already. The bridges hear of it when the job
                // has stopped (close): told at once, they would leave, and their readers' failures
                // could reach Flink before the original error and become the job's cause.
                recordFailure(FrameIO.errorReason(frame), false);
            } else {
                throw new ProtocolException("Unexpected " + frame.name() + " frame from the feedback publisher");
            }
        }
    }

    /** Relays analytics progress; true when it is the end of the run (every callback ran). */
    private synchronized boolean onProgress(long completed) {
        if (completed <= progress) {
            return false;
        }
        progress = completed;
        if (completed == Long.MAX_VALUE) {
            synchronized (registry) {
                if (state != RunState.FAILED) {
                    state = RunState.ENDED;
                }
            }
            byte[] table = FeedbackTable.encode(feedback.all());
            LOG.info("Analytics of run {} finished; sending {} feedback entries to the bridges", runId, feedback.size());
            sessions.values().forEach(s -> s.send(Protocol.FINAL, table));
            return true;
        }
        byte[] payload = new PayloadWriter().putLong(completed).toByteArray();
        sessions.values().forEach(s -> s.send(Protocol.PROGRESS, payload));
        return false;
    }

    /**
     * The run ended: stops listening, so that no bridge of a later simulation reaches this head, and
     * then tells the publisher, whose job finishes only after that.
     */
    private void endRun(OutputStream publisher) throws IOException {
        closeServerSocket();
        LOG.info("Run {} ended; the head no longer listens on {}:{}", runId, host, port);
        synchronized (publisher) {
            FrameIO.write(publisher, Protocol.RUN_ENDED);
        }
    }

    private void closeServerSocket() {
        try {
            if (server != null) {
                server.close();
            }
        } catch (IOException e) {
            LOG.debug("closing head socket", e);
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
            String from = String.valueOf(socket.getRemoteSocketAddress());
            Session candidate = new Session(registration.bridgeId(), out);
            peer = "bridge " + registration.bridgeId() + " (" + from + ")";
            if (!register(registration, candidate, from)) {
                return;
            }
            session = candidate;
            while (true) {
                handleBridgeFrame(session, FrameIO.read(in, Protocol.MAX_CONTROL_FRAME), peer);
                if (session.aborted) {
                    return;
                }
            }
        } catch (EOFException e) {
            if (session != null && !session.runClosed && !closing) {
                runFailed("Bridge " + session.bridgeId + " (" + socket.getRemoteSocketAddress()
                        + ") disconnected from the analytics head without close(timestep): the bridge process "
                        + "died or left abnormally");
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
            case Protocol.BRIDGE_FAILED:
                runFailed("B" + peer.substring(1) + ": " + FrameIO.errorReason(frame));
                break;
            case Protocol.ABORT:
                session.aborted = true;
                runFailed("B" + peer.substring(1) + " left the run abnormally: " + payload.getString()
                        + whileRegistering());
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
                long retainedBytes = payload.getLong();
                long oldestRetainedMillis = payload.getLong();
                // One update and its frame at a time: frames computed by sessions running
                // concurrently could otherwise reach the publisher out of order, a stale one last.
                synchronized (runStatistics) {
                    if (runStatistics.update(session.bridgeId, sent, blockedNanos, retainedBytes,
                            oldestRetainedMillis)) {
                        sendRunStats();
                    }
                }
                break;
            default:
                throw new ProtocolException("Unexpected " + frame.name() + " frame from " + peer);
        }
    }

    /** While the world is incomplete, which bridges are missing, for failure messages; else empty. */
    private String whileRegistering() {
        synchronized (registry) {
            return state == RunState.REGISTERING && registry.worldSize() > 0
                    ? " (the world was incomplete; missing bridges: " + registry.missingBridges() + ")" : "";
        }
    }

    /**
     * Registers a bridge; false when it was rejected or refused (the caller then closes its
     * connection).
     */
    private boolean register(Registration registration, Session session, String from) {
        List<Registration> world;
        synchronized (registry) {
            if (state != RunState.REGISTERING) {
                refuse(registration, session, from);
                return false;
            }
            try {
                boolean complete = registry.register(registration, from);
                sessions.put(registration.bridgeId(), session);
                if (!complete) {
                    return true;
                }
                registry.checkComplete();
            } catch (ContractViolation violation) {
                // The world can no longer complete: tell every bridge instead of letting them time out.
                LOG.error("Run {}: rejected bridge {} from {}: {}", runId, registration.bridgeId(), from,
                        violation.getMessage());
                session.send(Protocol.REJECTED, violation.getMessage());
                sessions.values().forEach(s -> s.send(Protocol.REJECTED, violation.getMessage()));
                runFailed(violation.getMessage());
                return false;
            }
            state = RunState.RUNNING;
            world = registry.registrations();
        }
        LOG.info("Run {}: all {} bridges of simulation {} registered", runId, world.size(), registry.simulationId());
        byte[] registered = new PayloadWriter().putInt(maxSimulationAhead).putString(runId).putByte(replay ? 1 : 0)
                .toByteArray();
        sessions.values().forEach(s -> s.send(Protocol.REGISTERED, registered));
        listener.onWorldRegistered(world);
        return true;
    }

    /**
     * Refuses a registration that does not belong to this run, without touching the run: after
     * the end of the run the bridge may retry (the next analytics job may take over the address);
     * during the run it is an intruder and gives up. Called holding {@code registry}'s lock.
     */
    private void refuse(Registration registration, Session session, String from) {
        // A bridge of the failed run's own simulation has nothing to wait for: its run is over.
        boolean ownFailedRun = state == RunState.FAILED && registration.simulationId().equals(registry.simulationId());
        boolean retry = state != RunState.RUNNING && !ownFailedRun;
        String reason = switch (state) {
            case RUNNING -> "the analytics head at " + host + ":" + port + " runs run " + runId + " of simulation "
                    + registry.simulationId() + ", whose " + registry.worldSize()
                    + " bridges have all registered: bridge " + registration.bridgeId() + " of simulation "
                    + registration.simulationId() + " (from " + from + ") does not belong to it. Give each "
                    + "simulation its own analytics head (SystemMetadata.head / DEISA_HEAD)";
            case ENDED -> "run ended: run " + runId + " of the analytics head at " + host + ":" + port
                    + " has finished; waiting for a new analytics job on that address";
            default -> "run failed: run " + runId + " of the analytics head at " + host + ":" + port
                    + " failed (" + failure + "); waiting for a new analytics job on that address";
        };
        LOG.warn("Run {}: refused the registration of bridge {} from {}: {}", runId, registration.bridgeId(), from,
                reason);
        synchronized (runStatistics) {
            runStatistics.refused();
        }
        session.send(Protocol.REFUSED, new PayloadWriter().putByte(retry ? 1 : 0).putText(reason).toByteArray());
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
                .putLong(runStatistics.registrationsRefused())
                .putLong(runStatistics.retainedBytes())
                .putLong(runStatistics.oldestRetainedMillis())
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

    /**
     * Records the run's first failure, tells it at once to every bridge that has not closed the run
     * and to the listener (which fails the job); later failures are only logged.
     */
    private void runFailed(String reason) {
        if (recordFailure(reason, true)) {
            listener.onRunFailed(reason);
        }
    }

    /**
     * Records the run's first failure and, when {@code tellBridges}, tells it at once to every
     * bridge that has not closed the run (in any case they get it when the head closes).
     *
     * @return false when the run had failed already (the later failure is only logged)
     */
    private boolean recordFailure(String reason, boolean tellBridges) {
        synchronized (registry) {
            if (failure != null) {
                LOG.warn("Run {}: after its failure, also: {}", runId, reason);
                return false;
            }
            failure = reason;
            state = RunState.FAILED;
        }
        LOG.error("Run {} failed: {}", runId, reason);
        if (tellBridges) {
            sessions.values().stream().filter(s -> !s.runClosed)
                    .forEach(s -> s.send(Protocol.JOB_FAILED, "run " + runId + ": " + reason));
        }
        return true;
    }

    /**
     * Stops the head. Bridges that have not closed the run are told the run's first failure, or
     * that the analytics job stopped, so they raise an error instead of waiting.
     */
    @Override
    public void close() {
        closing = true;
        statsFlusher.shutdownNow();
        String cause = failure;
        for (Session session : sessions.values()) {
            if (!session.runClosed) {
                session.send(Protocol.JOB_FAILED, "run " + runId + ": " + (cause != null ? cause
                        : "the analytics job stopped before bridge " + session.bridgeId + " closed the run"));
            }
        }
        closeServerSocket();
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException e) {
                LOG.debug("closing bridge connection", e);
            }
        }
    }
}
