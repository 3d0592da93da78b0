package io.deisa.wire.message;

import io.deisa.wire.Frame;
import io.deisa.wire.Message;
import io.deisa.wire.PayloadReader;
import io.deisa.wire.PayloadWriter;
import io.deisa.wire.Protocol;
import io.deisa.wire.ProtocolException;

/** END_ACK, reader to bridge: the reader received END. Empty payload. */
public record EndAck() implements Message {
    @Override
    public byte type() {
        return Protocol.END_ACK;
    }

    @Override
    public byte[] encode() {
        return new byte[0];
    }

    /** Decodes an END_ACK payload. */
    public static EndAck decode(Frame frame) throws ProtocolException {
        Message.expect(frame, Protocol.END_ACK).expectEnd();
        return new EndAck();
    }
}
