package io.deisa.wire.message;

import io.deisa.wire.Frame;
import io.deisa.wire.Message;
import io.deisa.wire.PayloadReader;
import io.deisa.wire.PayloadWriter;
import io.deisa.wire.Protocol;
import io.deisa.wire.ProtocolException;

/** RUN_ENDED, head to publisher, after the end of the run: the head stopped listening. Empty payload. */
public record RunEnded() implements Message {
    @Override
    public byte type() {
        return Protocol.RUN_ENDED;
    }

    @Override
    public byte[] encode() {
        return new byte[0];
    }

    /** Decodes a RUN_ENDED payload. */
    public static RunEnded decode(Frame frame) throws ProtocolException {
        Message.expect(frame, Protocol.RUN_ENDED).expectEnd();
        return new RunEnded();
    }
}
