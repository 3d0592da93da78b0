package io.deisa.connector.source.head;

import io.deisa.connector.source.BridgeSourceOptions;
import io.deisa.wire.FeedbackTable;
import io.deisa.wire.Frame;
import io.deisa.wire.FrameAssembler;
import io.deisa.wire.Message;
import io.deisa.wire.Protocol;
import io.deisa.wire.ProtocolException;
import io.deisa.wire.Registration;
import io.deisa.wire.message.Abort;
import io.deisa.wire.message.BridgeFailed;
import io.deisa.wire.message.BridgeStats;
import io.deisa.wire.message.CloseRun;
import io.deisa.wire.message.ErrorReason;
import io.deisa.wire.message.FeedbackQuery;
import io.deisa.wire.message.FeedbackReply;
import io.deisa.wire.message.FeedbackValue;
import io.deisa.wire.message.FinalFeedback;
import io.deisa.wire.message.Hello;
import io.deisa.wire.message.JobFailed;
import io.deisa.wire.message.JobFailure;
import io.deisa.wire.message.Messages;
import io.deisa.wire.message.Progress;
import io.deisa.wire.message.Refused;
import io.deisa.wire.message.Registered;
import io.deisa.wire.message.Rejected;
import io.deisa.wire.message.Rejoin;
import io.deisa.wire.message.RunEnded;
import io.deisa.wire.message.RunStats;

