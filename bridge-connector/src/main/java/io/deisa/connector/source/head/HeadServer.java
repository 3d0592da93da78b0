package io.deisa.connector.source.head;

import io.deisa.wire.Frame;
import io.deisa.wire.FrameIO;
import io.deisa.wire.PayloadReader;
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

/**
 * The head endpoint: the one address a simulation needs. It registers bridges, checks their
 * metadata with a {@link BridgeRegistry}, releases them all once the world is complete, and
 * watches their control connections: a bridge that reports an abnormal exit, or whose connection
 * drops before it closed the run, fails the run with a message naming it. Control frames are
 * described in {@code docs/PROTOCOL.md}.
 */
@Internal
public final class HeadServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HeadServer.class);

    private final String host;
    private final int port;
    private final HeadListener listener;
    private final BridgeRegistry registry;
    private final Map<Integer, Session> sessions = new ConcurrentHashMap<>();
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private ServerSocket server;
    private volatile boolean closing;
    private volatile boolean failed;

    /**
     * A head for a job whose callbacks request {@code requestedArrays}, listening on
     * {@code host:port} once started.
     */
    public HeadServer(String host, int port, Set<String> requestedArrays, HeadListener listener) {
        this.host = host;
        this.port = port;
        this.listener = listener;
        this.registry = new BridgeRegistry(requestedArrays);
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
        LOG.info("Analytics head listening on {}:{}", host, socket.getLocalPort());
    }

    /** The bound port (useful when started on port 0). */
    public int port() {
        return server.getLocalPort();
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

        Session(int bridgeId, OutputStream out) {
            this.bridgeId = bridgeId;
            this.out = out;
        }

        synchronized void send(byte type, String text) {
            try {
                FrameIO.write(out, type, text.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                LOG.debug("Could not notify bridge {}", bridgeId, e);
            }
        }
    }

    private void serve(Socket socket) {
        String peer = "bridge at " + socket.getRemoteSocketAddress();
        Session session = null;
        try (socket) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            FrameIO.expectHello(in, Protocol.CHANNEL_CONTROL, peer);
            FrameIO.write(out, Protocol.HELLO, FrameIO.helloPayload(Protocol.CHANNEL_CONTROL));
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
                Frame notice = FrameIO.read(in, Protocol.MAX_CONTROL_FRAME);
                if (notice.type() == Protocol.CLOSE) {
                    PayloadReader payload = notice.reader();
                    long timestep = payload.getLong();
                    session.runClosed = true;
                    LOG.info("Bridge {} closed the run at timestep {}", session.bridgeId, timestep);
                } else if (notice.type() == Protocol.ABORT) {
                    String reason = notice.reader().getString();
                    runFailed("Bridge " + session.bridgeId + " left the run abnormally: " + reason);
                    return;
                } else {
                    throw new ProtocolException("Unexpected " + notice.name() + " frame from " + peer);
                }
            }
        } catch (EOFException e) {
            if (session != null && !session.runClosed && !closing) {
                runFailed("Bridge " + session.bridgeId + " disconnected from the analytics head without "
                        + "close(timestep): the bridge process died or left abnormally");
            }
        } catch (IOException e) {
            if (!closing) {
                LOG.warn("Refused {}: {}", peer, e.getMessage());
                if (session != null && !session.runClosed) {
                    runFailed("Lost the control connection of " + peer + ": " + e.getMessage());
                }
            }
        } finally {
            sockets.remove(socket);
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
        sessions.values().forEach(s -> s.send(Protocol.REGISTERED, ""));
        listener.onWorldRegistered(world);
        return true;
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
