package io.deisa.connector.source.reader;

import io.deisa.bridge.ArrayMetadata;
import io.deisa.connector.source.ChunkRecord;
import io.deisa.connector.source.split.BridgeSplit;
import io.deisa.wire.DataFrame;
import io.deisa.wire.DataFrameReader;
import io.deisa.wire.FrameIO;
import io.deisa.wire.PeerRefusedException;
import io.deisa.wire.SelfConnection;
import io.deisa.wire.message.Ack;
import io.deisa.wire.message.EndAck;
import io.deisa.wire.message.Subscribe;
import io.deisa.wire.Protocol;

import org.apache.flink.annotation.Internal;
import org.apache.flink.connector.base.source.reader.RecordsBySplits;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.connector.base.source.reader.RecordsWithSplitIds;
import org.apache.flink.connector.base.source.reader.splitreader.SplitReader;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsAddition;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsChange;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.OptionalLong;
import java.net.SocketTimeoutException;

/**
 * Reads the chunks of one bridge: connects to the bridge's data endpoint, subscribes from the
 * split's next sequence number and returns chunks as they arrive. Runs in its own fetcher thread
 * (see {@link PerSplitFetcherManager}); blocking reads are cut into polls of {@code pollTimeout} so
 * that {@link #wakeUp()} takes effect promptly, and back-pressure works because the fetcher stops
 * reading the socket while the reader's hand-over queue is full.
 */
@Internal
public final class BridgeSplitReader implements SplitReader<ChunkRecord, BridgeSplit> {
    private static final Logger LOG = LoggerFactory.getLogger(BridgeSplitReader.class);
    private static final int MAX_BATCH_BYTES = 4 << 20;

    private final BridgeSourceSettings settings;
    private final ReaderFence fence;
    private final ReaderMemory memory;
    /** When this reader started waiting for its fencing token ({@link System#nanoTime()}), or 0. */
    private long fenceWaitStart;
    private BridgeSplit split;
    private Socket socket;
    private PushbackInputStream in;
    private OutputStream out;
    private DataFrameReader frames;
    private long lastSequence = -1;
    private long lastTimestep = Long.MIN_VALUE;
    private volatile boolean wokenUp;

    /**
     * A reader using the connection settings of the source, subscribing with the fencing token of
     * its reader attempt, and taking each chunk's bytes from the reader's {@code memory} before it
     * allocates them.
     */
    public BridgeSplitReader(BridgeSourceSettings settings, ReaderFence fence, ReaderMemory memory) {
        this.settings = settings;
        this.fence = fence;
        this.memory = memory;
    }

    @Override
    public void handleSplitsChanges(SplitsChange<BridgeSplit> change) {
        if (!(change instanceof SplitsAddition)) {
            throw new UnsupportedOperationException("Unsupported split change " + change);
        }
        for (BridgeSplit added : change.splits()) {
            if (split != null) {
                throw new IllegalStateException("A bridge split reader reads one bridge; got " + added
                        + " while reading " + split);
            }
            split = added;
        }
    }

    private String peer() {
        return "bridge " + split.bridgeId() + " (" + split.host() + ":" + split.port() + ")";
    }

