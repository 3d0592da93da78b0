package io.deisa.bridge;

import io.deisa.bridge.comm.CollectiveMismatchException;
import io.deisa.bridge.comm.CommunicatorException;
import io.deisa.bridge.comm.Communicator;
import io.deisa.bridge.comm.TcpCommunicator;
import io.deisa.bridge.internal.ChunkBufferPool;
import io.deisa.bridge.internal.DataEndpoint;
import io.deisa.bridge.internal.FeedbackAnswer;
import io.deisa.bridge.internal.HeadClient;
import io.deisa.bridge.internal.OutboundItem;
import io.deisa.wire.ArrayDeclaration;
import io.deisa.wire.Registration;
import io.deisa.wire.message.BridgeStats;
import io.deisa.wire.message.Registered;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The simulation side of deisa: one bridge per rank shares that rank's chunks of distributed arrays
 * with the analytics job, timestep by timestep.
 *
 * <pre>{@code
 * Map<String, ArrayMetadata> arrays = Map.of("temperature", ArrayMetadata.builder()
 *     .chunkShape(64, 64).chunksPerDim(2, 2).chunkPosition(rank / 2, rank % 2)
 *     .dtype(DType.FLOAT64).build());
 * SystemMetadata sys = SystemMetadata.builder().worldSize(4)
 *     .masterAddress("127.0.0.1").masterPort(29500).build();
 * try (Bridge bridge = new Bridge(rank, arrays, sys)) {
 *     for (long t = 0; t < steps; t++) {
 *         solver.step();
 *         bridge.send("temperature", solver.localField(), t);
 *     }
 *     bridge.close(steps - 1);
 * }
 * }</pre>
 *
 * <p>Chunks are row-major (C order) and flattened. {@code send} first waits while the analytics
 * are more than {@code maxSimulationAhead} timesteps behind (an analytics-side option), then copies
 * the chunk into a buffer bounded in bytes (system property {@code deisa.bridge.buffer-bytes} or
 * environment variable {@code DEISA_BRIDGE_BUFFER_BYTES}, default 256 MiB), waiting for room before
 * it allocates, and returns: a slow analytics side slows the simulation down instead of being
 * flooded. When the job takes checkpoints, the bound also holds the chunks the bridge keeps until a
 * completed checkpoint covers them, which it sends again to a job restarted from an earlier
 * checkpoint. Feedback published by the analytics is read with the collective {@link
 * #get(String, long)} and {@link #get(String)}.
 *
 * <p>A bridge is used from one simulation thread. This class loads no Flink class.
 */
public final class Bridge implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Bridge.class);
    /** Statistics reach the head at most this often: they feed metrics, and every frame costs both sides. */
    private static final long STATS_INTERVAL_NANOS = 200_000_000L;
    /** Pause before registering again at a head whose run has ended. */
    private static final long REGISTER_RETRY_MILLIS = 200;

    /** System property bounding the bytes of chunks a bridge buffers. */
    public static final String BUFFER_BYTES_PROPERTY = "deisa.bridge.buffer-bytes";
    /** Environment variable bounding the bytes of chunks a bridge buffers. */
    public static final String BUFFER_BYTES_ENV = "DEISA_BRIDGE_BUFFER_BYTES";
    /** Default bound of the bytes of chunks a bridge buffers. */
    public static final long DEFAULT_BUFFER_BYTES = 256L << 20;

    private final int bridgeId;
    private final SystemMetadata systemMetadata;
    private final Map<String, SharedArray> arrays = new LinkedHashMap<>();
    private final AtomicReference<DeisaException> failure = new AtomicReference<>();
    private final Communicator comm;
    private final boolean ownsComm;
    private ChunkBufferPool pool;
    private DataEndpoint data;
    private volatile HeadClient head;
    private int maxSimulationAhead;
    private long nextSequence;
    private long lastTimestep = Long.MIN_VALUE;
    /** Distinct timesteps this bridge started that {@link #awaitAnalytics} has not reached yet, oldest first. */
    private final ArrayDeque<StartedTimestep> recentTimesteps = new ArrayDeque<>();
    /** The newest timestep this bridge sent that {@link #awaitAnalytics} waits for, if any. */
    private long awaitedTimestep = Long.MIN_VALUE;
    /** The sequence number of the last chunk of {@link #awaitedTimestep}. */
    private long awaitedLastSequence = -1;
    private long progressWaitNanos;
    /** Time {@code send} waited because the buffer bound was full of chunks kept for a replay. */
    private long retentionBlockedNanos;
    private long statsReportedAtNanos;
    private boolean statsReported;
    private volatile boolean runClosed;
    private boolean released;
    /** Collectives this bridge started, the constructor's included: numbers the checked calls. */
    private long collectives;
    /** The failed check of an earlier collective: later collectives fail with it. */
    private ContractError collectiveFailure;

    /** A timestep this bridge started, and the sequence number of its first chunk. */
    private record StartedTimestep(long timestep, long firstSequence) {}

    /** One declared array and what this bridge already sent of it. */
    private static final class SharedArray {
        final int id;
        final String name;
        final ArrayMetadata metadata;
        final int byteSize;
        long lastTimestep = Long.MIN_VALUE;

        SharedArray(int id, String name, ArrayMetadata metadata) {
            this.id = id;
            this.name = name;
            this.metadata = metadata;
            this.byteSize = (int) metadata.chunkByteSize();
        }
    }

    /**
     * Creates a bridge with the default {@link TcpCommunicator} built from {@code systemMetadata}.
     *
     * @see #Bridge(int, Map, SystemMetadata, Communicator)
     */
    public Bridge(int bridgeId, Map<String, ArrayMetadata> arraysMetadata, SystemMetadata systemMetadata) {
        this(bridgeId, arraysMetadata, systemMetadata, null);
    }

    /**
     * Creates a bridge: validates the metadata, joins the communicator (the default {@link
     * TcpCommunicator} when {@code comm} is null), connects to the analytics head (retrying until
     * {@link SystemMetadata#connectTimeout()}), registers its arrays and waits until every bridge did,
     * in the first checked collective ({@code new Bridge(...) #1}, see {@link #get(String, long)}).
     * When it returns, the analytics job runs and every bridge of the world has registered.
     *
     * @throws IllegalArgumentException for invalid local arguments
     * @throws ContractError when the metadata is inconsistent with other bridges, or another bridge
     *     made another collective call than this constructor
     * @throws DeisaTimeoutException when the head is not reachable in time
     * @throws io.deisa.bridge.comm.RendezvousException when the default communicator's rendezvous
     *     times out
     */
    public Bridge(
            int bridgeId,
            Map<String, ArrayMetadata> arraysMetadata,
            SystemMetadata systemMetadata,
            Communicator comm) {
        if (systemMetadata == null) {
            throw new IllegalArgumentException("systemMetadata is required");
        }
        int worldSize = systemMetadata.worldSize();
        if (bridgeId < 0 || bridgeId >= worldSize) {
            throw new IllegalArgumentException(
                    "bridgeId " + bridgeId + " is outside [0, " + worldSize + ") for world size " + worldSize);
        }
        if (arraysMetadata == null || arraysMetadata.isEmpty()) {
            throw new IllegalArgumentException("Bridge " + bridgeId + " declares no array: arraysMetadata is empty");
        }
        List<ArrayDeclaration> declarations = new ArrayList<>();
        for (Map.Entry<String, ArrayMetadata> entry : arraysMetadata.entrySet()) {
            String name = entry.getKey();
            if (name == null || name.isBlank() || entry.getValue() == null) {
                throw new IllegalArgumentException(
                        "Bridge " + bridgeId + ": array name '" + name + "' must be non-blank with non-null metadata");
            }
            arrays.put(name, new SharedArray(declarations.size(), name, entry.getValue()));
            declarations.add(new ArrayDeclaration(name, entry.getValue()));
        }
        this.bridgeId = bridgeId;
        this.systemMetadata = systemMetadata;
        this.ownsComm = comm == null;
        this.comm = ownsComm ? defaultCommunicator(bridgeId, systemMetadata) : comm;
        if (this.comm.rank() != bridgeId || this.comm.worldSize() != worldSize) {
            throw new IllegalArgumentException(
                    "Communicator has rank " + this.comm.rank() + " of " + this.comm.worldSize()
                            + " but the bridge id is " + bridgeId + " of world size " + worldSize);
        }
        try {
            connect(declarations);
        } catch (RuntimeException e) {
            abandonRegistration(e);
            releaseResources();
            throw e;
        }
    }

    /**
     * Tells the head why this bridge gives up during construction (for instance the world did not
     * complete in time), so that the run fails naming the reason rather than a vanished bridge.
     */
    private void abandonRegistration(RuntimeException cause) {
        if (head == null) {
            return;
        }
        try {
            head.sendAbort("bridge " + bridgeId + " gave up while joining the run: " + cause.getMessage());
        } catch (IOException e) {
            LOG.debug("Bridge {}: could not tell the head that it gave up", bridgeId, e);
        }
    }

    private static Communicator defaultCommunicator(int bridgeId, SystemMetadata sys) {
        if (!sys.hasMaster()) {
            throw new IllegalArgumentException(
                    "SystemMetadata needs masterAddress and masterPort when no Communicator is given");
        }
        return TcpCommunicator.connect(
                sys.worldSize(), bridgeId, sys.masterAddress(), sys.masterPort(), sys.connectTimeout());
    }

    private void connect(List<ArrayDeclaration> declarations) {
        Duration timeout = systemMetadata.connectTimeout();
        long deadline = System.nanoTime() + timeout.toNanos();
        String simulationId = agreeOnSimulationId();
        pool = new ChunkBufferPool(bufferBytes());
        try {
            data = new DataEndpoint(bridgeId, declarations, pool, this::dataLost);
        } catch (IOException e) {
            throw new DeisaException("Bridge " + bridgeId + " could not open its data endpoint: " + e.getMessage(), e);
        }
        Registered registered = register(declarations, simulationId, deadline);
        maxSimulationAhead = registered.maxSimulationAhead();
        if (registered.replay()) {
            data.retainUntilAcknowledged();
        }
        head.startListening(this::fail);
        collective("new Bridge(...)");
        LOG.info("Bridge {} of {} joined run {} of simulation {} at {} (data port {}, may run {} timestep(s) ahead)",
                bridgeId, systemMetadata.worldSize(), registered.runId(), simulationId, systemMetadata.head(),
                data.port(), maxSimulationAhead);
    }

    /**
     * The identity of this simulation, chosen by bridge 0 and broadcast to every bridge: the head
     * accepts the bridges of one simulation only, so that no bridge joins a run that is not its own.
     */
    private String agreeOnSimulationId() {
        byte[] chosen = bridgeId == 0
                ? UUID.randomUUID().toString().substring(0, 8).getBytes(StandardCharsets.UTF_8) : null;
        return new String(comm.broadcast(chosen, 0), StandardCharsets.UTF_8);
    }

    /**
     * Connects to the head and registers, until {@code deadline}. A head whose run has ended or
     * failed refuses with a retry: the bridge tries again (a new analytics job may take over the
     * address), and the timeout's message names the last refusal.
     */
    private Registered register(List<ArrayDeclaration> declarations, String simulationId, long deadline) {
        HeadClient.RefusedException refusal = null;
        while (true) {
            Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
            try {
                head = HeadClient.connect(bridgeId, systemMetadata.headHost(), systemMetadata.headPort(), left,
                        systemMetadata.connectTimeout());
                return head.register(new Registration(
                        bridgeId, systemMetadata.worldSize(), simulationId, head.localAddress().getHostAddress(),
                        data.port(), hostName(), declarations), left);
            } catch (HeadClient.RefusedException e) {
                head.close();
                head = null;
                if (!e.retry()) {
                    throw e;
                }
                if (refusal == null) {
                    LOG.info("Bridge {}: {}; retrying until the connect timeout", bridgeId, e.getMessage());
                }
                refusal = e;
            } catch (DeisaTimeoutException e) {
                if (refusal == null) {
                    throw e;
                }
                throw new DeisaTimeoutException("Bridge " + bridgeId + " could not join a run at "
                        + systemMetadata.head() + " within the connect timeout of " + systemMetadata.connectTimeout()
                        + "; the last answer was: " + refusal.getMessage(), e);
            }
            if (deadline - System.nanoTime() <= 0) {
                throw new DeisaTimeoutException("Bridge " + bridgeId + " could not join a run at "
                        + systemMetadata.head() + " within the connect timeout of " + systemMetadata.connectTimeout()
                        + "; the last answer was: " + refusal.getMessage(), refusal);
            }
            sleepBeforeRetry();
        }
    }

    private void sleepBeforeRetry() {
        try {
            Thread.sleep(REGISTER_RETRY_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeisaException("Bridge " + bridgeId + " was interrupted while waiting to register", e);
        }
    }

    private static long bufferBytes() {
        String value = System.getProperty(BUFFER_BYTES_PROPERTY, System.getenv(BUFFER_BYTES_ENV));
        if (value == null || value.isBlank()) {
            return DEFAULT_BUFFER_BYTES;
        }
        try {
            long bytes = Long.parseLong(value.trim());
            if (bytes > 0) {
                return bytes;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(
                BUFFER_BYTES_PROPERTY + " / " + BUFFER_BYTES_ENV + " must be a positive number of bytes, got '" + value + "'");
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    /** This bridge's id, equal to its communicator rank. */
    public int bridgeId() {
        return bridgeId;
    }

    /** Shares a {@link DType#FLOAT64} chunk. */
    public void send(String arrayName, double[] chunk, long timestep) {
        send(arrayName, timestep, EnumSet.of(DType.FLOAT64), "double[]", chunk == null ? -1 : chunk.length,
                buffer -> buffer.asDoubleBuffer().put(chunk));
    }

    /** Shares a {@link DType#FLOAT32} chunk. */
    public void send(String arrayName, float[] chunk, long timestep) {
        send(arrayName, timestep, EnumSet.of(DType.FLOAT32), "float[]", chunk == null ? -1 : chunk.length,
                buffer -> buffer.asFloatBuffer().put(chunk));
    }

    /** Shares an {@link DType#INT64} or {@link DType#UINT64} chunk. */
    public void send(String arrayName, long[] chunk, long timestep) {
        send(arrayName, timestep, EnumSet.of(DType.INT64, DType.UINT64), "long[]", chunk == null ? -1 : chunk.length,
                buffer -> buffer.asLongBuffer().put(chunk));
    }

    /** Shares an {@link DType#INT32} or {@link DType#UINT32} chunk. */
    public void send(String arrayName, int[] chunk, long timestep) {
        send(arrayName, timestep, EnumSet.of(DType.INT32, DType.UINT32), "int[]", chunk == null ? -1 : chunk.length,
                buffer -> buffer.asIntBuffer().put(chunk));
    }

    /** Shares an {@link DType#INT16} or {@link DType#UINT16} chunk. */
    public void send(String arrayName, short[] chunk, long timestep) {
        send(arrayName, timestep, EnumSet.of(DType.INT16, DType.UINT16), "short[]", chunk == null ? -1 : chunk.length,
                buffer -> buffer.asShortBuffer().put(chunk));
    }

    /** Shares an {@link DType#INT8} or {@link DType#UINT8} chunk. */
    public void send(String arrayName, byte[] chunk, long timestep) {
        send(arrayName, timestep, EnumSet.of(DType.INT8, DType.UINT8), "byte[]", chunk == null ? -1 : chunk.length,
                buffer -> buffer.put(chunk));
    }

    /**
     * Shares a chunk given as raw little-endian bytes of the declared dtype, from the buffer's
     * position to its limit (the buffer itself is not modified).
     */
    public void send(String arrayName, ByteBuffer chunk, long timestep) {
        SharedArray array = arrays.get(arrayName);
        int elementSize = array == null ? 1 : array.metadata.dtype().byteSize();
        int remaining = chunk == null ? -1 : chunk.remaining();
        int elements = remaining % elementSize == 0 ? remaining / elementSize : -1;
        send(arrayName, timestep, EnumSet.allOf(DType.class), "ByteBuffer of " + remaining + " bytes", elements,
                buffer -> buffer.put(chunk.duplicate()));
    }

    private void send(
            String arrayName, long timestep, Set<DType> accepted, String given, int length,
            Consumer<ByteBuffer> fill) {
        SharedArray array = checkSend(arrayName, timestep, accepted, given, length);
        if (timestep > lastTimestep) {
            // Announced before waiting, so that the analytics can finish the previous timestep
            // while this bridge waits for them.
            recentTimesteps.addLast(new StartedTimestep(timestep, nextSequence));
            data.beginTimestep(nextSequence, timestep);
            lastTimestep = timestep;
            reportStats();
        }
        // The bound bites before the copy: with maxSimulationAhead 0 a bridge holds one copy of a
        // chunk, not two.
        awaitAnalytics(timestep);
        ByteBuffer buffer;
        // A wait that starts with every chunk written to the reader waits for a checkpoint to
        // cover the retained ones, not for the analytics (back-pressure).
        boolean onlyRetained = data.allWritten() && data.retainedBytes() > 0;
        long blockedBefore = pool.blockedNanos();
        try {
            buffer = pool.acquire(array.byteSize, failure::get);
            if (onlyRetained) {
                retentionBlockedNanos += pool.blockedNanos() - blockedBefore;
            }
        } catch (ChunkBufferPool.OutOfDirectMemory e) {
            throw new DeisaException("Bridge " + bridgeId + " cannot send array '" + arrayName + "' at timestep "
                    + timestep + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeisaException("Bridge " + bridgeId + " was interrupted while waiting to send array '"
                    + arrayName + "' at timestep " + timestep, e);
        }
        fill.accept(buffer);
        // Typed views (asDoubleBuffer...) do not move the buffer's position: the pooled buffer holds
        // exactly one chunk, so the whole capacity is the chunk.
        buffer.clear();
        array.lastTimestep = timestep;
        data.enqueue(new OutboundItem.Chunk(array.id, nextSequence++, timestep, buffer));
    }

    /**
     * Blocks while the analytics lag more than {@code maxSimulationAhead} timesteps behind: until
     * every callback for timesteps {@code <= timestep - k - 1} has run. Only timesteps this bridge
     * sent have callbacks to wait for: a simulation sharing every 10 steps waits at {@code send(20)}
     * for the callbacks of timestep 10, not for those of 20 (the newest timestep {@code <= 18} with
     * data is 10), and timesteps before its first never hold it back.
     */
    private void awaitAnalytics(long timestep) {
        long bound = timestep - maxSimulationAhead - 1;
        boolean advanced = false;
        while (!recentTimesteps.isEmpty() && recentTimesteps.peekFirst().timestep() <= bound) {
            awaitedTimestep = recentTimesteps.pollFirst().timestep();
            advanced = true;
        }
        if (advanced) {
            // The current timestep is still queued (it is above the bound): its first chunk
            // follows the awaited timestep's last one.
            awaitedLastSequence = recentTimesteps.peekFirst().firstSequence() - 1;
        }
        long required = awaitedTimestep;
        if (required == Long.MIN_VALUE) {
            return;
        }
        long start = System.nanoTime();
        try {
            if (head.progress() < required) {
                LOG.debug("Bridge {}: send at timestep {} waits for the analytics to finish timestep {}",
                        bridgeId, timestep, required);
                head.awaitProgress(required);
            }
            // The analytics have every chunk of that timestep: their buffers are free for reuse
            // (unless retained until a checkpoint covers them).
            data.awaitWritten(awaitedLastSequence);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeisaException("Bridge " + bridgeId + " was interrupted while waiting for the analytics", e);
        }
        progressWaitNanos += System.nanoTime() - start;
    }

    private void reportStats() {
        long now = System.nanoTime();
        if (statsReported && now - statsReportedAtNanos < STATS_INTERVAL_NANOS) {
            return;
        }
        statsReported = true;
        statsReportedAtNanos = now;
        try {
            head.sendStats(new BridgeStats(lastTimestep, pool.blockedNanos() + progressWaitNanos - retentionBlockedNanos,
                    data.retainedBytes(), data.oldestRetainedMillis(), retentionBlockedNanos));
        } catch (IOException e) {
            LOG.debug("Bridge {}: could not report stats", bridgeId, e);
        }
    }

    private SharedArray checkSend(String arrayName, long timestep, Set<DType> accepted, String given, int length) {
        if (released || runClosed) {
            throw sendRefused(arrayName, timestep, "the bridge is closed");
        }
        throwIfFailed();
        SharedArray array = arrays.get(arrayName);
        if (array == null) {
            throw sendRefused(arrayName, timestep,
                    "the array was not declared (declared arrays: " + arrays.keySet() + ")");
        }
        DType dtype = array.metadata.dtype();
        if (!accepted.contains(dtype)) {
            throw sendRefused(arrayName, timestep,
                    "the array is declared as " + dtype.numpyName() + " but a " + given + " was given");
        }
        if (length < 0) {
            throw sendRefused(arrayName, timestep, given.startsWith("ByteBuffer")
                    ? "a " + given + " is not a whole number of " + dtype.numpyName() + " elements"
                    : "the chunk is null");
        }
        if (length != array.metadata.chunkElementCount()) {
            throw sendRefused(arrayName, timestep, "the chunk has " + length
                    + " elements but the declared chunk shape " + Arrays.toString(array.metadata.chunkShape())
                    + " holds " + array.metadata.chunkElementCount());
        }
        if (timestep < lastTimestep) {
            throw sendRefused(arrayName, timestep, "timestep " + timestep + " is lower than timestep "
                    + lastTimestep + " sent earlier (timesteps of a bridge must not decrease)");
        }
        if (timestep == array.lastTimestep) {
            throw sendRefused(arrayName, timestep, "this bridge already sent that array at that timestep");
        }
        return array;
    }

    /** The error of a refused {@code send}; built only when a send is refused, not on every call. */
    private ContractError sendRefused(String arrayName, long timestep, String reason) {
        return new ContractError(
                "Bridge " + bridgeId + " cannot send array '" + arrayName + "' at timestep " + timestep + ": " + reason);
    }

    private void throwIfFailed() {
        DeisaException error = failure.get();
        if (error != null) {
            throw new DeisaException(error.getMessage(), error);
        }
    }

    /** The data endpoint cannot serve the analytics any more: the run cannot go on. */
    private void dataLost(DeisaException error) {
        fail(error);
        HeadClient client = head;
        if (client != null) {
            client.bridgeFailed(error);
        }
    }

    private void fail(DeisaException error) {
        if (failure.compareAndSet(null, error)) {
            LOG.error("Bridge {}: {}", bridgeId, error.getMessage());
        }
        if (pool != null) {
            pool.wakeUp();
        }
    }

    /**
     * Collective: the feedback value published for {@code name} at exactly {@code timestep}, or
     * null when none is retained. Bridge 0 asks the analytics and broadcasts the answer, so every
     * bridge returns the same value. Integral numbers come back as {@link Long}, others as {@link
     * Double}.
     *
     * <p><b>Checked collective.</b> Every collective of a bridge ({@code get} in both forms, {@link
     * #close(long)}, the constructor) first checks, through {@link Communicator#checkSameCall}, that
     * every bridge makes the same call: operation, name, timestep and the number of the collective
     * (the constructor is #1), described as {@code get("x", 3) #7}, {@code get("x") #8}, {@code
     * close(9) #9}. Bridge 0 queries the analytics only after the check passed. When the calls
     * differ (a bridge skipped or added a call, or called another one), every bridge throws a
     * {@link ContractError} naming itself, rank 0 and the lowest rank whose call differs, with both
     * calls, for example {@code Bridge 2: collective calls differ: rank 0 called get("x", 3) #7 but
     * rank 2 called get("x", 4) #7}; its cause is the {@link CollectiveMismatchException}. Later
     * collectives of the bridge then fail at once with a {@code ContractError} naming that first
     * failure, and {@link #close()} tells the analytics that the bridge left abnormally.
     *
     * @throws ContractError when the bridge is closed, or the bridges' calls differ
     * @throws DeisaException when the analytics job failed or the communicator failed
     */
    public Object get(String name, long timestep) {
        List<Feedback> entries = queryCollectively(name, false, timestep);
        return entries.isEmpty() ? null : entries.get(0).value();
    }

    /**
     * Collective: the retained feedback entries of {@code name}, oldest first, or an empty list.
     * Checked like {@link #get(String, long)}, as {@code get("name") #n}.
     *
     * @throws ContractError when the bridge is closed, or the bridges' calls differ
     * @throws DeisaException when the analytics job failed or the communicator failed
     */
    public List<Feedback> get(String name) {
        return queryCollectively(name, true, 0);
    }

    private List<Feedback> queryCollectively(String name, boolean all, long timestep) {
        if (name == null) {
            throw new IllegalArgumentException("Bridge " + bridgeId + ": feedback name must not be null");
        }
        if (released) {
            throw new ContractError("Bridge " + bridgeId + " cannot get feedback '" + name + "': the bridge is closed");
        }
        collective(all ? "get(" + quote(name) + ")" : "get(" + quote(name) + ", " + timestep + ")");
        byte[] answer = null;
        if (bridgeId == 0) {
            answer = FeedbackAnswer.ask(() -> {
                throwIfFailed();
                return head.query(name, all, timestep, systemMetadata.connectTimeout());
            });
        }
        byte[] broadcast;
        try {
            broadcast = comm.broadcast(answer, 0);
        } catch (CommunicatorException e) {
            throw collectiveBroken("the broadcast of feedback '" + name + "'", e);
        }
        return FeedbackAnswer.decode(broadcast, bridgeId, name);
    }

    /**
     * Starts a collective: numbers it and checks that every bridge makes the same call (see {@link
     * #get(String, long)}), which also synchronizes the bridges like a barrier.
     *
     * @throws ContractError when the calls differ, or an earlier check failed
     */
    private void collective(String call) {
        String numbered = call + " #" + ++collectives;
        if (collectiveFailure != null) {
            throw new ContractError("Bridge " + bridgeId + " cannot call " + numbered
                    + ": an earlier collective failed: " + collectiveFailure.getMessage(), collectiveFailure);
        }
        try {
            comm.checkSameCall(numbered);
        } catch (CollectiveMismatchException e) {
            collectiveFailure = new ContractError("Bridge " + bridgeId + ": " + e.getMessage(), e);
            throw collectiveFailure;
        } catch (CommunicatorException e) {
            throw collectiveBroken(numbered, e);
        }
    }

    /**
     * A collective that failed because another rank left or broke the communicator: when the run
     * failed (the reason why that rank left, most often), that failure is the cause to report.
     */
    private DeisaException collectiveBroken(String call, CommunicatorException e) {
        DeisaException runFailure = failure.get();
        if (runFailure != null) {
            DeisaException error = new DeisaException(runFailure.getMessage(), runFailure);
            error.addSuppressed(e);
            return error;
        }
        return new DeisaException("Bridge " + bridgeId + ": " + call + " failed: " + e.getMessage(), e);
    }

    /** A feedback name as a Java string literal, for the description of a call. */
    private static String quote(String name) {
        return '"' + name.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /**
     * Collective: ends the run at {@code timestep}. Starts with the check that every bridge makes
     * this same call, {@code close(timestep) #n} (see {@link #get(String, long)}), which also
     * synchronizes them like a barrier; then every bridge tells the
     * analytics that it finished (bridge 0's notice ends the simulation), waits until the analytics
     * received all its chunks and finished the pending callbacks, and keeps the final feedback so
     * that {@link #get} still answers until {@link #close()}.
     *
     * @return {@code timestep}
     * @throws ContractError when the bridge is already closed, or the bridges' calls differ
     * @throws DeisaException when the analytics job failed
     */
    public long close(long timestep) {
        if (released || runClosed) {
            throw new ContractError("Bridge " + bridgeId + " cannot close the run at timestep " + timestep
                    + ": the bridge is already closed");
        }
        throwIfFailed();
        collective("close(" + timestep + ")");
        try {
            head.sendClose(timestep);
            data.finish(nextSequence, timestep, failure::get);
            head.awaitFinalTable();
        } catch (IOException e) {
            throw new DeisaException("Bridge " + bridgeId + " could not tell the analytics head that the run ended: "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeisaException("Bridge " + bridgeId + " was interrupted while closing the run", e);
        }
        runClosed = true;
        LOG.info("Bridge {} closed the run at timestep {} after {} chunks (blocked {} ms on full buffers, "
                        + "{} ms waiting for the analytics)",
                bridgeId, timestep, nextSequence, pool.blockedNanos() / 1_000_000, progressWaitNanos / 1_000_000);
        return timestep;
    }

    /**
     * Releases sockets and threads. When {@link #close(long)} was never called, the analytics are
     * told that this bridge left abnormally, so the job fails with a message naming it instead of
     * waiting forever.
     */
    @Override
    public void close() {
        if (released) {
            return;
        }
        released = true;
        if (!runClosed && head != null) {
            try {
                head.sendAbort("bridge " + bridgeId + " was closed without close(timestep) after "
                        + nextSequence + " chunks");
            } catch (IOException e) {
                LOG.debug("Bridge {}: could not report abnormal close", bridgeId, e);
            }
        }
        releaseResources();
    }

    private void releaseResources() {
        if (head != null) {
            head.close();
        }
        if (data != null) {
            data.close();
        }
        if (ownsComm) {
            comm.close();
        }
    }
}
