package io.deisa.bridge.internal;

import io.deisa.bridge.DeisaException;
import io.deisa.wire.ArrayDeclaration;
import io.deisa.wire.ArrowChunkFormat;
import io.deisa.wire.DataFrameWriter;
import io.deisa.wire.Frame;
import io.deisa.wire.FrameIO;
import io.deisa.wire.PayloadReader;
import io.deisa.wire.Protocol;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The data endpoint of one bridge: listens for the source reader that the analytics assigned to
 * this bridge and streams it the queued chunks in order (SCHEMA frames first, then CHUNK frames,
 * then END), as described in {@code docs/PROTOCOL.md}.
 *
 * <p>One sender thread owns the connection. A chunk's buffer goes back to the {@link
 * ChunkBufferPool} once written; a chunk whose write failed stays queued for the next reader
 * connection.
 */
public final class DataEndpoint implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DataEndpoint.class);

    private final int bridgeId;
    private final ChunkBufferPool pool;
    private final Consumer<DeisaException> onFailure;
    private final ServerSocketChannel server;
    private final LinkedBlockingDeque<OutboundItem> queue = new LinkedBlockingDeque<>();
    private final CountDownLatch endAcknowledged = new CountDownLatch(1);
    private final byte[][] schemaMessages;
    private final byte[][] batchMessages;
    private final Thread sender;
    private volatile boolean closed;

    /**
     * Binds an ephemeral port on every interface and starts the sender thread.
     *
     * @param onFailure told when a reader asks for chunks this endpoint no longer has
     */
    public DataEndpoint(
            int bridgeId, List<ArrayDeclaration> arrays, ChunkBufferPool pool,
            Consumer<DeisaException> onFailure) throws IOException {
        this.bridgeId = bridgeId;
        this.pool = pool;
        this.onFailure = onFailure;
        this.schemaMessages = new byte[arrays.size()][];
        this.batchMessages = new byte[arrays.size()][];
        for (int i = 0; i < arrays.size(); i++) {
            ArrayDeclaration array = arrays.get(i);
            schemaMessages[i] = ArrowChunkFormat.schemaMessage(array);
            batchMessages[i] = ArrowChunkFormat.recordBatchMessage(
                    array.metadata().chunkElementCount(), array.metadata().dtype());
        }
        this.server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress(0));
        this.sender = new Thread(this::serve, "deisa-bridge-" + bridgeId + "-sender");
        sender.setDaemon(true);
        sender.start();
    }

    /** The port readers connect to. */
    public int port() {
        return server.socket().getLocalPort();
    }

    /** Queues a filled chunk buffer; ownership passes to the endpoint. */
    public void enqueue(OutboundItem.Chunk chunk) {
        queue.addLast(chunk);
    }

    /**
     * Queues the END frame and waits until the reader confirmed it, which means every chunk
     * before it reached the analytics.
     *
     * @param failure checked while waiting; a non-null value ends the wait with that exception
     */
    public void finish(long sequence, long lastTimestep, Supplier<DeisaException> failure)
            throws InterruptedException {
        queue.addLast(new OutboundItem.End(sequence, lastTimestep));
        while (!endAcknowledged.await(100, TimeUnit.MILLISECONDS)) {
            DeisaException error = failure.get();
            if (error != null) {
                throw error;
            }
        }
    }

    private void serve() {
        while (!closed) {
            try (SocketChannel channel = server.accept()) {
                channel.socket().setTcpNoDelay(true);
                if (stream(channel)) {
                    return;
                }
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("Bridge {}: data connection to the analytics lost: {}", bridgeId, e.toString());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Serves one reader connection; true when the stream was completed. */
    private boolean stream(SocketChannel channel) throws IOException, InterruptedException {
        InputStream in = Channels.newInputStream(channel);
        OutputStream out = Channels.newOutputStream(channel);
        String peer = "source reader " + channel.getRemoteAddress();
        FrameIO.expectHello(in, Protocol.CHANNEL_DATA, peer);
        Frame subscribe = FrameIO.read(in, Protocol.MAX_CONTROL_FRAME);
        if (subscribe.type() != Protocol.SUBSCRIBE) {
            throw new IOException("Expected SUBSCRIBE from " + peer + ", got " + subscribe.name());
        }
        PayloadReader request = subscribe.reader();
        int wantedBridge = request.getInt();
        long fromSequence = request.getLong();
        OutboundItem head = queue.peekFirst();
        long oldest = head == null ? fromSequence : head.sequence();
        if (wantedBridge != bridgeId || fromSequence < oldest) {
            String reason = wantedBridge != bridgeId
                    ? "this is bridge " + bridgeId + ", not bridge " + wantedBridge
                    : "bridge " + bridgeId + " cannot replay chunks from sequence " + fromSequence
                            + ": the oldest it still holds is " + oldest;
            FrameIO.sendError(out, reason);
            if (wantedBridge == bridgeId) {
                onFailure.accept(new DeisaException("Analytics lost chunks of bridge " + bridgeId + ": " + reason));
            }
            return false;
        }
        FrameIO.write(out, Protocol.HELLO, FrameIO.helloPayload(Protocol.CHANNEL_DATA));
        DataFrameWriter writer = new DataFrameWriter(channel);
        for (int i = 0; i < schemaMessages.length; i++) {
            writer.writeSchema(i, schemaMessages[i]);
        }
        while (true) {
            OutboundItem item = queue.takeFirst();
            try {
                if (item instanceof OutboundItem.Chunk chunk) {
                    writer.writeChunk(chunk.arrayId(), chunk.sequence(), chunk.timestep(),
                            batchMessages[chunk.arrayId()], chunk.data());
                    pool.release(chunk.data());
                } else {
                    OutboundItem.End end = (OutboundItem.End) item;
                    writer.writeEnd(end.sequence(), end.lastTimestep());
                    Frame ack = FrameIO.read(in, Protocol.MAX_CONTROL_FRAME);
                    if (ack.type() != Protocol.END_ACK) {
                        throw new IOException("Expected END_ACK from " + peer + ", got " + ack.name());
                    }
                    endAcknowledged.countDown();
                    return true;
                }
            } catch (IOException e) {
                queue.addFirst(item);
                throw e;
            }
        }
    }

    /** Stops the sender and releases the port; queued chunks are dropped. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            LOG.debug("Bridge {}: closing data endpoint", bridgeId, e);
        }
        sender.interrupt();
    }
}
