package io.deisa.bridge.internal;

import io.deisa.bridge.ContractError;
import io.deisa.bridge.DeisaException;
import io.deisa.bridge.DeisaTimeoutException;
import io.deisa.wire.FeedbackTable;
import io.deisa.wire.Frame;
import io.deisa.wire.FrameIO;
import io.deisa.wire.Protocol;
import io.deisa.wire.ProtocolException;
import io.deisa.wire.Message;
import io.deisa.wire.Registration;
import io.deisa.wire.SelfConnection;
import io.deisa.wire.message.Abort;
import io.deisa.wire.message.BridgeFailed;
import io.deisa.wire.message.BridgeStats;
import io.deisa.wire.message.CloseRun;
import io.deisa.wire.message.ErrorReason;
import io.deisa.wire.message.FeedbackQuery;
import io.deisa.wire.message.FeedbackReply;
import io.deisa.wire.message.FinalFeedback;
import io.deisa.wire.message.Hello;
import io.deisa.wire.message.JobFailed;
import io.deisa.wire.message.Progress;
import io.deisa.wire.message.Refused;
import io.deisa.wire.message.Registered;
import io.deisa.wire.message.Rejected;
import io.deisa.wire.message.Rejoin;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * A bridge's control connection to the analytics head: connects (retrying, since the simulation and
 * the analytics may start in either order), registers, then listens for the head's notices:
 * analytics progress, feedback replies, the final feedback table, and job failures.
 *
 * <p><b>Rejoining.</b> When the job takes checkpoints (REGISTERED's {@code replay}) and the
 * connection to the head drops during the run, the head may be failing over with the job's
 * coordinator: the client then connects again and sends REJOIN until the connect timeout has
 * passed, keeping every wait of the bridge pending; a GET lost with the old connection is asked
 * again. Only when no head takes the bridge back in time does the loss become the bridge's
 * failure, naming the head, the cause and the timeout.
 */
public final class HeadClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HeadClient.class);

    private final int bridgeId;
    private final String host;
    private final int port;
    private final String head;
    /** How long a lost head may take to come back (the bridge's connect timeout). */
    private final Duration rejoinTimeout;
    /** The connection in use; replaced by a rejoin, under {@code this}. */
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private final Object lock = new Object();
    private volatile boolean closing;
    /** What this bridge registered, for a REJOIN. */
    private Registration registration;
    private Registered registered;
    /** Whether this bridge told the head it closed the run (told again on a rejoin). */
    private volatile boolean runClosed;
    /** The timestep of that CLOSE. */
    private volatile long closedTimestep;
    // Guarded by lock:
    /** Newest timestep up to which every callback has run. */
    private long progress = Long.MIN_VALUE;
    /** The whole feedback table, once the analytics finished. */
    private List<FeedbackTable.Entry> finalTable;
    private List<FeedbackTable.Entry> reply;
    private DeisaException failure;
    /**
     * Counts the connections this client had (changed under {@code this} with the socket): a wait
     * for a reply to a request written on an older one asks again.
     */
    private volatile int connection;

    private HeadClient(int bridgeId, String host, int port, Socket socket, Duration rejoinTimeout) throws IOException {
        this.bridgeId = bridgeId;
        this.host = host;
        this.port = port;
        this.head = host + ":" + port;
        this.rejoinTimeout = rejoinTimeout;
        use(socket, new BufferedInputStream(socket.getInputStream()));
    }

    private synchronized void use(Socket socket, InputStream input) throws IOException {
        connection++;
        this.socket = socket;
        this.in = input;
        this.out = socket.getOutputStream();
    }

    /**
     * Connects to the head at {@code host:port}, retrying until {@code timeout} has passed; a head
     * lost later during the run may take as long to come back.
     *
     * @throws DeisaTimeoutException naming the head and the timeout when it stays unreachable
     */
    public static HeadClient connect(int bridgeId, String host, int port, Duration timeout) {
        return connect(bridgeId, host, port, timeout, timeout);
    }

    /**
     * Connects to the head at {@code host:port}, retrying until {@code timeout} has passed; a head
     * lost later during the run may take {@code rejoinTimeout} to come back.
     *
     * @throws DeisaTimeoutException naming the head and the timeout when it stays unreachable
     */
    public static HeadClient connect(int bridgeId, String host, int port, Duration timeout, Duration rejoinTimeout) {
        Socket socket = open(bridgeId, host, port, System.nanoTime() + timeout.toNanos(), timeout);
        try {
            return new HeadClient(bridgeId, host, port, socket, rejoinTimeout);
        } catch (IOException e) {
            closeQuietly(socket);
            throw new DeisaException("Bridge " + bridgeId + " could not use its connection to the analytics head at "
                    + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    /** Opens a control connection and sends HELLO, retrying until {@code deadline}. */
    private static Socket open(int bridgeId, String host, int port, long deadline, Duration timeout) {
        String head = host + ":" + port;
        long backoffMillis = 20;
        IOException last = null;
        while (true) {
            Socket socket = new Socket();
            try {
                long leftMillis = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                socket.connect(new InetSocketAddress(host, port), (int) Math.min(leftMillis, 5_000));
                SelfConnection.check(socket, "the analytics head");
                socket.setTcpNoDelay(true);
                FrameIO.write(socket.getOutputStream(), Hello.of(Protocol.CHANNEL_CONTROL));
                return socket;
            } catch (IOException e) {
                last = e;
                closeQuietly(socket);
            }
            long leftNanos = deadline - System.nanoTime();
            if (leftNanos <= 0) {
                throw new DeisaTimeoutException(
                        "Bridge " + bridgeId + " could not reach the analytics head at " + head
                                + " within the connect timeout of " + timeout + " (last error: " + last
                                + "). Is the analytics job running, and is DEISA_HEAD / SystemMetadata.head right?",
                        last);
            }
            sleepQuietly(Math.min(backoffMillis, leftNanos / 1_000_000 + 1));
            backoffMillis = Math.min(backoffMillis * 2, 500);
        }
    }

    /** The local address of this connection: the interface the analytics can reach us on. */
    public synchronized InetAddress localAddress() {
        return socket.getLocalAddress();
    }

    /**
     * The head refused the registration without failing any run (see {@code docs/PROTOCOL.md},
     * REFUSED): {@link #retry()} when the head's run has ended or failed, so that a next analytics
     * job may take over the address; not when the head runs another simulation's complete world.
     */
    public static final class RefusedException extends DeisaException {
        private static final long serialVersionUID = 1L;
        private final boolean retry;

        RefusedException(String message, boolean retry) {
            super(message);
            this.retry = retry;
        }

        /** Whether trying again later may succeed. */
        public boolean retry() {
            return retry;
        }
    }

    /**
     * Registers the bridge and waits until every bridge of the world has registered.
     *
     * @return the head's answer
     * @throws ContractError when the head rejects the metadata
     * @throws RefusedException when the head refuses a registration that does not belong to its
     *     run, or (with {@code retry}) when the head went away before it answered: the analytics
     *     job may be restarting
     * @throws DeisaTimeoutException when the world is not complete within {@code timeout}
     */
    public Registered register(Registration registration, Duration timeout) {
        this.registration = registration;
        Socket current;
        InputStream input;
        synchronized (this) {
            current = socket;
            input = in;
        }
        Registered answer = handshake(current, input, registration, timeout, false);
        this.registered = answer;
        return answer;
    }

    /**
     * Sends REGISTER, or REJOIN once registered, on {@code current} (after its HELLO) and reads the
     * head's answer within {@code timeout}.
     */
    private Registered handshake(Socket current, InputStream input, Message request, Duration timeout,
            boolean rejoining) {
        try {
            FrameIO.write(current.getOutputStream(), request);
            long deadline = System.nanoTime() + timeout.toNanos();
            // A peer that accepts the connection but never answers (a frozen analytics JVM, another
            // service) must not hold the bridge past its timeout.
            current.setSoTimeout((int) Math.max(1, Math.min(timeout.toMillis(), Integer.MAX_VALUE)));
            FrameIO.expectHello(input, Protocol.CHANNEL_CONTROL, "analytics head at " + head);
            while (true) {
                long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
                if (leftMillis <= 0) {
                    throw new SocketTimeoutException();
                }
                current.setSoTimeout((int) Math.min(leftMillis, Integer.MAX_VALUE));
                Frame frame = FrameIO.read(input, Protocol.MAX_CONTROL_FRAME);
                switch (frame.type()) {
                    case Protocol.REGISTERED:
                        current.setSoTimeout(0);
                        return Registered.decode(frame);
                    case Protocol.REJECTED:
                        throw new ContractError(Rejected.decode(frame).reason());
                    case Protocol.REFUSED:
                        Refused refused = Refused.decode(frame);
                        throw new RefusedException("The analytics head at " + head + " refused bridge " + bridgeId
                                + ": " + refused.reason(), refused.retry());
                    case Protocol.JOB_FAILED:
                        throw new DeisaException("The analytics head at " + head + " refused bridge " + bridgeId
                                + ": " + JobFailed.decode(frame).reason());
                    case Protocol.ERROR:
                        throw new DeisaException("The analytics head at " + head + " refused bridge " + bridgeId
                                + ": " + ErrorReason.decode(frame).reason());
                    default:
                        throw new DeisaException(
                                "Unexpected " + frame.name() + " frame from the analytics head at " + head);
                }
            }
        } catch (SocketTimeoutException e) {
            throw new DeisaTimeoutException(
                    "Bridge " + bridgeId + (rejoining ? " rejoined" : " registered") + " at " + head
                            + " but got no answer, or not every bridge of "
                            + "world size " + registration.worldSize() + " registered, within the connect timeout "
                            + "(" + timeout.toMillis() + " ms left of it)", e);
        } catch (EOFException e) {
            throw new RefusedException("The analytics head at " + head + " closed the connection while bridge "
                    + bridgeId + " was " + (rejoining ? "rejoining" : "registering")
                    + " (the analytics job may be restarting)", true);
        } catch (ProtocolException e) {
            // not a deisa head, another protocol version, a malformed answer: trying again cannot help
            throw new DeisaException("Bridge " + bridgeId + " could not register at " + head + ": " + e.getMessage(), e);
        } catch (IOException e) {
            // a connection reset while a head goes away or comes back: worth another try
            throw new RefusedException("Bridge " + bridgeId + " lost its connection to the analytics head at " + head
                    + " while " + (rejoining ? "rejoining" : "registering") + " (" + e.getMessage()
                    + "; the analytics job may be restarting)", true);
        }
    }

    /**
     * Starts a daemon thread that reports, through {@code onFailure}, the head's JOB_FAILED notice
     * or the loss of the head (after a rejoin failed, when the job takes checkpoints).
     */
    public void startListening(Consumer<DeisaException> onFailure) {
        Thread listener = new Thread(() -> listen(onFailure), "deisa-bridge-" + bridgeId + "-head");
        listener.setDaemon(true);
        listener.start();
    }

    private void listen(Consumer<DeisaException> onFailure) {
        while (true) {
            InputStream input;
            synchronized (this) {
                input = in;
            }
            try {
                readNotices(input, onFailure);
                return;
            } catch (IOException e) {
                boolean finished;
                synchronized (lock) {
                    finished = finalTable != null || failure != null;
                }
                if (closing || finished) {
                    return;
                }
                DeisaException lost = new DeisaException(
                        "Bridge " + bridgeId + " lost its connection to the analytics head at " + head
                                + ": the analytics job ended or failed (" + e.getMessage() + ")", e);
                if (registered == null || !registered.replay()) {
                    failWith(lost, onFailure);
                    return;
                }
                DeisaException notBack = rejoin(e);
                if (notBack != null) {
                    failWith(notBack, onFailure);
                    return;
                }
            }
        }
    }

    /** Reads the head's notices until JOB_FAILED (returns) or the connection ends (throws). */
    private void readNotices(InputStream input, Consumer<DeisaException> onFailure) throws IOException {
        while (true) {
            Frame frame = FrameIO.read(input, Protocol.MAX_CONTROL_FRAME);
            switch (frame.type()) {
                case Protocol.PROGRESS:
                    long completed = Progress.decode(frame).timestep();
                    synchronized (lock) {
                        progress = Math.max(progress, completed);
                        lock.notifyAll();
                    }
                    break;
                case Protocol.FEEDBACK_REPLY:
                    List<FeedbackTable.Entry> entries = FeedbackReply.decode(frame).entries();
                    synchronized (lock) {
                        reply = entries;
                        lock.notifyAll();
                    }
                    break;
                case Protocol.FINAL:
                    List<FeedbackTable.Entry> table = FinalFeedback.decode(frame).entries();
                    synchronized (lock) {
                        finalTable = table;
                        progress = Long.MAX_VALUE;
                        lock.notifyAll();
                    }
                    break;
                case Protocol.JOB_FAILED:
                    failWith(new DeisaException("The analytics job failed: " + JobFailed.decode(frame).reason()),
                            onFailure);
                    return;
                default:
                    LOG.warn("Bridge {}: ignoring unexpected {} frame from the head", bridgeId, frame.name());
            }
        }
    }

    /**
     * The head went away during a run of a job that takes checkpoints: connects again and sends
     * REJOIN until the connect timeout has passed.
     *
     * @return null once a head took the bridge back, else the failure that ends the bridge
     */
    private DeisaException rejoin(IOException cause) {
        LOG.warn("Bridge {} lost the analytics head at {} ({}); rejoining for up to {}", bridgeId, head,
                cause.getMessage(), rejoinTimeout);
        long start = System.nanoTime();
        long deadline = start + rejoinTimeout.toNanos();
        RuntimeException last = null;
        boolean answered = false; // a head answered for good (JOB_FAILED, a refusal without retry)
        while (!closing) {
            Duration left = Duration.ofNanos(deadline - System.nanoTime());
            if (left.isNegative() || left.isZero()) {
                break;
            }
            Socket fresh;
            try {
                fresh = open(bridgeId, host, port, deadline, rejoinTimeout);
            } catch (DeisaTimeoutException e) {
                last = e;
                break;
            }
            try {
                // The new connection is used only once the head took the bridge back: nothing else
                // may reach the head before the REJOIN.
                InputStream input = new BufferedInputStream(fresh.getInputStream());
                boolean closedWhenAsked = runClosed;
                Registered again = handshake(fresh, input, new Rejoin(registered.runId(), closedWhenAsked, progress(), registration),
                        Duration.ofNanos(Math.max(1, deadline - System.nanoTime())), true);
                Socket old;
                synchronized (this) {
                    old = socket;
                    use(fresh, input);
                }
                closeQuietly(old);
                if (closing) {
                    closeQuietly(fresh);
                    return null;
                }
                if (runClosed && !closedWhenAsked) {
                    // close(timestep) ran during the handshake; its CLOSE went to the lost connection
                    write(new CloseRun(closedTimestep));
                }
                synchronized (lock) {
                    lock.notifyAll(); // waits for replies on the old connection ask again
                }
                LOG.info("Bridge {} rejoined run {} at {} after {} ms", bridgeId, again.runId(), head,
                        (System.nanoTime() - start) / 1_000_000);
                return null;
            } catch (RefusedException e) {
                closeQuietly(fresh);
                last = e;
                if (!e.retry()) {
                    answered = true;
                    break;
                }
            } catch (RuntimeException e) {
                closeQuietly(fresh);
                last = e;
                answered = !(e instanceof DeisaTimeoutException);
                break;
            } catch (IOException e) {
                closeQuietly(fresh);
                last = new DeisaException(e.getMessage(), e);
            }
            sleepQuietly(100);
        }
        if (closing) {
            return null;
        }
        if (answered) {
            return new DeisaException("Bridge " + bridgeId + " lost the analytics head at " + head + " ("
                    + cause.getMessage() + ") and could not rejoin run " + registered.runId() + ": " + last.getMessage(),
                    last);
        }
        return new DeisaException("Bridge " + bridgeId + " lost the analytics head at " + head + " ("
                + cause.getMessage() + ") and no head of run " + registered.runId() + " took it back within the "
                + "connect timeout of " + rejoinTimeout + (last == null ? "" : "; last: " + last.getMessage()),
                last == null ? cause : last);
    }

    /**
     * The bridge failed on its own side: tells the head (BRIDGE_FAILED), which fails the run and
     * passes the reason on to every bridge, and ends this client's waits with {@code error}.
     */
    public void bridgeFailed(DeisaException error) {
        try {
            write(new BridgeFailed(error.getMessage()));
        } catch (IOException e) {
            LOG.debug("Bridge {}: could not report its failure to the head", bridgeId, e);
        }
        synchronized (lock) {
            if (failure == null) {
                failure = error;
            }
            lock.notifyAll();
        }
    }

    private void failWith(DeisaException error, Consumer<DeisaException> onFailure) {
        synchronized (lock) {
            failure = error;
            lock.notifyAll();
        }
        onFailure.accept(error);
    }

    /** Waits on {@code lock} until {@code done} holds; throws the head's failure if one comes first. */
    private void await(java.util.function.BooleanSupplier done, long timeoutNanos, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        synchronized (lock) {
            while (!done.getAsBoolean()) {
                if (failure != null) {
                    throw new DeisaException(failure.getMessage(), failure);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new DeisaTimeoutException("Bridge " + bridgeId + " timed out after "
                            + Duration.ofNanos(timeoutNanos) + " waiting for " + what + " from the head at " + head);
                }
                lock.wait(Math.max(1, Math.min(left / 1_000_000, 1_000)));
            }
        }
    }

    /** Blocks until every callback for timesteps up to {@code timestep} has run. */
    public void awaitProgress(long timestep) throws InterruptedException {
        await(() -> progress >= timestep, Long.MAX_VALUE / 2, "analytics progress to timestep " + timestep);
    }

    /** Newest timestep up to which every callback has run, or {@link Long#MIN_VALUE}. */
    public long progress() {
        synchronized (lock) {
            return progress;
        }
    }

    /** Blocks until the analytics finished and returns the final feedback table. */
    public List<FeedbackTable.Entry> awaitFinalTable() throws InterruptedException {
        await(() -> finalTable != null, Long.MAX_VALUE / 2, "the end of the analytics");
        synchronized (lock) {
            return finalTable;
        }
    }

    /**
     * Asks the head for the feedback of {@code key}: the entry at {@code timestep}, or every
     * retained entry when {@code all}. After the analytics finished, answers from the final table.
     * A question lost with a connection to a head that fails over is asked again of the next head.
     */
    public List<FeedbackTable.Entry> query(String key, boolean all, long timestep, Duration timeout)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            synchronized (lock) {
                if (finalTable != null) {
                    FeedbackTable table = new FeedbackTable(Integer.MAX_VALUE);
                    finalTable.forEach(table::put);
                    return all ? table.entries(key) : table.entry(key, timestep);
                }
                reply = null;
            }
            int asked;
            try {
                asked = writeCounted(new FeedbackQuery(key, all, timestep));
            } catch (IOException e) {
                if (registered == null || !registered.replay()) {
                    throw e;
                }
                asked = -1; // the head is going away: ask again once the bridge rejoined
            }
            int sentOn = asked;
            await(() -> reply != null || finalTable != null || connection != sentOn,
                    Math.max(1, deadline - System.nanoTime()), "feedback '" + key + "'");
            synchronized (lock) {
                if (reply != null) {
                    return reply;
                }
            }
        }
    }

    /** Reports this bridge's statistics for the job's metrics (dropped while the head is away). */
    public void sendStats(BridgeStats stats) throws IOException {
        write(stats);
    }

    private synchronized void write(Message message) throws IOException {
        FrameIO.write(out, message);
    }

    /** Writes {@code message} and returns the count of the connection it went out on. */
    private synchronized int writeCounted(Message message) throws IOException {
        FrameIO.write(out, message);
        return connection;
    }

    /** Tells the head that the simulation finished at {@code timestep}; told again on a rejoin. */
    public void sendClose(long timestep) throws IOException {
        closedTimestep = timestep;
        runClosed = true;
        try {
            write(new CloseRun(timestep));
        } catch (IOException e) {
            if (registered == null || !registered.replay()) {
                throw e;
            }
            // the REJOIN that follows the loss of the head says the bridge closed the run
        }
    }

    /** Tells the head that this bridge leaves without {@code close(timestep)}. */
    public void sendAbort(String reason) throws IOException {
        write(new Abort(reason));
    }

    @Override
    public void close() {
        closing = true;
        Socket current;
        synchronized (this) {
            current = socket;
        }
        closeQuietly(current);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            LOG.debug("closing head socket", e);
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeisaException("Interrupted while connecting to the analytics head", e);
        }
    }
}
