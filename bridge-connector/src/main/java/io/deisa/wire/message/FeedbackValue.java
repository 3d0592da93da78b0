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
 * FEEDBACK, publisher to head: one value a callback published. Payload: {@code string key | i64
 * timestep | bytes value}, the value encoded with {@code FeedbackCodec}.
 *
 * @param entry the key, timestep and encoded value
 */
public record FeedbackValue(FeedbackTable.Entry entry) implements Message {
    @Override
    public byte type() {
        return Protocol.FEEDBACK;
    }

    @Override
    public byte[] encode() {
        return new PayloadWriter().putString(entry.key()).putLong(entry.timestep()).putBytes(entry.value())
                .toByteArray();
    }

    /** Decodes a FEEDBACK payload. */
    public static FeedbackValue decode(Frame frame) throws ProtocolException {
        PayloadReader in = Message.expect(frame, Protocol.FEEDBACK);
        FeedbackValue message = new FeedbackValue(new FeedbackTable.Entry(in.getString(), in.getLong(), in.getBytes()));
        in.expectEnd();
        return message;
    }
}
