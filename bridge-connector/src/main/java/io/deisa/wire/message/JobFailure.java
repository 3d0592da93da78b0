package io.deisa.wire.message;

import io.deisa.wire.Frame;
import io.deisa.wire.Message;
import io.deisa.wire.PayloadReader;
import io.deisa.wire.PayloadWriter;
import io.deisa.wire.Protocol;
import io.deisa.wire.ProtocolException;

/**
 * FAILURE, publisher to head: the job fails for this reason (a callback's error); the head tells the bridges once the job stopped. Payload: {@code text}, UTF-8 to the end of the frame.
 *
 * @param reason the human-readable reason
 */
public record JobFailure(String reason) implements Message {
    @Override
    public byte type() {
        return Protocol.FAILURE;
    }

    @Override
    public byte[] encode() {
        return new PayloadWriter().putText(reason).toByteArray();
    }

    /** Decodes a FAILURE payload. */
    public static JobFailure decode(Frame frame) throws ProtocolException {
        PayloadReader in = Message.expect(frame, Protocol.FAILURE);
        return new JobFailure(in.getRemainingText());
    }
}