    private void connect(long token) throws IOException {
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress(split.host(), split.port()), (int) settings.connectTimeout().toMillis());
            SelfConnection.check(s, peer());
            s.setTcpNoDelay(true);
            // Pushback rather than mark/reset: a marked BufferedInputStream copies even large
            // reads through its buffer until the mark is dropped.
            PushbackInputStream input = new PushbackInputStream(new BufferedInputStream(s.getInputStream(), 1 << 16));
            OutputStream output = s.getOutputStream();
            FrameIO.sendHello(output, Protocol.CHANNEL_DATA);
            FrameIO.write(output, new Subscribe(split.bridgeId(), split.nextSequence(), token));
            s.setSoTimeout((int) settings.frameTimeout().toMillis());
            FrameIO.expectHello(input, Protocol.CHANNEL_DATA, peer());
            socket = s;
            in = input;
            out = output;
            frames = new DataFrameReader(input, settings.maxFrameBytes(), peer(), memory::acquire);
            LOG.info("Reading {} from sequence {}", peer(), split.nextSequence());
        } catch (PeerRefusedException e) {
            // The bridge answers a new connection the same way: a restart cannot recover.
            s.close();
            throw new SuppressRestartsException(
                    new IOException("Cannot read chunks from " + peer() + ": " + e.getMessage(), e));
        } catch (IOException e) {
            s.close();
            throw new IOException("Cannot read chunks from " + peer() + ": " + e.getMessage(), e);
        }
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
            throw new IOException("Interrupted while waiting for the fencing token to read " + peer(), e);
        }
        if (token.isEmpty() && System.nanoTime() - fenceWaitStart > settings.connectTimeout().toNanos()) {
            throw new IOException("The reader of " + peer() + " got no fencing token from the enumerator within "
                    + settings.connectTimeout() + " (deisa.source.reader-connect-timeout)");
        }
        return token;
    }

    @Override
    public RecordsWithSplitIds<ChunkRecord> fetch() throws IOException {
        RecordsBySplits.Builder<ChunkRecord> records = new RecordsBySplits.Builder<>();
        if (split == null) {
            return records.build();
        }
        if (socket == null) {
            OptionalLong token = awaitFence();
            if (token.isEmpty()) {
                return records.build();
            }
            connect(token.getAsLong());
        }
        wokenUp = false;
        long bytes = 0;
        while (!wokenUp && bytes < MAX_BATCH_BYTES && (bytes == 0 || in.available() > 0)) {
            if (bytes == 0 && !awaitFrame()) {
                break;
            }
            DataFrame frame;
            try {
                frame = frames.nextFrameOrSchema();
            } catch (EOFException e) {
                throw bridgeVanished(e);
            }
            if (frame instanceof DataFrame.End) {
                FrameIO.write(out, new EndAck());
                records.addFinishedSplit(split.splitId());
                LOG.info("{} finished after sequence {}", peer(), lastSequence);
                closeConnection();
                split = null;
                break;
            }
            if (frame instanceof DataFrame.Schema) {
                bytes += 1;
                continue;
            }
            if (frame instanceof DataFrame.BeginTimestep begin) {
                records.add(split.splitId(), ChunkRecord.timestepStart(split.bridgeId(), begin.timestep()));
                bytes += 1;
                continue;
            }
            ChunkRecord record = toRecord((DataFrame.Chunk) frame);
            records.add(split.splitId(), record);
            bytes += record.data.length + 1;
        }
        return records.build();
    }

    /** Waits up to the poll timeout for the first byte of a frame; false when none came. */
    private boolean awaitFrame() throws IOException {
        socket.setSoTimeout((int) settings.pollTimeout().toMillis());
        try {
            int first = in.read();
            if (first < 0) {
                throw new EOFException();
            }
            in.unread(first);
        } catch (SocketTimeoutException e) {
            return false;
        } catch (EOFException e) {
            throw bridgeVanished(e);
        } finally {
            socket.setSoTimeout((int) settings.frameTimeout().toMillis());
        }
        return true;
    }

    private IOException bridgeVanished(EOFException cause) {
        return new IOException(peer() + " closed its data connection before close(timestep): the bridge "
                + "process died or left abnormally (last chunk: sequence " + lastSequence + ", timestep "
                + lastTimestep + ")", cause);
    }

    private ChunkRecord toRecord(DataFrame.Chunk chunk) {
        ArrayMetadata md = chunk.array().metadata();
        lastSequence = chunk.sequence();
        lastTimestep = chunk.timestep();
        return new ChunkRecord(
                chunk.array().name(), chunk.timestep(), split.bridgeId(), chunk.sequence(), md.dtype(),
                md.chunkShape(), md.chunksPerDim(), md.chunkPosition(), chunk.data(), frames.declaredArrays());
    }

    /**
     * Tells the bridge that a completed checkpoint covers its chunks below {@code sequence}.
     * Skipped while not connected: acknowledgements are cumulative, the next one covers it.
     */
    public void acknowledge(long sequence) throws IOException {
        if (socket != null) {
            FrameIO.write(out, new Ack(sequence));
        }
    }

    @Override
    public void wakeUp() {
        wokenUp = true;
    }

    private void closeConnection() throws IOException {
        if (socket != null) {
            socket.close();
            socket = null;
        }
    }

    @Override
    public void close() throws Exception {
        closeConnection();
    }
}
