package io.deisa.wire.message;

import io.deisa.wire.Frame;
import io.deisa.wire.Message;
import io.deisa.wire.PayloadReader;
import io.deisa.wire.PayloadWriter;
import io.deisa.wire.Protocol;
import io.deisa.wire.ProtocolException;

/**
 * ERROR, either direction: the sender refuses the connection or gives up on it. Payload: {@code text}, UTF-8 to the end of the frame.
 *
 * @param reason the human-readable reason
 */
public record ErrorReason(String reason) implements Message {
    @Override
    public byte type() {
        return Protocol.ERROR;
    }

    @Override
    public byte[] encode() {
        return new PayloadWriter().putText(reason).toByteArray();
    }

    /** Decodes a ERROR payload. */
    public static ErrorReason decode(Frame frame) throws ProtocolException {
        PayloadReader in = Message.expect(frame, Protocol.ERROR);
        return new ErrorReason(in.getRemainingText());
    }
}
