package io.deisa.conformance;

import io.deisa.bridge.ArrayMetadata;
import io.deisa.wire.ArrayDeclaration;
import io.deisa.wire.DataFrame;
import io.deisa.wire.DataFrameReader;
import io.deisa.wire.FeedbackTable;
import io.deisa.wire.Frame;
import io.deisa.wire.FrameIO;
import io.deisa.wire.Protocol;
import io.deisa.wire.Registration;
import io.deisa.wire.message.Ack;
import io.deisa.wire.message.BridgeStats;
import io.deisa.wire.message.CloseRun;
import io.deisa.wire.message.EndAck;
import io.deisa.wire.message.FeedbackQuery;
import io.deisa.wire.message.FeedbackReply;
import io.deisa.wire.message.FinalFeedback;
import io.deisa.wire.message.Hello;
import io.deisa.wire.message.Progress;
import io.deisa.wire.message.Registered;
import io.deisa.wire.message.Subscribe;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The protocol's conformance head: plays the analytics head and the job's source readers against
 * the bridges of one simulation, in any language, and checks every frame they send against {@code
 * docs/PROTOCOL.md} (version {@value Protocol#VERSION}) and the {@link ConformancePattern}.
 *
 * <pre>
 * java -cp deisa-bridge-connector.jar io.deisa.conformance.ConformanceHead --head 127.0.0.1:29600 \
 *      [--world N] [--timesteps T] [--max-ahead K] [--replay 0|1] [--progress-delay-ms D] [--timeout-s S]
 *      [--drop-head-at T]
 * </pre>
 *
 * <p>It checks: the HELLO of each connection (magic, version, channel); REGISTER (it decodes and
 * validates, one world size and simulation id, unique ids, each array one dtype, shape and grid,
 * each chunk position once, every position owned); on each data channel the SCHEMA frames (exactly
 * the registered arrays, in order), CHUNK sequence numbers (0, 1, ... without gap), timesteps that
 * never decrease, never below an announced BEGIN_TIMESTEP, one (array, timestep) once, every array
 * at every timestep of the run, every element of every chunk, and END (its sequence the number of
 * chunks, its timestep the bridge's CLOSE); on the control channel STATS, GET and CLOSE; and the
 * back-pressure contract (4.3): no chunk of timestep {@code u} reaches the reader before the head
 * sent PROGRESS {@code >= u - K - 1}. PROGRESS {@code t} goes out {@code D} ms after every chunk of
 * {@code t} arrived, so that a bridge that does not wait is caught. With {@code replay}, it sends an
 * ACK after each CHUNK. FEEDBACK_REPLY and FINAL answer from {@link ConformancePattern#feedback}.
 *
 * <p>With {@code --drop-head-at T} (and replay) the head plays a failover of the job's coordinator
 * (section 4.7): instead of the first PROGRESS {@code >= T} it closes every control connection, and
 * checks that each bridge comes back with REJOIN (this run's id, its registration byte for byte,
 * the progress it saw) and then goes on as before; REGISTERED and the newest PROGRESS answer it.
 * Since that PROGRESS reaches a bridge only through its REJOIN, no bridge can finish its run
 * before it rejoined, however the threads that send PROGRESS are scheduled.
 *
 * <p>Exit status 0 and {@code CONFORMANCE OK ...} when everything conformed, 1 and one {@code
 * VIOLATION ...} line per problem otherwise (each naming the bridge and the frame), 2 on bad
 * arguments. Every wait is bounded by {@code --timeout-s} (default 120 s).
 */
public final class ConformanceHead implements AutoCloseable {
    /** A bridge whose CLOSE the head learned from its REJOIN (which carries no timestep). */
    private static final Long CLOSED_BY_REJOIN = Long.MIN_VALUE;

    /** The run id the head gives every bridge. */
    public static final String RUN_ID = "c0nf0rm5";

    private final ServerSocket server;
    private final int expectedWorld;
    private final int timesteps;
    private final int maxAhead;
    private final boolean replay;
    private final long progressDelayMillis;
    private final Duration timeout;
    private volatile long dropHeadAt = Long.MIN_VALUE;
    private final List<String> violations = new ArrayList<>();
    private final Map<Integer, BridgeState> bridges = new TreeMap<>();
    private final AtomicLong sentProgress = new AtomicLong(Long.MIN_VALUE);
    private final ConcurrentLinkedQueue<Socket> sockets = new ConcurrentLinkedQueue<>();
    private final Object lock = new Object();
    private String simulationId;
    private int world = -1;
    private long chunks;
    private long gets;

    /** One bridge as the head and its reader see it. */
    private static final class BridgeState {
        Registration registration;
        volatile Socket control;
        volatile OutputStream controlOut;
        final Set<String> arraysAt = new HashSet<>();
        final Map<Long, Integer> chunksAt = new HashMap<>();
        Long closedAt;
        DataFrame.End end;
        byte[] registrationPayload;
        volatile boolean dropped;
        volatile int rejoins;
        long nextSequence;
        final CountDownLatch done = new CountDownLatch(2);
    }

    /**
     * A head listening on {@code address}.
     *
     * @param world the expected world size, or 0 to take it from the first REGISTER
     * @param timesteps the run's timesteps (0 .. timesteps-1), for the completeness check and the feedback table
     */
    public ConformanceHead(InetSocketAddress address, int world, int timesteps, int maxAhead, boolean replay,
            long progressDelayMillis, Duration timeout) throws IOException {
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(address);
        this.expectedWorld = world;
        this.timesteps = timesteps;
        this.maxAhead = maxAhead;
        this.replay = replay;
        this.progressDelayMillis = progressDelayMillis;
        this.timeout = timeout;
    }

    /**
     * Plays a failover of the head right after PROGRESS {@code timestep}: every control connection
     * is closed and every bridge must REJOIN.
     */
    public ConformanceHead dropHeadAt(long timestep) {
        this.dropHeadAt = timestep;
        return this;
    }

    /** The port the head listens on. */
    public int port() {
        return server.getLocalPort();
    }

    private void violation(String text) {
        synchronized (violations) {
            violations.add(text);
            System.out.println("VIOLATION " + text);
        }
    }

    /**
     * Serves one run to its end (every bridge closed and ended its data stream) or to the timeout.
     *
     * @return the violations found, empty when the bridges conformed
     */
    public List<String> run() throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Thread> threads = new ArrayList<>();
        try {
            registerAll(deadline);
            if (!violations.isEmpty()) {
                return List.copyOf(violations);
            }
            if (dropHeadAt != Long.MIN_VALUE) {
                threads.add(start("conformance-rejoins", this::acceptRejoins));
            }
            for (BridgeState bridge : bridges.values()) {
                InputStream in = controlIn.get(bridge.registration.bridgeId());
                Socket socket = bridge.control;
                threads.add(start("conformance-control-" + bridge.registration.bridgeId(),
                        () -> control(bridge, in, socket)));
                threads.add(start("conformance-data-" + bridge.registration.bridgeId(), () -> data(bridge)));
            }
            for (BridgeState bridge : bridges.values()) {
                long left = deadline - System.nanoTime();
                if (!bridge.done.await(Math.max(1, left), TimeUnit.NANOSECONDS)) {
                    violation("bridge " + bridge.registration.bridgeId() + " did not finish its run (CLOSE and END) within "
                            + timeout);
                }
            }
            finish();
        } catch (IOException e) {
            violation("the head failed: " + e);
        } finally {
            close();
            for (Thread thread : threads) {
                thread.join(5_000);
            }
        }
        return List.copyOf(violations);
    }

    private static Thread start(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private void registerAll(long deadline) throws IOException {
        while (world < 0 || bridges.size() < world) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                violation("only bridge(s) " + bridges.keySet() + " registered within " + timeout
                        + (world > 0 ? " of world size " + world : ""));
                return;
            }
            server.setSoTimeout((int) Math.min(left, Integer.MAX_VALUE));
            Socket socket;
            try {
                socket = server.accept();
            } catch (SocketTimeoutException e) {
                continue;
            }
            sockets.add(socket);
            socket.setTcpNoDelay(true);
            String peer = socket.getRemoteSocketAddress().toString();
            try {
                socket.setSoTimeout(10_000);
                InputStream in = new BufferedInputStream(socket.getInputStream());
                FrameIO.expectHello(in, Protocol.CHANNEL_CONTROL, "control connection from " + peer);
                OutputStream out = new BufferedOutputStream(socket.getOutputStream());
                FrameIO.write(out, Hello.of(Protocol.CHANNEL_CONTROL));
                out.flush();
                Frame frame = FrameIO.read(in, Protocol.MAX_CONTROL_FRAME);
                if (frame.type() != Protocol.REGISTER) {
                    violation("the first frame after HELLO from " + peer + " is " + frame.name() + ", not REGISTER");
                    socket.close();
                    continue;
                }
                Registration registration = Registration.decode(frame);
                checkRegistration(registration, peer);
                BridgeState bridge = new BridgeState();
                bridge.registration = registration;
                bridge.control = socket;
                bridge.controlOut = out;
                bridge.registrationPayload = frame.payload();
                bridges.put(registration.bridgeId(), bridge);
                socket.setSoTimeout(0);
                // the bridge's control frames are read from this stream from now on
                controlIn.put(registration.bridgeId(), in);
            } catch (IOException e) {
                violation("control connection from " + peer + ": " + e.getMessage());
                socket.close();
            }
        }
        checkWorld();
        if (!violations.isEmpty()) {
            return;
        }
        for (BridgeState bridge : bridges.values()) {
            synchronized (bridge) {
                FrameIO.write(bridge.controlOut, new Registered(maxAhead, RUN_ID, replay));
                bridge.controlOut.flush();
            }
        }
    }

    private final Map<Integer, InputStream> controlIn = new HashMap<>();

    private void checkRegistration(Registration r, String peer) {
        String who = "REGISTER of bridge " + r.bridgeId() + " (" + peer + ")";
        if (world < 0) {
            world = expectedWorld > 0 ? expectedWorld : r.worldSize();
            simulationId = r.simulationId();
        }
        if (r.worldSize() != world) {
            violation(who + ": world size " + r.worldSize() + ", expected " + world);
        }
        if (!r.simulationId().equals(simulationId)) {
            violation(who + ": simulation id '" + r.simulationId() + "', the first bridge sent '" + simulationId + "'");
        }
        if (r.bridgeId() < 0 || r.bridgeId() >= r.worldSize()) {
            violation(who + ": id outside [0, " + r.worldSize() + ")");
        }
        if (bridges.containsKey(r.bridgeId())) {
            violation(who + ": bridge id registered twice");
        }
        if (r.arrays().isEmpty()) {
            violation(who + ": declares no array");
        }
        if (r.dataPort() <= 0 || r.dataPort() > 65535 || r.dataHost().isBlank()) {
            violation(who + ": data endpoint " + r.dataHost() + ":" + r.dataPort() + " is not an address");
        }
    }

    private void checkWorld() {
        Map<String, ArrayDeclaration> first = new HashMap<>();
        Map<String, Set<String>> positions = new HashMap<>();
        for (BridgeState bridge : bridges.values()) {
            for (ArrayDeclaration array : bridge.registration.arrays()) {
                ArrayMetadata md = array.metadata();
                ArrayDeclaration other = first.putIfAbsent(array.name(), array);
                if (other != null && (other.metadata().dtype() != md.dtype()
                        || !Arrays.equals(other.metadata().chunkShape(), md.chunkShape())
                        || !Arrays.equals(other.metadata().chunksPerDim(), md.chunksPerDim()))) {
                    violation("array '" + array.name() + "' of bridge " + bridge.registration.bridgeId()
                            + " differs in dtype, chunk shape or grid from another bridge's");
                }
                if (!positions.computeIfAbsent(array.name(), k -> new HashSet<>())
                        .add(Arrays.toString(md.chunkPosition()))) {
                    violation("chunk position " + Arrays.toString(md.chunkPosition()) + " of array '" + array.name()
                            + "' is claimed twice (bridge " + bridge.registration.bridgeId() + ")");
                }
            }
        }
        for (Map.Entry<String, ArrayDeclaration> entry : first.entrySet()) {
            long cells = 1;
            for (int n : entry.getValue().metadata().chunksPerDim()) {
                cells *= n;
            }
            if (positions.get(entry.getKey()).size() != cells) {
                violation("array '" + entry.getKey() + "': " + positions.get(entry.getKey()).size() + " of " + cells
                        + " chunk positions have an owner");
            }
        }
    }

    /** Reads one bridge's control frames: STATS, GET, CLOSE (anything else is a violation). */
    private void control(BridgeState bridge, InputStream in, Socket socket) {
        int id = bridge.registration.bridgeId();
        try {
            while (true) {
                Frame frame = FrameIO.read(in, Protocol.MAX_CONTROL_FRAME);
                switch (frame.type()) {
                    case Protocol.STATS -> BridgeStats.decode(frame);
                    case Protocol.GET -> {
                        FeedbackQuery query = FeedbackQuery.decode(frame);
                        List<FeedbackTable.Entry> answer = new ArrayList<>();
                        for (FeedbackTable.Entry entry : ConformancePattern.feedback(timesteps)) {
                            if (entry.key().equals(query.key()) && (query.all() || entry.timestep() == query.timestep())) {
                                answer.add(entry);
                            }
                        }
                        synchronized (lock) {
                            gets++;
                        }
                        if (id != 0) {
                            violation("bridge " + id + " sent GET: only bridge 0 asks the head (get is collective)");
                        }
                        synchronized (bridge) {
                            FrameIO.write(bridge.controlOut, new FeedbackReply(answer));
                            bridge.controlOut.flush();
                        }
                    }
                    case Protocol.CLOSE -> {
                        long t = CloseRun.decode(frame).timestep();
                        boolean counted;
                        synchronized (lock) {
                            if (bridge.closedAt != null && bridge.closedAt != CLOSED_BY_REJOIN) {
                                violation("bridge " + id + " sent CLOSE twice");
                            }
                            counted = bridge.closedAt != null;
                            bridge.closedAt = t;
                        }
                        if (!counted) {
                            bridge.done.countDown();
                        }
                    }
                    default -> {
                        violation("bridge " + id + " sent an unexpected " + frame.name() + " frame on its control channel"
                                + (frame.type() == Protocol.ABORT || frame.type() == Protocol.BRIDGE_FAILED
                                        ? ": " + new String(frame.payload(), java.nio.charset.StandardCharsets.UTF_8) : ""));
                        bridge.done.countDown();
                        return;
                    }
                }
            }
        } catch (IOException e) {
            if (bridge.dropped && (socket.isClosed() || bridge.control != socket)) {
                return; // the head dropped this connection on purpose: the bridge must REJOIN
            }
            if (e instanceof java.io.EOFException) {
                if (bridge.closedAt == null) {
                    violation("bridge " + id + " closed its control connection before CLOSE");
                    bridge.done.countDown();
                }
                return;
            }
            if (bridge.closedAt == null || bridge.done.getCount() > 0) {
                violation("control channel of bridge " + id + ": " + e.getMessage());
            }
            while (bridge.done.getCount() > 0) {
                bridge.done.countDown();
            }
        }
    }

    /** Reads one bridge's data channel and checks every frame. */
    private void data(BridgeState bridge) {
        Registration r = bridge.registration;
        int id = r.bridgeId();
        String who = "bridge " + id + " (" + r.dataHost() + ":" + r.dataPort() + ")";
        try (Socket socket = new Socket()) {
            sockets.add(socket);
            socket.connect(new InetSocketAddress(r.dataHost(), r.dataPort()), 10_000);
            socket.setTcpNoDelay(true);
            socket.setSoTimeout((int) timeout.toMillis());
            OutputStream out = new BufferedOutputStream(socket.getOutputStream());
            FrameIO.write(out, Hello.of(Protocol.CHANNEL_DATA));
            FrameIO.write(out, new Subscribe(id, 0, 1));
            out.flush();
            InputStream in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
            FrameIO.expectHello(in, Protocol.CHANNEL_DATA, who);
            DataFrameReader reader = new DataFrameReader(in, Integer.MAX_VALUE - 64, who);
            int schemas = 0;
            long lastTimestep = Long.MIN_VALUE;
            long begun = Long.MIN_VALUE;
            Set<String> seen = new HashSet<>();
            while (true) {
                DataFrame frame = reader.nextFrameOrSchema();
                if (frame instanceof DataFrame.Schema schema) {
                    if (schemas >= r.arrays().size() || !schema.array().equals(r.arrays().get(schemas))) {
                        violation(who + ": SCHEMA frame " + schemas + " declares " + schema.array()
                                + ", REGISTER declared " + (schemas < r.arrays().size() ? r.arrays().get(schemas) : "fewer arrays"));
                    }
                    schemas++;
                } else if (frame instanceof DataFrame.BeginTimestep begin) {
                    if (begin.timestep() < lastTimestep) {
                        violation(who + ": BEGIN_TIMESTEP " + begin.timestep() + " after a chunk of timestep " + lastTimestep);
                    }
                    begun = Math.max(begun, begin.timestep());
                } else if (frame instanceof DataFrame.Chunk chunk) {
                    checkChunk(bridge, who, chunk, schemas, lastTimestep, begun, seen);
                    lastTimestep = Math.max(lastTimestep, chunk.timestep());
                    if (replay) {
                        synchronized (this) {
                            FrameIO.write(out, new Ack(bridge.nextSequence));
                            out.flush();
                        }
                    }
                } else if (frame instanceof DataFrame.End end) {
                    bridge.end = end;
                    if (end.sequence() != bridge.nextSequence) {
                        violation(who + ": END says " + end.sequence() + " chunks, the reader received " + bridge.nextSequence);
                    }
                    FrameIO.write(out, new EndAck());
                    out.flush();
                    if (schemas != r.arrays().size()) {
                        violation(who + ": " + schemas + " SCHEMA frames for " + r.arrays().size() + " registered arrays");
                    }
                    bridge.done.countDown();
                    return;
                }
            }
        } catch (java.io.EOFException e) {
            violation(who + ": closed its data connection before END");
            bridge.done.countDown();
        } catch (IOException e) {
            violation(who + ": data channel: " + e.getMessage());
            bridge.done.countDown();
        }
    }

    private void checkChunk(BridgeState bridge, String who, DataFrame.Chunk chunk, int schemas, long lastTimestep,
            long begun, Set<String> seen) {
        String what = who + ": CHUNK sequence " + chunk.sequence() + " of array '" + chunk.array().name()
                + "' at timestep " + chunk.timestep();
        if (chunk.sequence() != bridge.nextSequence) {
            violation(what + ": expected sequence " + bridge.nextSequence);
        }
        bridge.nextSequence = chunk.sequence() + 1;
        if (chunk.timestep() < lastTimestep) {
            violation(what + ": after a chunk of timestep " + lastTimestep + " (timesteps must not decrease)");
        }
        if (chunk.timestep() < begun) {
            violation(what + ": after BEGIN_TIMESTEP " + begun);
        }
        if (!seen.add(chunk.array().name() + "@" + chunk.timestep())) {
            violation(what + ": that array was already sent at that timestep");
        }
        long required = chunk.timestep() - maxAhead - 1;
        long progress = sentProgress.get();
        if (required >= 0 && progress < required) {
            violation(what + ": arrived before the head sent PROGRESS " + required + " (newest sent: "
                    + (progress == Long.MIN_VALUE ? "none" : progress) + "; maxSimulationAhead " + maxAhead + ")");
        }
        byte[] expected = ConformancePattern.chunk(chunk.array().metadata(), bridge.registration.bridgeId(),
                chunk.timestep());
        if (!Arrays.equals(expected, chunk.data())) {
            int at = Arrays.mismatch(expected, chunk.data());
            violation(what + ": its data differs from the conformance pattern at byte " + at);
        }
        boolean complete;
        synchronized (lock) {
            chunks++;
            int count = bridge.chunksAt.merge(chunk.timestep(), 1, Integer::sum);
            complete = count == bridge.registration.arrays().size() && everyBridgeHas(chunk.timestep());
        }
        if (complete) {
            publishProgress(chunk.timestep());
        }
    }

    private boolean everyBridgeHas(long timestep) {
        for (BridgeState other : bridges.values()) {
            if (other.chunksAt.getOrDefault(timestep, 0) != other.registration.arrays().size()) {
                return false;
            }
        }
        return true;
    }

    /** PROGRESS {@code t} to every bridge, {@code D} ms after every chunk of {@code t} arrived. */
    private void publishProgress(long timestep) {
        Thread sender = new Thread(() -> {
            try {
                Thread.sleep(progressDelayMillis); // the point of the check: a bridge that does not wait is caught
                if (sentProgress.get() >= timestep) {
                    return;
                }
                sentProgress.accumulateAndGet(timestep, Math::max); // before the frame leaves: no false alarm
                for (BridgeState bridge : bridges.values()) {
                    synchronized (bridge) {
                        if (dropHeadAt != Long.MIN_VALUE && timestep >= dropHeadAt && !bridge.dropped) {
                            // the failover: this PROGRESS reaches the bridge only through its REJOIN
                            bridge.dropped = true;
                            bridge.control.close();
                            continue;
                        }
                        try {
                            FrameIO.write(bridge.controlOut, new Progress(timestep));
                            bridge.controlOut.flush();
                        } catch (IOException e) {
                            // dropped or gone: a rejoining bridge gets the newest PROGRESS on REGISTERED
                        }
                    }
                }
            } catch (IOException | InterruptedException e) {
                // the bridge went away: its own checks report it
            }
        }, "conformance-progress-" + timestep);
        sender.setDaemon(true);
        sender.start();
    }

    /** Takes the bridges back after a dropped head: REJOIN, checked, then REGISTERED and PROGRESS. */
    private void acceptRejoins() {
        while (!server.isClosed()) {
            Socket socket;
            try {
                server.setSoTimeout(0);
                socket = server.accept();
            } catch (IOException e) {
                return;
            }
            sockets.add(socket);
            String peer = socket.getRemoteSocketAddress().toString();
            try {
                socket.setTcpNoDelay(true);
                socket.setSoTimeout(10_000);
                InputStream in = new BufferedInputStream(socket.getInputStream());
                FrameIO.expectHello(in, Protocol.CHANNEL_CONTROL, "control connection from " + peer);
                Frame frame = FrameIO.read(in, Protocol.MAX_CONTROL_FRAME);
                if (frame.type() != Protocol.REJOIN) {
                    violation("after the head was dropped, " + peer + " sent " + frame.name() + ", not REJOIN");
                    socket.close();
                    continue;
                }
                io.deisa.wire.message.Rejoin rejoin = io.deisa.wire.message.Rejoin.decode(frame);
                Registration r = rejoin.registration();
                BridgeState bridge = bridges.get(r.bridgeId());
                if (bridge == null || !bridge.dropped) {
                    violation("REJOIN from " + peer + " for bridge " + r.bridgeId() + ", whose connection was not dropped");
                    socket.close();
                    continue;
                }
                if (!rejoin.runId().equals(RUN_ID)) {
                    violation("REJOIN of bridge " + r.bridgeId() + " names run '" + rejoin.runId() + "', not " + RUN_ID);
                }
                if (!r.equals(bridge.registration)) {
                    violation("REJOIN of bridge " + r.bridgeId() + " carries another registration than its REGISTER");
                }
                if (rejoin.progress() > sentProgress.get()) {
                    violation("REJOIN of bridge " + r.bridgeId() + " claims progress " + rejoin.progress()
                            + ", newer than the head ever sent");
                }
                socket.setSoTimeout(0);
                OutputStream out = new BufferedOutputStream(socket.getOutputStream());
                synchronized (bridge) {
                    bridge.rejoins++;
                    bridge.control = socket;
                    bridge.controlOut = out;
                    FrameIO.write(out, Hello.of(Protocol.CHANNEL_CONTROL));
                    FrameIO.write(out, new Registered(maxAhead, RUN_ID, replay));
                    long progress = sentProgress.get();
                    if (progress != Long.MIN_VALUE) {
                        FrameIO.write(out, new Progress(progress));
                    }
                    out.flush();
                }
                if (rejoin.closed()) {
                    // the REJOIN stands for a CLOSE that may have been lost with the dropped connection
                    boolean first;
                    synchronized (lock) {
                        first = bridge.closedAt == null;
                        if (first) {
                            bridge.closedAt = CLOSED_BY_REJOIN;
                        }
                    }
                    if (first) {
                        bridge.done.countDown();
                    }
                }
                start("conformance-control-" + r.bridgeId() + "-rejoined", () -> control(bridge, in, socket));
            } catch (IOException e) {
                violation("REJOIN from " + peer + ": " + e.getMessage());
            }
        }
    }

    private void finish() throws IOException {
        for (BridgeState bridge : bridges.values()) {
            int id = bridge.registration.bridgeId();
            if (bridge.dropped && bridge.rejoins == 0) {
                violation("bridge " + id + " never rejoined after the head dropped its connection");
            }
            if (bridge.end != null && bridge.closedAt != null && bridge.closedAt != CLOSED_BY_REJOIN
                    && bridge.end.lastTimestep() != bridge.closedAt) {
                violation("bridge " + id + ": END carries last timestep " + bridge.end.lastTimestep() + " but CLOSE "
                        + bridge.closedAt);
            }
            for (long t = 0; t < timesteps; t++) {
                int count = bridge.chunksAt.getOrDefault(t, 0);
                if (count != bridge.registration.arrays().size()) {
                    violation("bridge " + id + " sent " + count + " of its " + bridge.registration.arrays().size()
                            + " arrays at timestep " + t);
                }
            }
        }
        List<FeedbackTable.Entry> table = ConformancePattern.feedback(timesteps);
        for (BridgeState bridge : bridges.values()) {
            synchronized (bridge) {
                FrameIO.write(bridge.controlOut, new FinalFeedback(table));
                bridge.controlOut.flush();
            }
        }
    }

    /** A summary line of the run. */
    public String summary() {
        synchronized (lock) {
            return bridges.size() + " bridge(s), " + chunks + " chunk(s), " + gets + " GET(s), simulation "
                    + simulationId;
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing
        }
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing
            }
        }
    }

    /** Runs the conformance head; see the class comment for the arguments and the exit status. */
    public static void main(String[] args) throws Exception {
        String head = "127.0.0.1:29600";
        int world = 0;
        int timesteps = 6;
        int maxAhead = 1;
        boolean replay = true;
        long delay = 200;
        long timeoutSeconds = 120;
        long dropAt = Long.MIN_VALUE;
        try {
            for (int i = 0; i < args.length; i += 2) {
                String value = args[i + 1];
                switch (args[i]) {
                    case "--head" -> head = value;
                    case "--world" -> world = Integer.parseInt(value);
                    case "--timesteps" -> timesteps = Integer.parseInt(value);
                    case "--max-ahead" -> maxAhead = Integer.parseInt(value);
                    case "--replay" -> replay = !value.equals("0");
                    case "--progress-delay-ms" -> delay = Long.parseLong(value);
                    case "--timeout-s" -> timeoutSeconds = Long.parseLong(value);
                    case "--drop-head-at" -> dropAt = Long.parseLong(value);
                    default -> throw new IllegalArgumentException("unknown argument " + args[i]);
                }
            }
        } catch (RuntimeException e) {
            System.err.println("ConformanceHead: " + e.getMessage() + "; arguments: --head host:port [--world N] "
                    + "[--timesteps T] [--max-ahead K] [--replay 0|1] [--progress-delay-ms D] [--timeout-s S] [--drop-head-at T]");
            System.exit(2);
        }
        int colon = head.lastIndexOf(':');
        try (ConformanceHead conformance = new ConformanceHead(
                new InetSocketAddress(head.substring(0, colon), Integer.parseInt(head.substring(colon + 1))),
                world, timesteps, maxAhead, replay, delay, Duration.ofSeconds(timeoutSeconds))) {
            conformance.dropHeadAt(dropAt);
            System.out.println("Conformance head (protocol version " + Protocol.VERSION + ") listening on " + head);
            List<String> violations = conformance.run();
            if (violations.isEmpty()) {
                System.out.println("CONFORMANCE OK: " + conformance.summary());
                System.exit(0);
            }
            System.out.println("CONFORMANCE FAILED: " + violations.size() + " violation(s); " + conformance.summary());
            System.exit(1);
        }
    }
}
