package io.deisa.wire.message;

import io.deisa.wire.Frame;
import io.deisa.wire.Message;
import io.deisa.wire.PayloadReader;
import io.deisa.wire.PayloadWriter;
import io.deisa.wire.Protocol;
import io.deisa.wire.ProtocolException;

/**
 * SUBSCRIBE, reader to bridge: the reader asks for the bridge's chunks from a sequence number on.
 * Payload: {@code u32 bridgeId | i64 sequence | i64 fence}.
 *
 * <p>The fence orders the reader attempts of a job: the enumerator hands every reader attempt a
 * larger fence than any before. A bridge serves the subscription with the largest fence it has
 * seen and refuses (ERROR) any with a smaller one, so a stale attempt of a failed reader can never
 * take a bridge back from its successor.
 *
 * @param bridgeId the bridge the reader means to read (a bridge refuses another id)
 * @param sequence the first chunk sequence number wanted (0 for a new split)
 * @param fence the reader attempt's fencing token
 */
public record Subscribe(int bridgeId, long sequence, long fence) implements Message {
    @Override
    public byte type() {
        return Protocol.SUBSCRIBE;
    }

    @Override
    public byte[] encode() {
        return new PayloadWriter().putInt(bridgeId).putLong(sequence).putLong(fence).toByteArray();
    }

    /** Decodes a SUBSCRIBE payload. */
    public static Subscribe decode(Frame frame) throws ProtocolException {
        PayloadReader in = Message.expect(frame, Protocol.SUBSCRIBE);
        Subscribe message = new Subscribe(in.getInt(), in.getLong(), in.getLong());
        in.expectEnd();
        return message;
    }
}
