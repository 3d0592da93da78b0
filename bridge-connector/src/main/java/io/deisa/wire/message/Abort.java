package io.deisa.wire.message;

import io.deisa.wire.Frame;
import io.deisa.wire.Message;
import io.deisa.wire.PayloadReader;
import io.deisa.wire.PayloadWriter;
import io.deisa.wire.Protocol;
import io.deisa.wire.ProtocolException;

/**
 * ABORT, bridge to head: the bridge leaves the run without {@code close(timestep)}; the run fails. Payload: {@code text}, UTF-8 to the end of the frame.
 *
 * @param reason the human-readable reason
 */
public record Abort(String reason) implements Message {
    @Override
    public byte type() {
        return Protocol.ABORT;
    }

    @Override
    public byte[] encode() {
        return new PayloadWriter().putText(reason).toByteArray();
    }

    /** Decodes a ABORT payload. */
    public static Abort decode(Frame frame) throws ProtocolException {
        PayloadReader in = Message.expect(frame, Protocol.ABORT);
        return new Abort(in.getRemainingText());
    }
}
