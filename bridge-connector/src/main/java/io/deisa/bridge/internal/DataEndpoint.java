package io.deisa.bridge.internal;

import io.deisa.bridge.DeisaException;
import io.deisa.wire.ArrayDeclaration;
import io.deisa.wire.DataFrameWriter;
import io.deisa.wire.Frame;
import io.deisa.wire.FrameIO;
import io.deisa.wire.Protocol;
import io.deisa.wire.message.Ack;
import io.deisa.wire.message.ErrorReason;
import io.deisa.wire.message.Hello;
import io.deisa.wire.message.Subscribe;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The data endpoint of one bridge: listens for the source reader that the analytics assigned to
 * this bridge and streams it the queued items in order (SCHEMA frames first, then BEGIN_TIMESTEP
 * and CHUNK frames, then END), as described in {@code docs/PROTOCOL.md}.
 *
 * <p>Two threads. The <i>acceptor</i> takes every connection, checks its HELLO and reads its
 * SUBSCRIBE (a connection that is not a data channel, for instance a bridge that mistook this port
 * for the analytics head, gets an ERROR naming this endpoint). It hands the subscription to the
 * <i>sender</i> at once, whatever the state of the current connection, and closes that connection:
 * a restarted reader is served immediately even while the sender is blocked writing to a reader
 * that no longer reads. The sender owns the current connection: it answers the subscription
 * (HELLO, or ERROR when it asks for chunks this endpoint no longer holds), writes the schemas and
 * then the queue; an item whose write failed stays queued for the next connection. An
 * <i>acknowledgement reader</i> per connection reads what the reader sends back (ACK, END_ACK).
 *
 * <p><b>Retention.</b> Without it, a chunk's buffer goes back to the {@link ChunkBufferPool} once
 * written. With it ({@link #retainUntilAcknowledged}, when the job takes checkpoints), a written
 * chunk stays in the pool's bound until an ACK says a completed checkpoint covers it: a reader
 * restored from that checkpoint subscribes from its sequence and gets every retained chunk again,
 * then the rest of the queue. The END stays retained too, so a restarted job can read a finished
 * bridge to its end. Retained bytes count in the pool's bound: when it is full, {@code send}
 * blocks before allocating.
 */
public final class DataEndpoint implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DataEndpoint.class);
    /** How long a connecting reader may take to send its HELLO and SUBSCRIBE. */
    private static final int SUBSCRIBE_TIMEOUT_MILLIS = 10_000;
    /**
     * Longest idle wait of the sender between checks. Whatever it waits for (an item, a newer
     * subscription, the close) unparks it at once; this only bounds the wait should a wake-up go
     * astray. A short periodic poll here cost every idle bridge 50 wake-ups a second.
     */
    static final long IDLE_PARK_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final int bridgeId;
    private final ChunkBufferPool pool;
    private final Consumer<DeisaException> onFailure;
    private final ServerSocketChannel server;
    private final LinkedBlockingDeque<OutboundItem> queue = new LinkedBlockingDeque<>();
    private final CountDownLatch endAcknowledged = new CountDownLatch(1);
    private final List<ArrayDeclaration> arrays;
    /** The newest subscription the sender has not taken over yet. */
    private final AtomicReference<Subscription> pending = new AtomicReference<>();
    /**
     * The largest fencing token a reader subscribed with: a subscription with a smaller one comes
     * from a stale reader attempt and is refused. Acceptor thread only.
     */
    private long highestFence = Long.MIN_VALUE;
    /** The connection the sender serves (closed by the acceptor when a newer one arrives). */
    private volatile SocketChannel current;
    private final Thread acceptor;
    private final Thread sender;
    private volatile boolean closed;
    private final Object released = new Object();
    /** Sequence of the chunk after the newest queued one: where a reader starts when the queue is empty. */
    private volatile long nextSequence;
    /** Sequence of the newest chunk written to a reader. */
    private long writtenSequence = -1;
    /** Whether written items wait for an ACK before they are dropped. */
    private volatile boolean retain;
    /** Items written but not acknowledged yet, in sequence order; guarded by itself. */
    private final ArrayDeque<OutboundItem> retained = new ArrayDeque<>();
    /** When each retained item was first written ({@link System#nanoTime()}), aligned with {@code retained}. */
    private final ArrayDeque<Long> retainedSince = new ArrayDeque<>();
    /** Bytes of the retained chunks; guarded by {@code retained}. */
    private long retainedBytes;

    /** A reader's SUBSCRIBE on its connection. */
    private record Subscription(SocketChannel channel, InputStream in, OutputStream out, long fromSequence,
            String peer) {}

    /**
     * Binds an ephemeral port on every interface and starts the acceptor and sender threads.
     *
     * @param onFailure told when a reader asks for chunks this endpoint no longer has
     */
    public DataEndpoint(
            int bridgeId, List<ArrayDeclaration> arrays, ChunkBufferPool pool,
            Consumer<DeisaException> onFailure) throws IOException {
        this.bridgeId = bridgeId;
        this.pool = pool;
        this.onFailure = onFailure;
        this.arrays = List.copyOf(arrays);
        this.server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress(0));
        this.acceptor = new Thread(this::accept, "deisa-bridge-" + bridgeId + "-data-acceptor");
        this.sender = new Thread(this::send, "deisa-bridge-" + bridgeId + "-sender");
        acceptor.setDaemon(true);
        sender.setDaemon(true);
        acceptor.start();
        sender.start();
    }

    /** The port readers connect to. */
    public int port() {
        return server.socket().getLocalPort();
    }

    /** Queues a filled chunk buffer; ownership passes to the endpoint. */
    public void enqueue(OutboundItem.Chunk chunk) {
        queue.addLast(chunk);
        nextSequence = chunk.sequence() + 1;
        LockSupport.unpark(sender);
    }

    /** Queues the start of a timestep, which lets the reader's watermark pass the previous one. */
    public void beginTimestep(long nextSequence, long timestep) {
        queue.addLast(new OutboundItem.BeginTimestep(nextSequence, timestep));
        LockSupport.unpark(sender);
    }

    /**
     * From now on, keeps written items until a reader's ACK covers them (the job takes
     * checkpoints and may ask for them again after a restore).
     */
    public void retainUntilAcknowledged() {
        retain = true;
    }

    /** Whether every queued item was written to a reader (what is left in the pool is retained). */
    public boolean allWritten() {
        return queue.isEmpty();
    }

    /** Bytes of written chunks kept for a replay, for metrics. */
    public long retainedBytes() {
        synchronized (retained) {
            return retainedBytes;
        }
    }

    /** How long the oldest chunk kept for a replay has waited for its acknowledgement, in ms (0: none). */
    public long oldestRetainedMillis() {
        synchronized (retained) {
            Long since = retainedSince.peekFirst();
            return since == null ? 0 : (System.nanoTime() - since) / 1_000_000;
        }
    }

    /**
     * Waits until every chunk up to {@code sequence} was written to a reader (its buffer is then
     * back in the pool, or retained). Called once the analytics finished with those chunks, so the
     * wait is at most the sender's few instructions between the end of a write and this mark.
     */
    public void awaitWritten(long sequence) throws InterruptedException {
        synchronized (released) {
            while (writtenSequence < sequence && !closed) {
                released.wait(10);
            }
        }
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
        LockSupport.unpark(sender);
        while (!endAcknowledged.await(100, TimeUnit.MILLISECONDS)) {
            DeisaException error = failure.get();
            if (error != null) {
                throw error;
            }
        }
    }

    private void accept() {
        while (!closed) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("Bridge {}: data endpoint stopped accepting readers: {}", bridgeId, e.toString());
                }
                return;
            }
            try {
                Subscription subscription = handshake(channel);
                if (subscription != null) {
                    // Whatever the sender is doing with the old connection, it is over. Closed
                    // before the hand-over, so that it is never the new one.
                    closeQuietly(current);
                    Subscription replaced = pending.getAndSet(subscription);
                    if (replaced != null) {
                        closeQuietly(replaced.channel());
                    }
                    synchronized (pending) {
                        pending.notifyAll();
                    }
                    LockSupport.unpark(sender); // if it waits for an item to write to the old one
                }
            } catch (IOException e) {
                LOG.warn("Bridge {}: refused a data connection: {}", bridgeId, e.getMessage());
                closeQuietly(channel);
            }
        }
    }

    /** Reads HELLO and SUBSCRIBE; null when the connection was refused with an ERROR. */
    private Subscription handshake(SocketChannel channel) throws IOException {
        channel.socket().setTcpNoDelay(true);
        channel.socket().setSoTimeout(SUBSCRIBE_TIMEOUT_MILLIS);
        String peer = "source reader " + channel.getRemoteAddress();
        InputStream in = channel.socket().getInputStream();
        OutputStream out = channel.socket().getOutputStream();
        try {
            byte hello = FrameIO.readHello(in, peer);
            if (hello != Protocol.CHANNEL_DATA) {
                FrameIO.sendError(out, "this is the data endpoint of bridge " + bridgeId + " (port " + port()
                        + "), not " + (hello == Protocol.CHANNEL_CONTROL ? "the analytics head" : "a channel "
                        + hello + " endpoint") + ": check the head address (SystemMetadata.head / DEISA_HEAD)");
                closeQuietly(channel);
                return null;
            }
            Frame frame = FrameIO.read(in, Protocol.MAX_CONTROL_FRAME);
            if (frame.type() != Protocol.SUBSCRIBE) {
                throw new IOException("Expected SUBSCRIBE from " + peer + ", got " + frame.name());
            }
            Subscribe subscribe = Subscribe.decode(frame);
            if (subscribe.bridgeId() != bridgeId) {
                FrameIO.write(out, new ErrorReason("this is bridge " + bridgeId + ", not bridge " + subscribe.bridgeId()));
                closeQuietly(channel);
                return null;
            }
            if (subscribe.fence() < highestFence) {
                LOG.warn("Bridge {}: refused {}, a stale reader attempt (fencing token {}, the newest is {})",
                        bridgeId, peer, subscribe.fence(), highestFence);
                FrameIO.write(out, new ErrorReason("bridge " + bridgeId + " is read by a newer reader attempt "
                        + "(fencing token " + highestFence + "); this attempt's token " + subscribe.fence()
                        + " is stale"));
                closeQuietly(channel);
                return null;
            }
            highestFence = subscribe.fence();
            channel.socket().setSoTimeout(0);
            return new Subscription(channel, in, out, subscribe.sequence(), peer);
        } catch (SocketTimeoutException e) {
            throw new IOException(peer + " sent no SUBSCRIBE within " + SUBSCRIBE_TIMEOUT_MILLIS + " ms", e);
        }
    }

    private void send() {
        while (!closed) {
            Subscription subscription;
            try {
                subscription = awaitSubscription();
            } catch (InterruptedException e) {
                return;
            }
            current = subscription.channel();
            if (pending.get() != null) {
                closeQuietly(subscription.channel());
                continue;
            }
            try {
                stream(subscription);
            } catch (IOException e) {
                if (!closed && pending.get() == null) {
                    LOG.warn("Bridge {}: data connection to {} lost: {}", bridgeId, subscription.peer(), e.toString());
                }
            } finally {
                closeQuietly(subscription.channel());
            }
        }
    }

    /** Blocks until the acceptor hands over a subscription; interrupted when the endpoint closes. */
    private Subscription awaitSubscription() throws InterruptedException {
        synchronized (pending) {
            while (true) {
                Subscription next = pending.getAndSet(null);
                if (next != null) {
                    return next;
                }
                if (closed) {
                    throw new InterruptedException();
                }
                pending.wait();
            }
        }
    }

    /** Serves one subscription until a newer one replaces it or the endpoint closes. */
    private void stream(Subscription subscription) throws IOException {
        requeueRetained(subscription.fromSequence());
        OutboundItem head = queue.peekFirst();
        long oldest = head == null ? nextSequence : head.sequence();
        if (subscription.fromSequence() < oldest) {
            String reason = "bridge " + bridgeId + " cannot replay chunks from sequence " + subscription.fromSequence()
                    + ": the oldest it still holds is " + oldest;
            // The bridge fails (and tells the head) before the reader hears of it.
            onFailure.accept(new DeisaException("Analytics lost chunks of bridge " + bridgeId + ": " + reason));
            FrameIO.sendError(subscription.out(), reason);
            return;
        }
        FrameIO.write(subscription.out(), Hello.of(Protocol.CHANNEL_DATA));
        DataFrameWriter writer = new DataFrameWriter(subscription.channel());
        for (int i = 0; i < arrays.size(); i++) {
            writer.writeSchema(i, arrays.get(i));
        }
        LOG.info("Bridge {}: streaming to {} from sequence {}", bridgeId, subscription.peer(), oldest);
        startAcknowledgementReader(subscription);
        while (pending.get() == null && !closed) {
            OutboundItem item = queue.pollFirst();
            if (item == null) {
                // Unparked by enqueue, beginTimestep, finish, a newer subscription and close; an
                // unpark that comes before the park makes it return at once, so none is lost.
                LockSupport.parkNanos(this, IDLE_PARK_NANOS);
                continue;
            }
            try {
                write(writer, item);
            } catch (IOException e) {
                queue.addFirst(item);
                throw e;
            }
        }
    }

    /** Writes one item, then releases or retains it. */
    private void write(DataFrameWriter writer, OutboundItem item) throws IOException {
        if (item instanceof OutboundItem.Chunk chunk) {
            writer.writeChunk(chunk.arrayId(), chunk.sequence(), chunk.timestep(), chunk.data());
            if (retain) {
                keep(chunk);
            } else {
                pool.release(chunk.data());
            }
            synchronized (released) {
                writtenSequence = chunk.sequence();
                released.notifyAll();
            }
        } else if (item instanceof OutboundItem.BeginTimestep begin) {
            writer.writeBeginTimestep(begin.timestep());
            if (retain) {
                // A restored reader needs it too: the bridge may be waiting for the analytics
                // before it copies the timestep's first chunk, which would otherwise carry it.
                keep(begin);
            }
        } else {
            OutboundItem.End end = (OutboundItem.End) item;
            writer.writeEnd(end.sequence(), end.lastTimestep());
            keep(end);
        }
    }

    /** Keeps a written item until an acknowledgement covers it. */
    private void keep(OutboundItem item) {
        synchronized (retained) {
            retained.addLast(item);
            retainedSince.addLast(System.nanoTime());
            if (item instanceof OutboundItem.Chunk chunk) {
                retainedBytes += chunk.data().capacity();
            }
        }
    }

    /**
     * Before serving a subscription from {@code fromSequence}: retained items it does not need are
     * covered by the checkpoint it was restored from and go back to the pool; the others go back to
     * the front of the queue, to be written again.
     */
    private void requeueRetained(long fromSequence) {
        synchronized (retained) {
            acknowledge(fromSequence);
            while (!retained.isEmpty()) {
                OutboundItem item = retained.pollLast();
                retainedSince.pollLast();
                if (item instanceof OutboundItem.Chunk chunk) {
                    retainedBytes -= chunk.data().capacity();
                }
                queue.addFirst(item);
            }
        }
    }

    /** Drops the retained chunks below {@code sequence}; called holding {@code retained}. */
    private void acknowledge(long sequence) {
        // A BEGIN_TIMESTEP's sequence is its next chunk's: it goes with that chunk. END stays.
        while (!retained.isEmpty() && retained.peekFirst().sequence() < sequence
                && !(retained.peekFirst() instanceof OutboundItem.End)) {
            OutboundItem item = retained.pollFirst();
            retainedSince.pollFirst();
            if (item instanceof OutboundItem.Chunk chunk) {
                retainedBytes -= chunk.data().capacity();
                pool.release(chunk.data());
            }
        }
    }

    /** Reads the reader's ACK and END_ACK frames on their own thread until the connection ends. */
    private void startAcknowledgementReader(Subscription subscription) {
        Thread reader = new Thread(() -> {
            try {
                while (true) {
                    Frame frame = FrameIO.read(subscription.in(), Protocol.MAX_CONTROL_FRAME);
                    if (frame.type() == Protocol.ACK) {
                        long sequence = Ack.decode(frame).sequence();
                        synchronized (retained) {
                            acknowledge(sequence);
                        }
                    } else if (frame.type() == Protocol.END_ACK) {
                        endAcknowledged.countDown();
                    } else {
                        throw new IOException("Unexpected " + frame.name() + " from " + subscription.peer());
                    }
                }
            } catch (IOException e) {
                // The connection ended or was replaced: the sender notices on its own. After END_ACK
                // the reader closes it: the normal end of the stream, nothing to report.
                if (!closed && endAcknowledged.getCount() > 0 && subscription.channel().isOpen()
                        && pending.get() == null) {
                    LOG.warn("Bridge {}: acknowledgements from {} stopped: {}", bridgeId, subscription.peer(),
                            e.toString());
                    closeQuietly(subscription.channel());
                }
            }
        }, "deisa-bridge-" + bridgeId + "-acks");
        reader.setDaemon(true);
        reader.start();
    }

    private static void closeQuietly(SocketChannel channel) {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("closing a data connection", e);
        }
    }

    /** Stops both threads and releases the port; queued chunks are dropped. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            LOG.debug("Bridge {}: closing data endpoint", bridgeId, e);
        }
        closeQuietly(current);
        Subscription waiting = pending.getAndSet(null);
        if (waiting != null) {
            closeQuietly(waiting.channel());
        }
        synchronized (pending) {
            pending.notifyAll();
        }
        sender.interrupt();
        acceptor.interrupt();
        synchronized (released) {
            released.notifyAll();
        }
    }
}
