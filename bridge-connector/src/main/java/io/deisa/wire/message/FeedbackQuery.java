package io.deisa.wire.message;

import io.deisa.wire.Frame;
import io.deisa.wire.Message;
import io.deisa.wire.PayloadReader;
import io.deisa.wire.PayloadWriter;
import io.deisa.wire.Protocol;
import io.deisa.wire.ProtocolException;

/**
 * GET, bridge 0 to head: asks for the feedback of a key. Payload: {@code string key | u8 all | i64
 * timestep}. The head answers with {@link FeedbackReply}.
 *
 * @param key the feedback key
 * @param all every retained entry of the key, oldest first, instead of the one at {@code timestep}
 * @param timestep the timestep asked for (ignored when {@code all})
 */
public record FeedbackQuery(String key, boolean all, long timestep) implements Message {
    @Override
    public byte type() {
        return Protocol.GET;
    }

    @Override
    public byte[] encode() {
        return new PayloadWriter().putString(key).putByte(all ? 1 : 0).putLong(timestep).toByteArray();
    }

    /** Decodes a GET payload. */
    public static FeedbackQuery decode(Frame frame) throws ProtocolException {
        PayloadReader in = Message.expect(frame, Protocol.GET);
        FeedbackQuery message = new FeedbackQuery(in.getString(), in.getByte() != 0, in.getLong());
        in.expectEnd();
        return message;
    }
}
