package io.deisa.wire;

/**
 * One frame read from a connection: its type and its payload.
 *
 * @param type the frame type, one of the constants of {@link Protocol}
 * @param payload the bytes after the type byte
 */
public record Frame(byte type, byte[] payload) {
    /** A reader over the payload whose errors name this frame's type. */
    public PayloadReader reader() {
        return new PayloadReader(payload, Protocol.frameName(type));
    }

    /** The frame type's name, for messages. */
    public String name() {
        return Protocol.frameName(type);
    }
}
