package io.deisa.wire.message;

import io.deisa.wire.Frame;
import io.deisa.wire.Message;
import io.deisa.wire.PayloadReader;
import io.deisa.wire.PayloadWriter;
import io.deisa.wire.Protocol;
import io.deisa.wire.ProtocolException;

/**
 * REJECTED, head to bridge: the registration breaks the metadata contract; the run fails. Payload: {@code text}, UTF-8 to the end of the frame.
 *
 * @param reason the human-readable reason
 */
public record Rejected(String reason) implements Message {
    @Override
    public byte type() {
        return Protocol.REJECTED;
    }

    @Override
    public byte[] encode() {
        return new PayloadWriter().putText(reason).toByteArray();
    }

    /** Decodes a REJECTED payload. */
    public static Rejected decode(Frame frame) throws ProtocolException {
        PayloadReader in = Message.expect(frame, Protocol.REJECTED);
        return new Rejected(in.getRemainingText());
    }
}
