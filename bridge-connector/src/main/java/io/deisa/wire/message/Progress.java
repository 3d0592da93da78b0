package io.deisa.wire.message;

import io.deisa.wire.Frame;
import io.deisa.wire.Message;
import io.deisa.wire.PayloadReader;
import io.deisa.wire.PayloadWriter;
import io.deisa.wire.Protocol;
import io.deisa.wire.ProtocolException;

/**
 * PROGRESS, publisher to head and head to bridge: every callback for timesteps up to {@code timestep} has run; {@link Long#MAX_VALUE} ends the run. Payload: {@code i64 timestep}.
 *
 * @param timestep the newest completed timestep
 */
public record Progress(long timestep) implements Message {
    @Override
    public byte type() {
        return Protocol.PROGRESS;
    }

    @Override
    public byte[] encode() {
        return new PayloadWriter().putLong(timestep).toByteArray();
    }

    /** Decodes a PROGRESS payload. */
    public static Progress decode(Frame frame) throws ProtocolException {
        PayloadReader in = Message.expect(frame, Protocol.PROGRESS);
        Progress message = new Progress(in.getLong());
        in.expectEnd();
        return message;
    }
}
