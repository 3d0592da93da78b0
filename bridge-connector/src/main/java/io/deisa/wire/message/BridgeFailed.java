package io.deisa.wire.message;

import io.deisa.wire.Frame;
import io.deisa.wire.Message;
import io.deisa.wire.PayloadReader;
import io.deisa.wire.PayloadWriter;
import io.deisa.wire.Protocol;
import io.deisa.wire.ProtocolException;

/**
 * BRIDGE_FAILED, bridge to head: the bridge cannot go on (e.g. a reader asked for chunks it no longer holds); the run fails. Payload: {@code text}, UTF-8 to the end of the frame.
 *
 * @param reason the human-readable reason
 */
public record BridgeFailed(String reason) implements Message {
    @Override
    public byte type() {
        return Protocol.BRIDGE_FAILED;
    }

    @Override
    public byte[] encode() {
        return new PayloadWriter().putText(reason).toByteArray();
    }

    /** Decodes a BRIDGE_FAILED payload. */
    public static BridgeFailed decode(Frame frame) throws ProtocolException {
        PayloadReader in = Message.expect(frame, Protocol.BRIDGE_FAILED);
        return new BridgeFailed(in.getRemainingText());
    }
}
