package io.deisa.connector.source.head;

import io.deisa.wire.Frame;
import io.deisa.wire.FrameIO;
import io.deisa.wire.Protocol;
import io.deisa.wire.message.JobFailed;
import io.deisa.wire.message.Refused;
import io.deisa.wire.Registration;
import io.deisa.wire.message.Rejoin;

import org.apache.flink.annotation.Internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tells the bridges that the analytics job is over for good, when the job took checkpoints: its
 * head then closes without telling them anything (the job might be failing over, and they rejoin
 * its next head), so once the job has failed after its last restart attempt, or was cancelled, the
 * bridges would otherwise try to rejoin until their connect timeout and fail without the cause.
 *
 * <p>Started on the JobManager by the job's status hook, it listens on the head address (waiting up
 * to 10 s for the closing head to let go of it) for {@code lifetime}, and answers each connection
 * on one thread: a REJOIN gets JOB_FAILED with the job's failure, so the bridge's {@code send},
 * {@code get} or {@code close} raises it at once; a REGISTER (the bridge of a next simulation) gets
 * REFUSED with retry, as a failed head answers. It stops early once every bridge of the run's world
 * was told. A head started later in the same JVM on the same address takes the address back at once
 * ({@link #release}); the notices are registered in the JVM's system properties, so that the head of
 * another job, loaded by another user-code class loader, finds them.
 *
 * <p>Its thread is not a daemon: with the analytics on an embedded cluster, the JVM of a failed
 * {@code executeCallbacks()} stays until the bridges were told (or {@code lifetime} passed).
 */
@Internal
public final class FailedRunNotice implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FailedRunNotice.class);
    private static final long BIND_RETRY_MILLIS = 10_000;
    private static final int ANSWER_TIMEOUT_MILLIS = 2_000;
    /** System property holding the notices of this JVM: head address to the notice's close. */
    private static final String REGISTRY = "io.deisa.failed-run-notices";

    private final String host;
    private final int port;
    private final String reason;
    private final long deadline;
    private final Thread thread;
    private final java.util.Set<Integer> told = new java.util.HashSet<>();
    private volatile ServerSocket server;
    private volatile boolean closed;

    private FailedRunNotice(String host, int port, String reason, Duration lifetime) {
        this.host = host;
        this.port = port;
        this.reason = reason;
        this.deadline = System.nanoTime() + lifetime.toNanos();
        this.thread = new Thread(this::run, "deisa-failed-run-notice-" + port);
    }

    /**
     * Starts answering on {@code host:port} in a thread of its own (not a daemon) for {@code lifetime}.
     *
     * @param reason the job's failure, as the bridges will raise it after {@code run <id>: }
     */
    public static FailedRunNotice start(String host, int port, String reason, Duration lifetime) {
        FailedRunNotice notice = new FailedRunNotice(host, port, reason, lifetime);
        Runnable previous = registry().put(key(host, port), notice::close);
        if (previous != null) {
            previous.run();
        }
        notice.thread.start();
        return notice;
    }

    /** Stops the notice on {@code host:port} in this JVM, if one runs: a new head needs the address. */
    public static void release(String host, int port) {
        Runnable close = registry().remove(key(host, port));
        if (close != null) {
            close.run();
        }
    }

    /**
     * The JVM's notices, shared by every class loader: a map of JDK types only, kept in the system
     * properties.
     */
    @SuppressWarnings("unchecked")
    private static Map<String, Runnable> registry() {
        java.util.Properties properties = System.getProperties();
        synchronized (properties) {
            Object map = properties.get(REGISTRY);
            if (map == null) {
                map = new ConcurrentHashMap<String, Runnable>();
                properties.put(REGISTRY, map);
            }
            return (Map<String, Runnable>) map;
        }
    }

    private static String key(String host, int port) {
        return host + ":" + port;
    }

    private void run() {
        try {
            ServerSocket socket = bind();
            if (socket == null) {
                return;
            }
            server = socket;
            if (closed) {
                socket.close();
                return;
            }
            LOG.info("The analytics job is over ({}); telling bridges that come back to {}:{} for {} s", reason, host,
                    port, Math.max(0, (deadline - System.nanoTime()) / 1_000_000_000));
            while (!closed && !allTold()) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    break;
                }
                socket.setSoTimeout((int) Math.min(left, Integer.MAX_VALUE));
                try (Socket connection = socket.accept()) {
                    answer(connection);
                } catch (SocketTimeoutException e) {
                    break;
                } catch (IOException e) {
                    if (!closed) {
                        LOG.debug("A connection to the ended head at {}:{}: {}", host, port, e.getMessage());
                    }
                }
            }
        } catch (IOException e) {
            if (!closed) {
                LOG.warn("Cannot tell bridges at {}:{} that the analytics job is over: {}", host, port, e.getMessage());
            }
        } finally {
            close();
            registry().remove(key(host, port));
        }
    }

    /** Binds the head address, retrying while the closing head still holds it; null once closed. */
    private ServerSocket bind() throws IOException {
        long bindDeadline = System.nanoTime() + BIND_RETRY_MILLIS * 1_000_000;
        while (!closed) {
            ServerSocket socket = new ServerSocket();
            socket.setReuseAddress(true);
            try {
                socket.bind(new InetSocketAddress(host, port), 1024);
                return socket;
            } catch (BindException e) {
                socket.close();
                if (System.nanoTime() > bindDeadline) {
                    throw new IOException("the head address is still in use after " + BIND_RETRY_MILLIS + " ms", e);
                }
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    private void answer(Socket connection) throws IOException {
        connection.setSoTimeout(ANSWER_TIMEOUT_MILLIS);
        InputStream in = new BufferedInputStream(connection.getInputStream());
        OutputStream out = connection.getOutputStream();
        String peer = connection.getRemoteSocketAddress().toString();
        if (FrameIO.readHello(in, peer) != Protocol.CHANNEL_CONTROL) {
            FrameIO.sendError(out, "the analytics job at " + host + ":" + port + " is over: " + reason);
            return;
        }
        FrameIO.sendHello(out, Protocol.CHANNEL_CONTROL);
        Frame first = FrameIO.read(in, Protocol.MAX_CONTROL_FRAME);
        if (first.type() == Protocol.REJOIN) {
            Rejoin rejoin = Rejoin.decode(first);
            FrameIO.write(out, new JobFailed("run " + rejoin.runId() + ": " + reason));
            told.add(rejoin.registration().bridgeId());
            worldSize = rejoin.registration().worldSize();
            LOG.info("Told bridge {} of run {} that the analytics job is over", rejoin.registration().bridgeId(),
                    rejoin.runId());
        } else if (first.type() == Protocol.REGISTER) {
            Registration registration = Registration.decode(first);
            FrameIO.write(out, new Refused(true, "run failed: the analytics job at " + host + ":" + port
                    + " is over (" + reason + "); bridge " + registration.bridgeId()
                    + " waits for a new analytics job on that address"));
        } else {
            FrameIO.sendError(out, "the analytics job at " + host + ":" + port + " is over: " + reason);
        }
    }

    private int worldSize = Integer.MAX_VALUE;

    /** Whether every bridge of the run's world was told. */
    private boolean allTold() {
        return told.size() >= worldSize;
    }

    @Override
    public void close() {
        closed = true;
        ServerSocket socket = server;
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                LOG.debug("Closing the ended head at {}:{}", host, port, e);
            }
        }
    }
}
