package io.deisa.wire.message;

import io.deisa.wire.Frame;
import io.deisa.wire.Message;
import io.deisa.wire.PayloadReader;
import io.deisa.wire.PayloadWriter;
import io.deisa.wire.Protocol;
import io.deisa.wire.ProtocolException;

/**
 * BEGIN_TIMESTEP, bridge to reader: the bridge starts a timestep before it copies the timestep's first chunk, so that the split's watermark passes the previous timestep while the bridge waits for the analytics. Payload: {@code i64 timestep}.
 *
 * @param timestep the timestep the bridge starts
 */
public record BeginTimestep(long timestep) implements Message {
    @Override
    public byte type() {
        return Protocol.BEGIN_TIMESTEP;
    }

    @Override
    public byte[] encode() {
        return new PayloadWriter().putLong(timestep).toByteArray();
    }

    /** Decodes a BEGIN_TIMESTEP payload. */
    public static BeginTimestep decode(Frame frame) throws ProtocolException {
        PayloadReader in = Message.expect(frame, Protocol.BEGIN_TIMESTEP);
        BeginTimestep message = new BeginTimestep(in.getLong());
        in.expectEnd();
        return message;
    }
}
