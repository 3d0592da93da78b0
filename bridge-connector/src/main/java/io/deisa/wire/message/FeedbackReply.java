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
 * FEEDBACK_REPLY, head to bridge 0: the answer to a GET, the entries asked for (none, one, or every retained entry of the key, oldest first). Payload: {@code u32 count | count × (string key | i64 timestep | bytes value)}.
 *
 * @param entries the entries
 */
public record FeedbackReply(List<FeedbackTable.Entry> entries) implements Message {
    @Override
    public byte type() {
        return Protocol.FEEDBACK_REPLY;
    }

    @Override
    public byte[] encode() {
        return FeedbackTable.encode(entries);
    }

    /** Decodes a FEEDBACK_REPLY payload. */
    public static FeedbackReply decode(Frame frame) throws ProtocolException {
        return new FeedbackReply(FeedbackTable.decode(Message.expect(frame, Protocol.FEEDBACK_REPLY)));
    }
}
