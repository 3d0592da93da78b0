package io.deisa.connector.source.reader;

import io.deisa.bridge.ArrayMetadata;
import io.deisa.connector.source.ChunkRecord;
import io.deisa.connector.source.split.BridgeSplit;
import io.deisa.wire.DataFrame;
import io.deisa.wire.DataFrameDecoder;
import io.deisa.wire.PeerRefusedException;
import io.deisa.wire.ProtocolException;
import io.deisa.wire.Protocol;
import io.deisa.wire.SelfConnection;
import io.deisa.wire.message.EndAck;
import io.deisa.wire.message.Hello;
import io.deisa.wire.message.Subscribe;

import org.apache.flink.annotation.Internal;
import org.apache.flink.connector.base.source.reader.RecordsBySplits;
import org.apache.flink.connector.base.source.reader.RecordsWithSplitIds;
import org.apache.flink.connector.base.source.reader.splitreader.SplitReader;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsAddition;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsChange;
import org.apache.flink.runtime.execution.SuppressRestartsException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reads the chunks of every bridge assigned to one source reader from one thread: a non-blocking
 * connection per bridge on one {@link Selector}, each decoded by a {@link DataFrameDecoder}. One
 * fetch returns the frames that arrived on any connection, up to {@value #MAX_BATCH_BYTES} bytes of
 * chunk data, taking the connections in turn so that one busy bridge does not starve the others.
 *
 * <p>Back-pressure: a fetch's records are handed to the reader through Flink's bounded queue, and
 * the fetcher thread blocks there while the task is behind; a connection whose next chunk does not
 * fit in the reader's {@link ReaderMemory} is not read until memory is released. Either way the
 * bridges' sockets fill and their {@code send} blocks at {@code maxSimulationAhead}.
 *
 * <p>Writes (HELLO, SUBSCRIBE, acknowledgements, END_ACK) never block: what a connection does not
 * take now waits for it to become writable, so a bridge that stops reading stalls no other bridge.
 *
 * <p>Errors name the bridge and its address: a bridge that closes its connection before END, a
 * frame cut off or left unfinished for {@code frameTimeout}, a connection or HELLO that does not
 * come within {@code connectTimeout}, and any malformed frame fail the fetch (and so the reader
 * attempt); a bridge that refuses the subscription (a newer reader attempt holds it, or its
 * protocol version differs) fails it without restarts.
 */
@Internal
public final class MultiplexedBridgeReader implements SplitReader<ChunkRecord, BridgeSplit> {
    private static final Logger LOG = LoggerFactory.getLogger(MultiplexedBridgeReader.class);
    /** Chunk bytes after which a fetch returns, so that records flow while bridges keep sending. */
    static final int MAX_BATCH_BYTES = 4 << 20;
    /** Size of the direct buffer every read of this thread goes through. */
    private static final int SCRATCH_BYTES = 256 * 1024;

    private final BridgeSourceSettings settings;
    private final ReaderFence fence;
    private final ReaderMemory memory;
    private final AtomicInteger openConnections;
    private final Selector selector;
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(SCRATCH_BYTES);
    /** Assigned splits not connected yet (they wait for the fencing token). */
    private final List<BridgeSplit> toConnect = new ArrayList<>();
    private final Map<String, BridgeConnection> connections = new LinkedHashMap<>();
    /** Connections to decode before the next select: bytes left in their buffer, or memory came. */
    private final ArrayDeque<BridgeConnection> ready = new ArrayDeque<>();
    /** Connections stopped in front of a chunk that did not fit in the reader's memory. */
    private final List<BridgeConnection> waitingForMemory = new ArrayList<>();
    /** Set by the task thread when it released memory this reader waits for. */
    private volatile boolean memoryReleased;
    private final Runnable wakeSelector;
    /** Where the next fetch starts among the selected connections, so that each gets its turn. */
    private int turn;
    private long fenceWaitStart;
    private long lastFetchEnd;
    private volatile boolean wokenUp;

    /**
     * A reader connecting with {@code settings}, subscribing with the fencing token of its reader
     * attempt, taking each chunk's bytes from {@code memory}, and counting its open connections in
     * {@code openConnections}.
     */
    public MultiplexedBridgeReader(
            BridgeSourceSettings settings, ReaderFence fence, ReaderMemory memory, AtomicInteger openConnections) {
        this.settings = settings;
        this.fence = fence;
        this.memory = memory;
        this.openConnections = openConnections;
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new IllegalStateException("Cannot open a selector for the bridge connections: " + e.getMessage(), e);
        }
        this.wakeSelector = () -> {
            memoryReleased = true;
            selector.wakeup();
        };
    }

    @Override
    public void handleSplitsChanges(SplitsChange<BridgeSplit> change) {
        if (!(change instanceof SplitsAddition)) {
            throw new UnsupportedOperationException("Unsupported split change " + change);
        }
        toConnect.addAll(change.splits());
    }

    private static String peer(BridgeSplit split) {
        return "bridge " + split.bridgeId() + " (" + split.host() + ":" + split.port() + ")";
    }

    @Override
    public RecordsWithSplitIds<ChunkRecord> fetch() throws IOException {
        RecordsBySplits.Builder<ChunkRecord> records = new RecordsBySplits.Builder<>();
        long start = System.nanoTime();
        if (lastFetchEnd != 0 && start - lastFetchEnd > settings.pollTimeout().toNanos()) {
            // the thread was blocked handing records over: the bridges were not late
            connections.values().forEach(c -> notLate(c, start));
        }
        try {
            if (!toConnect.isEmpty()) {
                OptionalLong token = awaitFence();
                if (token.isEmpty()) {
                    return records.build();
                }
                for (BridgeSplit split : toConnect) {
                    connect(split, token.getAsLong());
                }
                LOG.info("Reading {} bridges from one selector thread", toConnect.size());
                toConnect.clear();
            }
            if (connections.isEmpty()) {
                return records.build();
            }
            wokenUp = false;
            long[] bytes = {0};
            resumeAfterRelease();
            drainReady(records, bytes);
            // select even when woken up or full: connections and writes are served in every fetch
            if (bytes[0] > 0 || !ready.isEmpty() || wokenUp) {
                selector.selectNow();
            } else {
                selector.select(Math.max(1, settings.pollTimeout().toMillis()));
            }
            serveSelected(records, bytes);
            if (bytes[0] == 0 && !wokenUp && resumeAfterRelease()) {
                drainReady(records, bytes);
            }
            checkDeadlines(System.nanoTime());
            return records.build();
        } finally {
            lastFetchEnd = System.nanoTime();
        }
    }

    /**
     * Marks {@code c} as not late at {@code now}: its bytes are there, or this thread was busy
     * elsewhere, so its frame and HELLO timeouts start again.
     */
    private void notLate(BridgeConnection c, long now) {
        c.lastProgress = now;
        if (c.connected && !c.decoder.helloSeen()) {
            c.helloDeadline = Math.max(c.helloDeadline, now + settings.frameTimeout().toNanos());
        }
    }

    /** Once memory was released, makes the connections waiting for it ready again; true if any. */
    private boolean resumeAfterRelease() {
        if (!memoryReleased || waitingForMemory.isEmpty()) {
            return false;
        }
        memoryReleased = false;
        for (BridgeConnection c : waitingForMemory) {
            c.waitingForMemory = false;
            if (c.key.isValid()) {
                c.key.interestOps(c.key.interestOps() | SelectionKey.OP_READ);
                ready.add(c);
            }
        }
        waitingForMemory.clear();
        return true;
    }

    /** Decodes connections with bytes already buffered, or whose memory wait may be over. */
    private void drainReady(RecordsBySplits.Builder<ChunkRecord> records, long[] bytes) throws IOException {
        int pending = ready.size();
        for (int i = 0; i < pending && bytes[0] < MAX_BATCH_BYTES && !wokenUp; i++) {
            BridgeConnection c = ready.poll();
            if (c.key.isValid() && !c.ending && !c.waitingForMemory) {
                read(c, records, bytes);
            }
        }
        long now = System.nanoTime();
        ready.forEach(c -> notLate(c, now)); // left for the next fetch: their bytes are buffered here
    }

    private void serveSelected(RecordsBySplits.Builder<ChunkRecord> records, long[] bytes) throws IOException {
        List<SelectionKey> selected = new ArrayList<>(selector.selectedKeys());
        selector.selectedKeys().clear();
        int n = selected.size();
        if (n == 0) {
            return;
        }
        int first = Math.floorMod(turn, n);
        long now = System.nanoTime();
        int next = first; // after the last connection read
        // a connection not served because the batch filled is reported again by the next select,
        // and the next fetch starts after the last one served
        for (int i = 0; i < n; i++) {
            SelectionKey key = selected.get((first + i) % n);
            BridgeConnection c = (BridgeConnection) key.attachment();
            // Connections and writes are served whatever happens: a bridge waits for its SUBSCRIBE
            // only so long, and a wake-up (Flink hands over each split assignment with one) must
            // not hold it back, nor may a full batch.
            if (key.isValid() && key.isConnectable()) {
                finishConnect(c);
            }
            if (key.isValid() && key.isWritable()) {
                flush(c);
            }
            if (!key.isValid() || !key.isReadable() || c.ending || c.waitingForMemory) {
                continue;
            }
            if (bytes[0] >= MAX_BATCH_BYTES || wokenUp) {
                notLate(c, now); // its bytes wait in the kernel for this thread, not for the bridge
                continue;
            }
            next = first + i + 1;
            read(c, records, bytes);
        }
        turn = next;
    }

    /**
     * The reader attempt's fencing token, waiting one poll for it; empty while it has not come
     * (the fetcher asks again), an error once the connect timeout passed without it.
     */
    private OptionalLong awaitFence() throws IOException {
        if (fenceWaitStart == 0) {
            fenceWaitStart = System.nanoTime();
        }
        OptionalLong token;
        try {
            token = fence.await(settings.pollTimeout());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while waiting for the fencing token to read " + toConnect.size()
                    + " bridges", e);
        }
        if (token.isEmpty() && System.nanoTime() - fenceWaitStart > settings.connectTimeout().toNanos()) {
            throw new IOException("The reader of " + peer(toConnect.get(0)) + (toConnect.size() > 1
                    ? " and " + (toConnect.size() - 1) + " more bridges" : "") + " got no fencing token from the "
                    + "enumerator within " + settings.connectTimeout() + " (deisa.source.connect-timeout)");
        }
        return token;
    }

    private void connect(BridgeSplit split, long token) throws IOException {
        String peer = peer(split);
        SocketChannel channel = SocketChannel.open();
        BridgeConnection c;
        boolean connected;
        try {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            c = new BridgeConnection(split, channel, new DataFrameDecoder(settings.maxFrameBytes(), peer,
                    bytes -> memory.tryAcquire(bytes, wakeSelector)), peer);
            c.queue(Hello.of(Protocol.CHANNEL_DATA));
            c.queue(new Subscribe(split.bridgeId(), split.nextSequence(), token));
            InetSocketAddress address = new InetSocketAddress(split.host(), split.port());
            if (address.isUnresolved()) {
                throw new java.net.UnknownHostException("unknown host " + split.host());
            }
            connected = channel.connect(address);
            c.key = channel.register(selector, SelectionKey.OP_CONNECT, c);
            c.helloDeadline = System.nanoTime() + settings.connectTimeout().toNanos();
            c.lastProgress = System.nanoTime();
            connections.put(split.splitId(), c);
            openConnections.incrementAndGet();
        } catch (IOException e) {
            channel.close();
            throw new IOException("Cannot read chunks from " + peer + ": " + e.getMessage(), e);
        }
        if (connected) {
            finishConnect(c);
        }
        LOG.info("Connecting to {} to read from sequence {}", peer, split.nextSequence());
    }

    private void finishConnect(BridgeConnection c) throws IOException {
        try {
            if (!c.channel.finishConnect()) {
                return;
            }
            SelfConnection.check(c.channel.socket(), c.peer);
        } catch (IOException e) {
            throw new IOException("Cannot read chunks from " + c.peer + ": " + e.getMessage(), e);
        }
        c.connected = true;
        c.helloDeadline = System.nanoTime() + settings.frameTimeout().toNanos();
        c.key.interestOps(SelectionKey.OP_READ);
        flush(c);
    }

    private void flush(BridgeConnection c) throws IOException {
        boolean done;
        try {
            done = c.flush();
        } catch (IOException e) {
            throw new IOException("Cannot write to " + c.peer + " (its data connection broke): " + e.getMessage(), e);
        }
        if (done && c.ending) {
            close(c);
            return;
        }
        // a stream that ended is not read any more: only its END_ACK is left to write
        int ops = c.waitingForMemory || c.ending ? 0 : SelectionKey.OP_READ;
        c.key.interestOps(done ? ops : ops | SelectionKey.OP_WRITE);
    }

    /** Decodes what {@code c} has until it needs more bytes, waits for memory, or the batch is full. */
    private void read(BridgeConnection c, RecordsBySplits.Builder<ChunkRecord> records, long[] bytes)
            throws IOException {
        long before = c.decoder.bytesRead();
        try {
            while (true) {
                DataFrameDecoder.Status status = c.decoder.poll(c.channel, scratch);
                if (status == DataFrameDecoder.Status.NEED_BYTES) {
                    break;
                }
                if (status == DataFrameDecoder.Status.NEED_MEMORY) {
                    c.waitingForMemory = true;
                    c.key.interestOps(c.key.interestOps() & ~SelectionKey.OP_READ);
                    waitingForMemory.add(c);
                    break;
                }
                if (!handle(c, c.decoder.frame(), records, bytes)) {
                    return;
                }
                if (bytes[0] >= MAX_BATCH_BYTES) {
                    if (c.decoder.inFrame()) {
                        ready.add(c);
                    }
                    break;
                }
            }
        } catch (PeerRefusedException e) {
            // the bridge answers a new connection the same way: a restart cannot recover
            throw new SuppressRestartsException(
                    new IOException("Cannot read chunks from " + c.peer + ": " + e.getMessage(), e));
        } catch (EOFException e) {
            if (!c.decoder.helloSeen()) {
                throw new IOException("Cannot read chunks from " + c.peer + ": it closed the connection before its "
                        + "HELLO (not a bridge's data endpoint, or the bridge refused the subscription)", e);
            }
            throw new IOException(c.peer + " closed its data connection before close(timestep): the bridge "
                    + "process died or left abnormally (last chunk: sequence " + c.lastSequence + ", timestep "
                    + c.lastTimestep + ")", e);
        } catch (ProtocolException e) {
            throw e; // the decoder's messages name the bridge
        } catch (IOException e) {
            // a reset or a timeout of the connection: name the bridge among the reader's many
            throw new IOException("Cannot read chunks from " + c.peer + " (last chunk: sequence " + c.lastSequence
                    + ", timestep " + c.lastTimestep + "): " + e.getMessage(), e);
        } finally {
            if (c.decoder.bytesRead() != before) {
                c.lastProgress = System.nanoTime();
            }
        }
    }

    /** Adds a decoded frame to the batch; false when the connection ended (END). */
    private boolean handle(BridgeConnection c, DataFrame frame, RecordsBySplits.Builder<ChunkRecord> records,
            long[] bytes) throws IOException {
        if (frame instanceof DataFrame.Chunk chunk) {
            ArrayMetadata md = chunk.array().metadata();
            c.lastSequence = chunk.sequence();
            c.lastTimestep = chunk.timestep();
            records.add(c.splitId(), new ChunkRecord(
                    chunk.array().name(), chunk.timestep(), c.split.bridgeId(), chunk.sequence(), md.dtype(),
                    md.chunkShape(), md.chunksPerDim(), md.chunkPosition(), chunk.data(),
                    c.decoder.declaredArrays()));
            bytes[0] += chunk.data().length + 1;
        } else if (frame instanceof DataFrame.BeginTimestep begin) {
            records.add(c.splitId(), ChunkRecord.timestepStart(c.split.bridgeId(), begin.timestep()));
            bytes[0] += 1;
        } else if (frame instanceof DataFrame.End) {
            records.addFinishedSplit(c.splitId());
            LOG.info("{} finished after sequence {}", c.peer, c.lastSequence);
            connections.remove(c.splitId());
            c.ending = true;
            c.queue(new EndAck());
            flush(c);
            return false;
        }
        return true;
    }

    /** Fails on a connection or HELLO overdue, or a frame left unfinished too long. */
    private void checkDeadlines(long now) throws IOException {
        for (BridgeConnection c : connections.values()) {
            if (!c.decoder.helloSeen() && now - c.helloDeadline > 0) {
                throw new IOException("Cannot read chunks from " + c.peer + ": " + (c.connected
                        ? "no HELLO within " + settings.frameTimeout() + " (deisa.source.frame-timeout)"
                        : "not connected within " + settings.connectTimeout() + " (deisa.source.connect-timeout)"));
            }
            if (c.waitingForMemory) {
                c.lastProgress = now;
            } else if (c.decoder.inFrame() && now - c.lastProgress > settings.frameTimeout().toNanos()) {
                throw new IOException(c.peer + " stopped in the middle of a frame: no byte for "
                        + settings.frameTimeout() + " (deisa.source.frame-timeout; last chunk: sequence "
                        + c.lastSequence + ", timestep " + c.lastTimestep + ")");
            }
        }
    }

    /**
     * Asks each bridge of {@code positions} (split id to sequence number) for an ACK: a completed
     * checkpoint covers its chunks below that sequence. Written without blocking; bridges whose
     * HELLO has not come yet, or that finished, are skipped (acknowledgements are cumulative).
     */
    public void acknowledge(Map<String, Long> positions) throws IOException {
        for (Map.Entry<String, Long> position : positions.entrySet()) {
            BridgeConnection c = connections.get(position.getKey());
            if (c != null && c.decoder.helloSeen()) {
                c.queueAck(position.getValue());
                flush(c);
            }
        }
    }

    private void close(BridgeConnection c) {
        if (c.closed) {
            return;
        }
        c.closed = true;
        c.key.cancel();
        try {
            c.channel.close();
        } catch (IOException e) {
            LOG.debug("Closing the connection of {}", c.peer, e);
        }
        openConnections.decrementAndGet();
    }

    @Override
    public void wakeUp() {
        wokenUp = true;
        selector.wakeup();
    }

    @Override
    public void close() throws Exception {
        for (SelectionKey key : selector.keys()) {
            close((BridgeConnection) key.attachment());
        }
        connections.clear();
        selector.close();
    }
}
