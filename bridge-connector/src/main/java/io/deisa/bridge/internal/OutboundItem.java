package io.deisa.bridge.internal;

import java.nio.ByteBuffer;

/** What a bridge's data endpoint still has to send, in order. */
public sealed interface OutboundItem {
    /** Sequence number of the item in the bridge's stream. */
    long sequence();

    /** One chunk held in a pooled buffer. */
    record Chunk(int arrayId, long sequence, long timestep, ByteBuffer data) implements OutboundItem {}

    /**
     * The bridge starts a timestep; {@code sequence} is that of the chunk that follows. A marker
     * written to a connection that then broke is not sent again: the chunk after it carries the same
     * information (a reader's watermark passes {@code timestep - 1} on either).
     */
    record BeginTimestep(long sequence, long timestep) implements OutboundItem {}

    /** The end of the stream. */
    record End(long sequence, long lastTimestep) implements OutboundItem {}
}
