package io.deisa.wire.message;

import io.deisa.wire.Frame;
import io.deisa.wire.Message;
import io.deisa.wire.PayloadReader;
import io.deisa.wire.PayloadWriter;
import io.deisa.wire.Protocol;
import io.deisa.wire.ProtocolException;

/**
 * HELLO, the first frame of every connection in both directions: {@code u32 MAGIC | u16 version |
 * u8 channel}.
 *
 * @param version the protocol version the sender speaks
 * @param channel {@link Protocol#CHANNEL_CONTROL}, {@link Protocol#CHANNEL_DATA} or {@link
 *     Protocol#CHANNEL_PUBLISH}
 */
public record Hello(short version, byte channel) implements Message {
    /** The HELLO of this implementation's version for {@code channel}. */
    public static Hello of(byte channel) {
        return new Hello(Protocol.VERSION, channel);
    }

    @Override
    public byte type() {
        return Protocol.HELLO;
    }

    @Override
    public byte[] encode() {
        return new PayloadWriter().putInt(Protocol.MAGIC).putShort(version).putByte(channel).toByteArray();
    }

    /**
     * Decodes a HELLO payload.
     *
     * @throws ProtocolException when the magic is not {@link Protocol#MAGIC} (the peer is not a
     *     deisa endpoint) or the payload is malformed
     */
    public static Hello decode(Frame frame) throws ProtocolException {
        PayloadReader in = Message.expect(frame, Protocol.HELLO);
        int magic = in.getInt();
        if (magic != Protocol.MAGIC) {
            throw new ProtocolException(String.format("not a deisa endpoint (magic 0x%08x)", magic));
        }
        Hello hello = new Hello(in.getShort(), in.getByte());
        in.expectEnd();
        return hello;
    }
}
