package io.deisa.wire;

/**
 * The payload of one frame as a value. Each frame type has one codec class (in {@code
 * io.deisa.wire.message}, and {@link Registration}) with {@link #encode()} and a static {@code
 * decode(Frame)} side by side, used by both ends of a connection; the byte layouts are those of
 * {@code docs/PROTOCOL.md}.
 */
public interface Message {
    /** The frame type, one of the constants of {@link Protocol}. */
    byte type();

    /** The payload bytes, after the type byte. */
    byte[] encode();

    /**
     * Checks that {@code frame} has the type a codec decodes, before decoding.
     *
     * @throws ProtocolException naming both types
     */
    static PayloadReader expect(Frame frame, byte type) throws ProtocolException {
        if (frame.type() != type) {
            throw new ProtocolException("Expected a " + Protocol.frameName(type) + " frame, got " + frame.name());
        }
        return frame.reader();
    }
}
