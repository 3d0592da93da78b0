package io.deisa.wire.message;

import io.deisa.wire.Frame;
import io.deisa.wire.Message;
import io.deisa.wire.PayloadReader;
import io.deisa.wire.PayloadWriter;
import io.deisa.wire.Protocol;
import io.deisa.wire.ProtocolException;

/**
 * ACK, reader to bridge: a completed checkpoint covers every chunk below {@code sequence}, which the bridge may drop (cumulative; never sent for a checkpoint that was only triggered or aborted). Payload: {@code i64 sequence}.
 *
 * @param sequence the split position recorded by the completed checkpoint
 */
public record Ack(long sequence) implements Message {
    @Override
    public byte type() {
        return Protocol.ACK;
    }

    @Override
    public byte[] encode() {
        return new PayloadWriter().putLong(sequence).toByteArray();
    }

    /** Decodes a ACK payload. */
    public static Ack decode(Frame frame) throws ProtocolException {
        PayloadReader in = Message.expect(frame, Protocol.ACK);
        Ack message = new Ack(in.getLong());
        in.expectEnd();
        return message;
    }
}
