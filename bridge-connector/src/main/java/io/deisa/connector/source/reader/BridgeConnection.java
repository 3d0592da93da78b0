package io.deisa.connector.source.reader;

import io.deisa.connector.source.split.BridgeSplit;
import io.deisa.wire.DataFrameDecoder;
import io.deisa.wire.FrameAssembler;
import io.deisa.wire.Message;
import io.deisa.wire.message.Ack;

import org.apache.flink.annotation.Internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;

/**
 * The data connection of one bridge inside a {@link MultiplexedBridgeReader}: its non-blocking
 * channel and selection key, the decoder of its frames, the frames waiting to be written to it, and
 * where the bridge's stream stands. Acknowledgements are coalesced: only the newest one not yet
 * started is kept, since they are cumulative. Used by the reader's one thread only.
 */
@Internal
final class BridgeConnection {
    final BridgeSplit split;
    final String peer;
    final SocketChannel channel;
    final DataFrameDecoder decoder;
    SelectionKey key;
    /** Whether the TCP connection is established (the HELLO and SUBSCRIBE may still be queued). */
    boolean connected;
    /** Whether the stream ended (END received): close once the END_ACK is written. */
    boolean ending;
    /** Whether the channel was closed. */
    boolean closed;
    /** Whether the decoder stopped in front of a chunk that did not fit in the reader's memory. */
    boolean waitingForMemory;
    /** Deadline ({@link System#nanoTime()}) for the connection and the bridge's HELLO. */
    long helloDeadline;
    /** When a byte last arrived, or the reader last resumed reading ({@link System#nanoTime()}). */
    long lastProgress;
    long lastSequence = -1;
    long lastTimestep = Long.MIN_VALUE;

    private final ArrayDeque<ByteBuffer> outbound = new ArrayDeque<>();
    private ByteBuffer ackInFlight;
    private long ackWanted = -1;
    private long ackQueued = -1;

    BridgeConnection(BridgeSplit split, SocketChannel channel, DataFrameDecoder decoder, String peer) {
        this.split = split;
        this.channel = channel;
        this.decoder = decoder;
        this.peer = peer;
    }

    /** Queues {@code message} behind the frames already queued. */
    void queue(Message message) {
        outbound.add(FrameAssembler.frame(message));
    }

    /** Asks for an ACK of {@code sequence}; a newer one replaces one not yet started. */
    void queueAck(long sequence) {
        ackWanted = Math.max(ackWanted, sequence);
    }

    /**
     * Writes what the channel takes now, without blocking.
     *
     * @return true when nothing is left to write
     */
    boolean flush() throws IOException {
        while (true) {
            // an ACK begun is finished first: nothing may be written inside a frame
            ByteBuffer next = ackInFlight != null ? ackInFlight : outbound.peek();
            if (next == null) {
                if (ackInFlight == null && ackWanted > ackQueued) {
                    ackInFlight = FrameAssembler.frame(new Ack(ackWanted));
                    ackQueued = ackWanted;
                }
                next = ackInFlight;
            }
            if (next == null) {
                return true;
            }
            channel.write(next);
            if (next.hasRemaining()) {
                return false;
            }
            if (next == ackInFlight) {
                ackInFlight = null;
            } else {
                outbound.poll();
            }
        }
    }

    /** The id of this bridge's split. */
    String splitId() {
        return split.splitId();
    }
}