import org.apache.flink.annotation.Internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.EOFException;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * The head endpoint: the one address a simulation needs. It registers bridges, checks their
 * metadata with a {@link BridgeRegistry}, releases them all once the world is complete, relays the
 * analytics progress and feedback from the job's publisher to the bridges, and watches their
 * control connections: a bridge that reports an abnormal exit, or whose connection drops before it
 * closed the run, fails the run with a message naming it. Control frames are described in {@code
 * docs/PROTOCOL.md}; each has one codec in {@code io.deisa.wire.message}.
 *
 * <p><b>One event loop.</b> A single thread ({@code deisa-head-<port>}) owns every connection and
 * all the head's state: it accepts, reads and writes non-blocking sockets through one selector,
 * runs the two timers (statistics flush, registration timeout), and runs the tasks other threads
 * hand it ({@link #close()}). Nothing is shared, so no lock exists and none can be taken in the
 * wrong order; what the job's coordinator needs goes out through {@link HeadListener} (which the
 * enumerator moves onto its own thread) or as an immutable {@link #runSnapshot()}.
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
 *       run goes on. A bridge of the run that lost the head (the job's coordinator failed over and
 *       this head was restored from {@link HeadRun}) is taken back on REJOIN.
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
 * with the original error already. A head closed without a failure, when the job takes checkpoints,
 * tells the bridges nothing: the job may be failing over, and the bridges rejoin its next head.
 */
@Internal
public final class HeadServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HeadServer.class);
    /** How often statistics that did not advance the newest timestep reach the publisher. */
    private static final long RUN_STATS_FLUSH_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** How long {@link #close()} lets the loop write its last frames before it closes the sockets. */
    private static final long CLOSE_FLUSH_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** How long the end of a restored run waits for bridges that have not rejoined yet. */
    private static final long END_GRACE_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** How long {@link #start()} waits for the address while the previous head of a failed-over job lets go of it. */
    private static final long BIND_RETRY_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final String host;
    private final int port;
    private final HeadListener listener;
    private final Duration registrationTimeout;
    private final boolean replay;
    private final int maxSimulationAhead;
    private final Selector selector;
    /** Tasks other threads hand the loop; the only state shared with them, with the snapshot. */
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private volatile HeadRun snapshot;
    private Thread loop;

    // Everything below is owned by the loop thread.
    private final BridgeRegistry registry;
    private final FeedbackTable feedback;
    private final RunStatistics runStatistics = new RunStatistics();
    private final Map<Integer, Connection> sessions = new HashMap<>();
    private final Set<Connection> publishers = new LinkedHashSet<>();
    private final Set<Connection> connections = new LinkedHashSet<>();
    private final String runId;
    private ServerSocketChannel server;
    private long progress = Long.MIN_VALUE;
    /**
     * Feedback arrived since the last {@link #runSnapshot()}: refreshed at the next PROGRESS (which
     * follows a timestep's values) or statistics flush. A checkpoint that misses the newest values
     * loses nothing: the restored job republishes its feedback.
     */
    private boolean snapshotStale;
    private RunState state = RunState.REGISTERING;
    /** The first failure of the run, or null. */
    private String failure;
    private boolean closing;
    private long registrationDeadline;
    private long nextStatsFlush;
    /**
     * The newest analytics progress the bridges rejoining this restored head had seen: until the
     * job's progress is back there, a GET for a timestep up to it waits, since the callbacks that
     * publish its value may not have run again yet.
     */
    private long recoveryProgress = Long.MIN_VALUE;
    /** GETs waiting for the job's progress to reach their timestep during a recovery. */
    private final List<DeferredQuery> deferredQueries = new ArrayList<>();
    /** After the end of a run some bridges had not rejoined: when the head stops waiting for them. */
    private long endDeadline = Long.MAX_VALUE;
    /** The publisher that ended the run, told RUN_ENDED once the head stopped listening. */
    private Connection endingPublisher;
    /** While closing: when the loop stops even if frames are still unwritten. */
    private long drainDeadline;

    /** Where the run is; see the class comment. */
    private enum RunState { REGISTERING, RUNNING, ENDED, FAILED }

    /** A GET answered once the job's progress reaches {@code progress}. */
    private record DeferredQuery(Connection bridge, FeedbackQuery query, long progress) {}

    /** What a connection has said it is, in its HELLO. */
    private enum Kind { NEW, CONTROL, PUBLISH }

    /**
     * A head for a job whose callbacks request {@code requestedArrays}, listening on {@code
     * host:port} once started.
     *
     * @param maxSimulationAhead told to bridges: how many timesteps they may run ahead
     * @param feedbackQueueSize feedback entries retained per key
     * @param registrationTimeout how long after {@link #start()} the world may take to register
     * @param replay told to bridges: the job takes checkpoints, keep chunks until acknowledged
     * @param restored the run to take over after a failover of the job's coordinator, or null for
     *     a new run
     */
    public HeadServer(
            String host, int port, Set<String> requestedArrays, int maxSimulationAhead, int feedbackQueueSize,
            Duration registrationTimeout, boolean replay, HeadRun restored, HeadListener listener) {
        this.host = host;
        this.port = port;
        this.registrationTimeout = registrationTimeout;
        this.replay = replay;
        this.listener = listener;
        this.registry = new BridgeRegistry(requestedArrays);
        this.maxSimulationAhead = maxSimulationAhead;
        this.feedback = new FeedbackTable(feedbackQueueSize);
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new IllegalStateException("Cannot open a selector for the analytics head: " + e.getMessage(), e);
        }
        if (restored == null) {
            runId = UUID.randomUUID().toString().substring(0, 8);
        } else {
            runId = restored.runId();
            restored.feedback().forEach(feedback::put);
            restoreWorld(restored.world());
        }
        publishSnapshot();
    }

    private void restoreWorld(List<Registration> world) {
        if (world.isEmpty()) {
            return;
        }
        try {
            for (Registration registration : world) {
                registry.register(registration, registration.dataHost() + " (before the failover)");
            }
        } catch (ContractViolation e) {
            throw new IllegalStateException("The checkpointed world of run " + runId + " is inconsistent: "
                    + e.getMessage(), e);
        }
        state = RunState.RUNNING;
        LOG.info("Run {} of simulation {} restored with its {} bridges and {} feedback entries; waiting for the "
                + "bridges to rejoin", runId, registry.simulationId(), world.size(), feedback.size());
    }

    /**
     * Binds the head address and starts the loop. While the address is in use it retries for up to
     * 10 s, the time the head of a failed-over job may need to let go of it.
     *
     * @throws IOException naming the address when it cannot be bound
     */
    public void start() throws IOException {
        ServerSocketChannel channel = bind();
        channel.configureBlocking(false);
        channel.register(selector, SelectionKey.OP_ACCEPT);
        server = channel;
        long now = System.nanoTime();
        registrationDeadline = state == RunState.REGISTERING ? now + registrationTimeout.toNanos() : Long.MAX_VALUE;
        nextStatsFlush = now + RUN_STATS_FLUSH_NANOS;
        int boundPort = ((InetSocketAddress) channel.getLocalAddress()).getPort();
        loop = new Thread(this::runLoop, "deisa-head-" + boundPort);
        loop.setDaemon(true);
        loop.start();
        LOG.info("Analytics head of run {} listening on {}:{}", runId, host, boundPort);
    }

    private ServerSocketChannel bind() throws IOException {
        // the notice of an earlier job that failed on this address gives it back at once
        FailedRunNotice.release(host, port);
        long deadline = System.nanoTime() + BIND_RETRY_NANOS;
        while (true) {
            ServerSocketChannel channel = ServerSocketChannel.open();
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            try {
                channel.bind(new InetSocketAddress(host, port), 1024);
                return channel;
            } catch (IOException e) {
                channel.close();
                if (!(e instanceof BindException) || port == 0 || System.nanoTime() > deadline) {
                    throw new IOException("The analytics head cannot listen on " + host + ":" + port + ": "
                            + e.getMessage() + " (set the head address with DeisaOptions.head or DEISA_HEAD)", e);
                }
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("Interrupted while binding the analytics head to " + host + ":" + port, e);
            }
        }
    }

    /** This run's identity, told to the bridges and named in the run's failures. */
    public String runId() {
        return runId;
    }

    /** The run as of the loop's last change to it, for the enumerator's checkpoint; any thread. */
    public HeadRun runSnapshot() {
        return snapshot;
    }

    // ---------------------------------------------------------------------------------------------
    // The loop

    private void runLoop() {
        try {
            while (true) {
                runTimers(System.nanoTime());
                if (drainDeadline != 0 && (allWritten() || System.nanoTime() >= drainDeadline)) {
                    return;
                }
                long waitNanos = Math.min(Math.min(nextStatsFlush, registrationDeadline), endDeadline) - System.nanoTime();
                selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNanos)));
                for (Runnable task; (task = tasks.poll()) != null; ) {
                    task.run();
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    handle(key);
                }
                selector.selectedKeys().clear();
            }
        } catch (Throwable t) {
            LOG.error("The analytics head of run {} failed", runId, t);
            if (!closing) {
                listener.onHeadFailed(t);
            }
        } finally {
            closeAllConnections();
        }
    }

    private void runTimers(long now) {
        if (now >= nextStatsFlush) {
            nextStatsFlush = now + RUN_STATS_FLUSH_NANOS;
            if (snapshotStale) {
                publishSnapshot();
            }
            if (runStatistics.flush()) {
                sendRunStats();
            }
        }
        if (now >= registrationDeadline) {
            registrationDeadline = Long.MAX_VALUE;
            checkRegistered();
        }
        if (now >= endDeadline) {
            LOG.warn("Run {}: bridge(s) {} did not rejoin to get the final feedback", runId, absentBridges());
            stopListening();
        }
    }

    private void handle(SelectionKey key) {
        if (!key.isValid()) {
            return;
        }
        if (key.isAcceptable()) {
            accept();
            return;
        }
        Connection connection = (Connection) key.attachment();
        if (key.isWritable()) {
            flush(connection);
        }
        if (key.isValid() && key.isReadable()) {
            read(connection);
        }
    }

    private void accept() {
        while (server.isOpen()) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (IOException e) {
                // e.g. out of file descriptors: the run goes on with the connections it has
                LOG.warn("Run {}: could not accept a connection: {}", runId, e.toString());
                return;
            }
            if (channel == null) {
                return;
            }
            try {
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                Connection connection = new Connection(channel, String.valueOf(channel.getRemoteAddress()));
                connection.key = channel.register(selector, SelectionKey.OP_READ, connection);
                connections.add(connection);
            } catch (IOException e) {
                LOG.warn("Run {}: dropped a connection it could not set up: {}", runId, e.toString());
                closeQuietly(channel);
            }
        }
    }

    private void read(Connection connection) {
        try {
            for (Frame frame; connection.open && (frame = connection.assembler.read(connection.channel)) != null; ) {
                onFrame(connection, frame);
            }
        } catch (EOFException e) {
            lost(connection, null);
        } catch (ProtocolException e) {
            protocolError(connection, e.getMessage());
        } catch (IOException e) {
            lost(connection, e);
        }
    }

    /** A connection broke the protocol: it gets the reason (ERROR) and is closed. */
    private void protocolError(Connection connection, String reason) {
        LOG.warn("Run {}: closing the connection of {}: {}", runId, connection.describe(), reason);
        send(connection, new ErrorReason(reason));
        connection.closeAfterFlush = true;
        flush(connection);
        if (connection.isBridge() && !connection.runClosed && !closing) {
            runFailed("Lost the control connection of " + connection.describe() + ": " + reason);
        }
    }

    private void onFrame(Connection connection, Frame frame) throws ProtocolException {
        switch (connection.kind) {
            case NEW:
                onHello(connection, frame);
                break;
            case PUBLISH:
                onPublisherFrame(connection, Messages.decode(frame));
                break;
            default:
                if (connection.isBridge()) {
                    onBridgeFrame(connection, Messages.decode(frame));
                } else if (frame.type() == Protocol.REGISTER) {
                    register(connection, Registration.decode(frame), false);
                } else if (frame.type() == Protocol.REJOIN) {
                    rejoin(connection, Rejoin.decode(frame));
                } else {
                    throw new ProtocolException("Expected REGISTER or REJOIN from the client at " + connection.address
                            + ", got " + frame.name());
                }
        }
    }

    private void onHello(Connection connection, Frame frame) throws ProtocolException {
        if (frame.type() != Protocol.HELLO) {
            throw new ProtocolException("Expected HELLO from the client at " + connection.address + ", got "
                    + frame.name());
        }
        Hello hello = Hello.decode(frame);
        if (hello.version() != Protocol.VERSION) {
            throw new ProtocolException("the analytics head speaks protocol version " + Protocol.VERSION
                    + ", the client at " + connection.address + " speaks " + hello.version());
        }
        if (hello.channel() == Protocol.CHANNEL_CONTROL) {
            connection.kind = Kind.CONTROL;
        } else if (hello.channel() == Protocol.CHANNEL_PUBLISH) {
            connection.kind = Kind.PUBLISH;
            publishers.add(connection);
            LOG.info("Feedback publisher connected from {}", connection.address);
        } else {
            throw new ProtocolException("the head serves the control and publish channels, not channel "
                    + hello.channel());
        }
        send(connection, Hello.of(hello.channel()));
    }

    // ---------------------------------------------------------------------------------------------
    // Registration

    /** Registers a bridge (or, with {@code closed}, a rejoining one that had closed the run). */
    private void register(Connection connection, Registration registration, boolean closed) {
        String from = connection.address;
        if (state != RunState.REGISTERING) {
            refuse(connection, registration, refusal(registration, from));
            return;
        }
        boolean complete;
        try {
            complete = registry.register(registration, from);
            connection.bridgeId = registration.bridgeId();
            connection.runClosed = closed;
            sessions.put(registration.bridgeId(), connection);
            if (complete) {
                registry.checkComplete();
            }
        } catch (ContractViolation violation) {
            // The world can no longer complete: tell every bridge instead of letting them time out.
            LOG.error("Run {}: rejected bridge {} from {}: {}", runId, registration.bridgeId(), from,
                    violation.getMessage());
            Rejected rejected = new Rejected(violation.getMessage());
            send(connection, rejected);
            connection.closeAfterFlush = true;
            flush(connection);
            List.copyOf(sessions.values()).forEach(s -> send(s, rejected));
            runFailed(violation.getMessage());
            return;
        }
        if (!complete) {
            return;
        }
        state = RunState.RUNNING;
        registrationDeadline = Long.MAX_VALUE;
        List<Registration> world = registry.registrations();
        LOG.info("Run {}: all {} bridges of simulation {} registered", runId, world.size(), registry.simulationId());
        Registered registered = new Registered(maxSimulationAhead, runId, replay);
        List.copyOf(sessions.values()).forEach(s -> send(s, registered));
        publishSnapshot();
        listener.onWorldRegistered(world);
    }

    /**
     * A bridge that lost the head registers again. A head still registering takes it as a
     * registration; a head running its run takes it back when it holds exactly that registration.
     */
    private void rejoin(Connection connection, Rejoin rejoin) {
        Registration registration = rejoin.registration();
        int id = registration.bridgeId();
        recoveryProgress = Math.max(recoveryProgress, rejoin.progress());
        if (state == RunState.REGISTERING) {
            LOG.info("Run {}: bridge {} of run {} registers again (from {})", runId, id, rejoin.runId(),
                    connection.address);
            register(connection, registration, rejoin.closed());
            return;
        }
        boolean endedWithoutIt = state == RunState.ENDED && endDeadline != Long.MAX_VALUE;
        if ((state != RunState.RUNNING && !endedWithoutIt) || !rejoin.runId().equals(runId)) {
            refuse(connection, registration, refusal(registration, connection.address));
            return;
        }
        Registration held = registry.registration(id);
        if (!registration.equals(held)) {
            refuse(connection, registration, new Refused(false, "bridge " + id + " (from " + connection.address
                    + ") rejoins run " + runId + " with a registration that differs from the one the run holds ("
                    + (held == null ? "none" : "data endpoint " + held.dataHost() + ":" + held.dataPort()) + ")"));
            return;
        }
        Connection previous = sessions.put(id, connection);
        if (previous != null) {
            previous.replaced = true;
            closeConnection(previous);
        }
        connection.bridgeId = id;
        // a CLOSE that reached the previous connection counts even if the REJOIN predates it
        connection.runClosed = rejoin.closed() || (previous != null && previous.runClosed);
        LOG.info("Run {}: bridge {} rejoined from {}", runId, id, connection.address);
        send(connection, new Registered(maxSimulationAhead, runId, replay));
        if (endedWithoutIt) {
            send(connection, new FinalFeedback(feedback.all()));
            if (absentBridges().isEmpty()) {
                stopListening();
            }
        } else if (progress != Long.MIN_VALUE) {
            send(connection, new Progress(progress));
        }
    }

    /**
     * Why a registration that does not belong to this run is refused, without touching the run:
     * after the end of the run the bridge may retry (the next analytics job may take over the
     * address); during the run it is an intruder and gives up.
     */
    private Refused refusal(Registration registration, String from) {
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
        return new Refused(retry, reason);
    }

    private void refuse(Connection connection, Registration registration, Refused refused) {
        LOG.warn("Run {}: refused the registration of bridge {} from {}: {}", runId, registration.bridgeId(),
                connection.address, refused.reason());
        runStatistics.refused();
        send(connection, refused);
        connection.closeAfterFlush = true;
        flush(connection);
    }

    /** Fails the run when the world is still incomplete once {@code registrationTimeout} passed. */
    private void checkRegistered() {
        if (state != RunState.REGISTERING) {
            return;
        }
        String registered = registry.worldSize() < 0 ? "no bridge registered"
                : "only bridge(s) " + registry.registeredBridges() + " of world size " + registry.worldSize()
                        + " registered; missing: " + registry.missingBridges();
        runFailed("Not every bridge registered at the analytics head " + host + ":" + port + " within "
                + registrationTimeout + " (" + BridgeSourceOptions.REGISTRATION_TIMEOUT.key() + "): " + registered);
    }

    /** While the world is incomplete, which bridges are missing, for failure messages; else empty. */
    private String whileRegistering() {
        return state == RunState.REGISTERING && registry.worldSize() > 0
                ? " (the world was incomplete; missing bridges: " + registry.missingBridges() + ")" : "";
    }

    // ---------------------------------------------------------------------------------------------
    // Frames of registered bridges and of the publisher

    private void onBridgeFrame(Connection bridge, Message message) throws ProtocolException {
        if (message instanceof CloseRun close) {
            bridge.runClosed = true;
            LOG.info("Bridge {} closed the run at timestep {}", bridge.bridgeId, close.timestep());
        } else if (message instanceof BridgeFailed failed) {
            runFailed(bridge.describe() + ": " + failed.reason());
        } else if (message instanceof Abort abort) {
            bridge.aborted = true;
            runFailed(bridge.describe() + " left the run abnormally: " + abort.reason() + whileRegistering());
            closeConnection(bridge);
        } else if (message instanceof FeedbackQuery query) {
            long needed = query.all() ? recoveryProgress : Math.min(query.timestep(), recoveryProgress);
            // answers go out in the order of the GETs: behind a held-back GET of this bridge, wait too
            boolean behind = deferredQueries.stream().anyMatch(deferred -> deferred.bridge() == bridge);
            if (progress < needed || behind) {
                deferredQueries.add(new DeferredQuery(bridge, query, needed));
            } else {
                answer(bridge, query);
            }
        } else if (message instanceof BridgeStats stats) {
            if (runStatistics.update(bridge.bridgeId, stats)) {
                sendRunStats();
            }
        } else {
            throw new ProtocolException("Unexpected " + Protocol.frameName(message.type()) + " frame from "
                    + bridge.describe());
        }
    }

    private void answer(Connection bridge, FeedbackQuery query) {
        send(bridge, new FeedbackReply(query.all() ? feedback.entries(query.key())
                : feedback.entry(query.key(), query.timestep())));
    }

    /** Answers the deferred GETs whose timestep the job's progress has reached again. */
    private void answerDeferredQueries() {
        Set<Connection> waiting = new java.util.HashSet<>();
        deferredQueries.removeIf(deferred -> {
            if (deferred.progress() > progress || waiting.contains(deferred.bridge())) {
                waiting.add(deferred.bridge()); // its later GETs wait behind it
                return false;
            }
            answer(deferred.bridge(), deferred.query());
            return true;
        });
    }

    private void onPublisherFrame(Connection publisher, Message message) throws ProtocolException {
        if (message instanceof FeedbackValue value) {
            // an equal value republished after a restart is not newer and changes nothing; the
            // snapshot is refreshed with the progress that follows the values, not for every value
            snapshotStale |= feedback.put(value.entry());
        } else if (message instanceof Progress completed) {
            onProgress(publisher, completed.timestep());
        } else if (message instanceof JobFailure failed) {
            // The job fails with the original error already. The bridges hear of it when the job has
            // stopped (close): told at once, they would leave, and their readers' failures could
            // reach Flink before the original error and become the job's cause.
            recordFailure(failed.reason(), false);
        } else {
            throw new ProtocolException("Unexpected " + Protocol.frameName(message.type())
                    + " frame from the feedback publisher");
        }
    }

    /** Relays analytics progress; the last ({@link Long#MAX_VALUE}) ends the run. */
    private void onProgress(Connection publisher, long completed) {
        if (completed <= progress) {
            return;
        }
        progress = completed;
        if (snapshotStale) {
            publishSnapshot(); // the feedback of every timestep up to the progress the bridges are told
        }
        if (completed != Long.MAX_VALUE) {
            answerDeferredQueries();
            Progress message = new Progress(completed);
            List.copyOf(sessions.values()).forEach(s -> send(s, message));
            return;
        }
        answerDeferredQueries();
        if (state != RunState.FAILED) {
            state = RunState.ENDED;
        }
        LOG.info("Analytics of run {} finished; sending {} feedback entries to the bridges", runId, feedback.size());
        FinalFeedback table = new FinalFeedback(feedback.all());
        List.copyOf(sessions.values()).forEach(s -> send(s, table));
        endingPublisher = publisher;
        List<Integer> absent = absentBridges();
        if (absent.isEmpty() || state != RunState.ENDED) {
            stopListening();
        } else {
            // Bridges still rejoining after a failover wait in close(timestep) for FINAL: keep
            // listening for them a little while.
            LOG.info("Run {}: waiting up to {} s for bridge(s) {} to rejoin and get the final feedback", runId,
                    TimeUnit.NANOSECONDS.toSeconds(END_GRACE_NANOS), absent);
            endDeadline = System.nanoTime() + END_GRACE_NANOS;
        }
    }

    /** The bridges of the world without an open connection to this head. */
    private List<Integer> absentBridges() {
        List<Integer> absent = new ArrayList<>();
        for (Registration registration : registry.registrations()) {
            Connection session = sessions.get(registration.bridgeId());
            if (session == null || !session.open) {
                absent.add(registration.bridgeId());
            }
        }
        return absent;
    }

    /**
     * Stops listening, so that no bridge of a later simulation reaches this head, and only then
     * tells the publisher, whose job finishes after that.
     */
    private void stopListening() {
        endDeadline = Long.MAX_VALUE;
        closeServer();
        // A channel closed while registered keeps its socket until the selector's next selection
        // deregisters it: confirm the end only after that selection.
        Connection publisher = endingPublisher;
        tasks.add(() -> {
            LOG.info("Run {} ended; the head no longer listens on {}:{}", runId, host, port);
            send(publisher, new RunEnded());
        });
        selector.wakeup();
    }

    /**
     * Tells the job's publishers the simulation side of the run, so that it shows as metrics of a
     * running operator.
     */
    private void sendRunStats() {
        RunStats stats = runStatistics.toMessage();
        List.copyOf(publishers).forEach(p -> send(p, stats));
    }

    // ---------------------------------------------------------------------------------------------
    // Failures and the end

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
        if (failure != null) {
            LOG.warn("Run {}: after its failure, also: {}", runId, reason);
            return false;
        }
        failure = reason;
        state = RunState.FAILED;
        LOG.error("Run {} failed: {}", runId, reason);
        if (tellBridges) {
            JobFailed failed = new JobFailed("run " + runId + ": " + reason);
            List.copyOf(sessions.values()).stream().filter(s -> !s.runClosed).forEach(s -> send(s, failed));
        }
        return true;
    }

    /** A connection ended ({@code error} null: cleanly, between two frames). */
    private void lost(Connection connection, IOException error) {
        if (!connection.open) {
            return;
        }
        closeConnection(connection);
        if (!connection.isBridge() || connection.runClosed || connection.aborted || closing
                || state == RunState.FAILED) {
            return;
        }
        runFailed(error == null
                ? connection.describe() + " disconnected from the analytics head without close(timestep): the bridge "
                        + "process died or left abnormally"
                : "Lost the control connection of " + connection.describe() + ": " + error.getMessage());
    }

    /**
     * Stops the head. Bridges that have not closed the run are told the run's first failure, or,
     * when the job takes no checkpoints, that the analytics job stopped, so they raise an error
     * instead of waiting. With checkpoints and no failure they are told nothing: the job may be
     * failing over, and they rejoin its next head (or give up after their connect timeout). Waits
     * up to 1 s for those frames to be written, and up to 5 s in all.
     */
    @Override
    public void close() {
        if (loop == null) {
            closeQuietly(selector);
            return;
        }
        tasks.add(this::beginClose);
        selector.wakeup();
        try {
            loop.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (loop.isAlive()) {
            LOG.warn("The analytics head of run {} did not stop within 5 s", runId);
        }
    }

    private void beginClose() {
        closing = true;
        for (Connection session : List.copyOf(sessions.values())) {
            if (session.runClosed) {
                continue;
            }
            if (failure != null) {
                send(session, new JobFailed("run " + runId + ": " + failure));
            } else if (!replay) {
                send(session, new JobFailed("run " + runId + ": the analytics job stopped before bridge "
                        + session.bridgeId + " closed the run"));
            }
        }
        closeServer();
        drainDeadline = System.nanoTime() + CLOSE_FLUSH_NANOS;
    }

    private void closeServer() {
        if (server != null) {
            closeQuietly(server);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Connections

    /** The head's side of one connection. */
    private static final class Connection {
        final SocketChannel channel;
        final String address;
        final FrameAssembler assembler = new FrameAssembler(Protocol.MAX_CONTROL_FRAME);
        final ArrayDeque<ByteBuffer> outbound = new ArrayDeque<>();
        SelectionKey key;
        Kind kind = Kind.NEW;
        /** The bridge id once registered, else -1. */
        int bridgeId = -1;
        boolean open = true;
        boolean runClosed;
        boolean aborted;
        /** A REJOIN of the same bridge took over; this connection's end fails nothing. */
        boolean replaced;
        boolean closeAfterFlush;
        /** A write failed: nothing more is sent; the read side reports the end of the connection. */
        boolean writeBroken;

        Connection(SocketChannel channel, String address) {
            this.channel = channel;
            this.address = address;
        }

        boolean isBridge() {
            return bridgeId >= 0;
        }

        /** "Bridge 3 (/10.0.0.1:4711)", or the client's address before it registered. */
        String describe() {
            return isBridge() ? "Bridge " + bridgeId + " (" + address + ")" : "the client at " + address;
        }
    }

    private void send(Connection connection, Message message) {
        if (!connection.open || connection.writeBroken) {
            return;
        }
        connection.outbound.add(FrameAssembler.frame(message));
        flush(connection);
    }

    /** Writes what the socket takes; waits for OP_WRITE for the rest. */
    private void flush(Connection connection) {
        try {
            while (!connection.outbound.isEmpty()) {
                ByteBuffer next = connection.outbound.peek();
                connection.channel.write(next);
                if (next.hasRemaining()) {
                    connection.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                    return;
                }
                connection.outbound.poll();
            }
            if (connection.closeAfterFlush) {
                closeConnection(connection);
            } else if (connection.key.isValid()) {
                connection.key.interestOps(SelectionKey.OP_READ);
            }
        } catch (IOException e) {
            // The peer went away; what it sent before (an ABORT, a CLOSE) is still to be read, and
            // the read side then reports the end of the connection with the right reason.
            LOG.debug("Could not write to {}", connection.describe(), e);
            connection.outbound.clear();
            connection.writeBroken = true;
            if (connection.closeAfterFlush) {
                closeConnection(connection);
            } else if (connection.key.isValid()) {
                connection.key.interestOps(SelectionKey.OP_READ);
            }
        }
    }

    private boolean allWritten() {
        for (Connection connection : connections) {
            if (connection.open && !connection.outbound.isEmpty()) {
                return false;
            }
        }
        return true;
    }

    private void closeConnection(Connection connection) {
        if (!connection.open) {
            return;
        }
        connection.open = false;
        connection.outbound.clear();
        connection.key.cancel();
        closeQuietly(connection.channel);
        connections.remove(connection);
        publishers.remove(connection);
    }

    private void closeAllConnections() {
        closeServer();
        for (Connection connection : new ArrayList<>(connections)) {
            connection.open = false;
            closeQuietly(connection.channel);
        }
        connections.clear();
        closeQuietly(selector);
    }

    /** Publishes the run for the enumerator's next checkpoint. */
    private void publishSnapshot() {
        snapshotStale = false;
        snapshot = new HeadRun(runId, registry.simulationId() == null ? "" : registry.simulationId(),
                state == RunState.REGISTERING ? List.of() : registry.registrations(), feedback.all());
    }

    private static void closeQuietly(java.io.Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException e) {
            LOG.debug("closing {}", closeable, e);
        }
    }
}
