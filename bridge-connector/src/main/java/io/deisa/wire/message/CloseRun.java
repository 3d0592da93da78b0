package io.deisa.wire.message;

import io.deisa.wire.Frame;
import io.deisa.wire.Message;
import io.deisa.wire.PayloadReader;
import io.deisa.wire.PayloadWriter;
import io.deisa.wire.Protocol;
import io.deisa.wire.ProtocolException;

/**
 * CLOSE, bridge 0 to head: the simulation finished. Payload: {@code i64 timestep}.
 *
 * @param timestep the timestep given to {@code close(timestep)}
 */
public record CloseRun(long timestep) implements Message {
    @Override
    public byte type() {
        return Protocol.CLOSE;
    }

    @Override
    public byte[] encode() {
        return new PayloadWriter().putLong(timestep).toByteArray();
    }

    /** Decodes a CLOSE payload. */
    public static CloseRun decode(Frame frame) throws ProtocolException {
        PayloadReader in = Message.expect(frame, Protocol.CLOSE);
        CloseRun message = new CloseRun(in.getLong());
        in.expectEnd();
        return message;
    }
}
