package io.deisa.bridge.comm;

import java.nio.charset.StandardCharsets;

/**
 * One frame of the {@link TcpCommunicator} protocol. On the wire (big-endian): {@code int
 * payloadLength | byte type | long seq | int root | payload}.
 *
 * @param type the frame type
 * @param seq the number of the collective the frame belongs to (1, 2, ...), 0 outside collectives
 * @param root the root rank of a {@link FrameType#BROADCAST}, 0 otherwise
 * @param payload the payload bytes
 */
record Frame(FrameType type, long seq, int root, byte[] payload) {
    private static final byte[] EMPTY = new byte[0];

    /** A frame of a collective without payload. */
    static Frame of(FrameType type, long seq) {
        return new Frame(type, seq, 0, EMPTY);
    }

    /** A frame carrying a UTF-8 text, for example the reason of an {@link FrameType#ABORT}. */
    static Frame text(FrameType type, long seq, String text) {
        return new Frame(type, seq, 0, text.getBytes(StandardCharsets.UTF_8));
    }

    /** The payload decoded as UTF-8 text. */
    String text() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    /** Human-readable form for error messages, for example {@code BROADCAST #4 (root 2)}. */
    String describe() {
        return describe(type, seq, root);
    }

    /** Human-readable form of a frame's identity, for error messages. */
    static String describe(FrameType type, long seq, int root) {
        return type + " #" + seq + (type == FrameType.BROADCAST ? " (root " + root + ")" : "");
    }
}
