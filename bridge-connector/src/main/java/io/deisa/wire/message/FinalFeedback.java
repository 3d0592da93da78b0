package io.deisa.wire.message;

import io.deisa.wire.FeedbackTable;
import io.deisa.wire.Frame;
import io.deisa.wire.Message;
import io.deisa.wire.PayloadReader;
import io.deisa.wire.PayloadWriter;
import io.deisa.wire.Protocol;
import io.deisa.wire.ProtocolException;

import java.util.List;

/**
 * FINAL, head to bridge: the analytics finished; the whole retained feedback table, by key and then timestep. Payload: {@code u32 count | count × (string key | i64 timestep | bytes value)}.
 *
 * @param entries the entries
 */
public record FinalFeedback(List<FeedbackTable.Entry> entries) implements Message {
    @Override
    public byte type() {
        return Protocol.FINAL;
    }

    @Override
    public byte[] encode() {
        return FeedbackTable.encode(entries);
    }

    /** Decodes a FINAL payload. */
    public static FinalFeedback decode(Frame frame) throws ProtocolException {
        return new FinalFeedback(FeedbackTable.decode(Message.expect(frame, Protocol.FINAL)));
    }
}
