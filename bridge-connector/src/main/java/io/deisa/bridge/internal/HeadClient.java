package io.deisa.bridge.internal;

import io.deisa.bridge.ContractError;
import io.deisa.bridge.DeisaException;
import io.deisa.bridge.DeisaTimeoutException;
import io.deisa.wire.FeedbackTable;
import io.deisa.wire.Frame;
import io.deisa.wire.FrameIO;
import io.deisa.wire.PayloadReader;
import io.deisa.wire.PayloadWriter;
import io.deisa.wire.Protocol;
import io.deisa.wire.Registration;
import io.deisa.wire.SelfConnection;

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
 */
public final class HeadClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HeadClient.class);

    private final int bridgeId;
    private final String head;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final Object lock = new Object();
    private volatile boolean closing;
    /** Newest timestep up to which every callback has run. */
    private long progress = Long.MIN_VALUE;
    /** The whole feedback table, once the analytics finished. */
    private List<FeedbackTable.Entry> finalTable;
    private List<FeedbackTable.Entry> reply;
    private DeisaException failure;

    private HeadClient(int bridgeId, String head, Socket socket) throws IOException {
        this.bridgeId = bridgeId;
        this.head = head;
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /**
     * Connects to the head at {@code host:port}, retrying until {@code timeout} has passed.
     *
     * @throws DeisaTimeoutException naming the head and the timeout when it stays unreachable
     */
    public static HeadClient connect(int bridgeId, String host, int port, Duration timeout) {
        String head = host + ":" + port;
        long deadline = System.nanoTime() + timeout.toNanos();
        long backoffMillis = 20;
        IOException last = null;
        while (true) {
            Socket socket = new Socket();
            try {
                long leftMillis = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                socket.connect(new InetSocketAddress(host, port), (int) Math.min(leftMillis, 5_000));
                SelfConnection.check(socket, "the analytics head");
                socket.setTcpNoDelay(true);
                HeadClient client = new HeadClient(bridgeId, head, socket);
                FrameIO.sendHello(client.out, Protocol.CHANNEL_CONTROL);
                return client;
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
    public InetAddress localAddress() {
        return socket.getLocalAddress();
    }

    /**
     * What the head answers once every bridge of the world registered.
     *
     * @param maxSimulationAhead how many timesteps the simulation may run ahead of the analytics
     * @param runId the head's name for the run, named in its failures
     * @param replay whether the job takes checkpoints: the bridge then keeps its chunks until an
     *     ACK says a completed checkpoint covers them, for a replay after a restart
     */
    public record Registered(int maxSimulationAhead, String runId, boolean replay) {}

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
     * @throws RefusedException when the head refuses a registration that does not belong to its run
     * @throws DeisaTimeoutException when the world is not complete within {@code timeout}
     */
    public Registered register(Registration registration, Duration timeout) {
        try {
            write(Protocol.REGISTER, registration.encode());
            long deadline = System.nanoTime() + timeout.toNanos();
            // A peer that accepts the connection but never answers (a frozen analytics JVM, another
            // service) must not hold the bridge past its timeout.
            socket.setSoTimeout((int) Math.max(1, Math.min(timeout.toMillis(), Integer.MAX_VALUE)));
            FrameIO.expectHello(in, Protocol.CHANNEL_CONTROL, "analytics head at " + head);
            while (true) {
                long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
                if (leftMillis <= 0) {
                    throw new SocketTimeoutException();
                }
                socket.setSoTimeout((int) Math.min(leftMillis, Integer.MAX_VALUE));
                Frame frame = FrameIO.read(in, Protocol.MAX_CONTROL_FRAME);
                switch (frame.type()) {
                    case Protocol.REGISTERED:
                        socket.setSoTimeout(0);
                        PayloadReader registered = frame.reader();
                        return new Registered(registered.getInt(), registered.getString(), registered.getByte() != 0);
                    case Protocol.REJECTED:
                        throw new ContractError(FrameIO.errorReason(frame));
                    case Protocol.REFUSED:
                        PayloadReader refused = frame.reader();
                        boolean retry = refused.getByte() != 0;
                        throw new RefusedException("The analytics head at " + head + " refused bridge " + bridgeId
                                + ": " + refused.getRemainingText(), retry);
                    case Protocol.JOB_FAILED:
                    case Protocol.ERROR:
                        throw new DeisaException(
                                "The analytics head at " + head + " refused bridge " + bridgeId + ": "
                                        + FrameIO.errorReason(frame));
                    default:
                        throw new DeisaException(
                                "Unexpected " + frame.name() + " frame from the analytics head at " + head);
                }
            }
        } catch (SocketTimeoutException e) {
            throw new DeisaTimeoutException(
                    "Bridge " + bridgeId + " registered at " + head + " but got no answer, or not every bridge of "
                            + "world size " + registration.worldSize() + " registered, within the connect timeout "
                            + "(" + timeout.toMillis() + " ms left of it)", e);
        } catch (EOFException e) {
            throw new DeisaException("The analytics head at " + head + " closed the connection while bridge "
                    + bridgeId + " was registering", e);
        } catch (IOException e) {
            throw new DeisaException("Bridge " + bridgeId + " could not register at " + head + ": " + e.getMessage(), e);
        }
    }

    /**
     * Starts a daemon thread that reports, through {@code onFailure}, the head's JOB_FAILED notice
     * or the loss of the connection.
     */
    public void startListening(Consumer<DeisaException> onFailure) {
        Thread listener = new Thread(() -> listen(onFailure), "deisa-bridge-" + bridgeId + "-head");
        listener.setDaemon(true);
        listener.start();
    }

    private void listen(Consumer<DeisaException> onFailure) {
        try {
            while (true) {
                Frame frame = FrameIO.read(in, Protocol.MAX_CONTROL_FRAME);
                switch (frame.type()) {
                    case Protocol.PROGRESS:
                        long completed = frame.reader().getLong();
                        synchronized (lock) {
                            progress = Math.max(progress, completed);
                            lock.notifyAll();
                        }
                        break;
                    case Protocol.FEEDBACK_REPLY:
                        List<FeedbackTable.Entry> entries = FeedbackTable.decode(frame.reader());
                        synchronized (lock) {
                            reply = entries;
                            lock.notifyAll();
                        }
                        break;
                    case Protocol.FINAL:
                        List<FeedbackTable.Entry> table = FeedbackTable.decode(frame.reader());
                        synchronized (lock) {
                            finalTable = table;
                            progress = Long.MAX_VALUE;
                            lock.notifyAll();
                        }
                        break;
                    case Protocol.JOB_FAILED:
                        failWith(new DeisaException("The analytics job failed: " + FrameIO.errorReason(frame)), onFailure);
                        return;
                    default:
                        LOG.warn("Bridge {}: ignoring unexpected {} frame from the head", bridgeId, frame.name());
                }
            }
        } catch (IOException e) {
            boolean finished;
            synchronized (lock) {
                finished = finalTable != null;
            }
            if (!closing && !finished) {
                failWith(new DeisaException(
                        "Bridge " + bridgeId + " lost its connection to the analytics head at " + head
                                + ": the analytics job ended or failed (" + e.getMessage() + ")", e), onFailure);
            }
        }
    }

    /**
     * The bridge failed on its own side: tells the head (BRIDGE_FAILED), which fails the run and
     * passes the reason on to every bridge, and ends this client's waits with {@code error}.
     */
    public void bridgeFailed(DeisaException error) {
        try {
            write(Protocol.BRIDGE_FAILED, error.getMessage().getBytes(java.nio.charset.StandardCharsets.UTF_8));
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
     */
    public List<FeedbackTable.Entry> query(String key, boolean all, long timestep, Duration timeout)
            throws IOException, InterruptedException {
        synchronized (lock) {
            if (finalTable != null) {
                FeedbackTable table = new FeedbackTable(Integer.MAX_VALUE);
                finalTable.forEach(table::put);
                return all ? table.entries(key) : table.entry(key, timestep);
            }
            reply = null;
        }
        write(Protocol.GET, new PayloadWriter().putString(key).putByte(all ? 1 : 0).putLong(timestep).toByteArray());
        await(() -> reply != null || finalTable != null, timeout.toNanos(), "feedback '" + key + "'");
        synchronized (lock) {
            if (reply == null) {
                return query(key, all, timestep, timeout);
            }
            return reply;
        }
    }

    /**
     * Reports this bridge's newest timestep, the time it spent blocked, the bytes it keeps until a
     * checkpoint covers them and the age of the oldest of them, for the job's metrics.
     */
    public void sendStats(long lastTimestep, long blockedNanos, long retainedBytes, long oldestRetainedMillis)
            throws IOException {
        write(Protocol.STATS, new PayloadWriter().putLong(lastTimestep).putLong(blockedNanos).putLong(retainedBytes)
                .putLong(oldestRetainedMillis).toByteArray());
    }

    private synchronized void write(byte type, byte[] payload) throws IOException {
        FrameIO.write(out, type, payload);
    }

    /** Tells the head that the simulation finished at {@code timestep} (bridge 0 only). */
    public void sendClose(long timestep) throws IOException {
        write(Protocol.CLOSE, new PayloadWriter().putLong(timestep).toByteArray());
    }

    /** Tells the head that this bridge leaves without {@code close(timestep)}. */
    public void sendAbort(String reason) throws IOException {
        write(Protocol.ABORT, new PayloadWriter().putString(reason).toByteArray());
    }

    @Override
    public void close() {
        closing = true;
        closeQuietly(socket);
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
