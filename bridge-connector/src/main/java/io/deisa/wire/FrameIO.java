package io.deisa.wire;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads and writes {@code u32 length | u8 type | payload} frames on blocking streams, and the HELLO
 * handshake that opens every connection.
 */
public final class FrameIO {
    private FrameIO() {}

    /** Writes one frame with a single write (one segment on an unbuffered socket) and flushes. */
    public static void write(OutputStream out, byte type, byte[] payload) throws IOException {
        byte[] frame = new byte[5 + payload.length];
        putIntLE(frame, 0, payload.length + 1);
        frame[4] = type;
        System.arraycopy(payload, 0, frame, 5, payload.length);
        out.write(frame);
        out.flush();
    }

    /** Writes one message as a frame of its type. */
    public static void write(OutputStream out, Message message) throws IOException {
        write(out, message.type(), message.encode());
    }

    /** Writes a frame with an empty payload. */
    public static void write(OutputStream out, byte type) throws IOException {
        write(out, type, new byte[0]);
    }

    /**
     * Reads one frame whose length must not exceed {@code maxLength}.
     *
     * @throws EOFException when the stream ends cleanly before the first byte of a frame
     * @throws ProtocolException when the frame is truncated or its length is out of bounds
     */
    public static Frame read(InputStream in, int maxLength) throws IOException {
        int length = readLength(in, maxLength);
        int type = in.read();
        if (type < 0) {
            throw new ProtocolException("Connection closed in the middle of a frame of " + length + " bytes");
        }
        // the payload is read into its final array: one allocation of the frame's size, not two
        byte[] payload = new byte[length - 1];
        readFully(in, payload, "frame of " + length + " bytes");
        return new Frame((byte) type, payload);
    }

    /**
     * Reads a frame length (the first four bytes of a frame) and checks it is between 1 and
     * {@code maxLength}, before anything is allocated.
     *
     * @throws EOFException when the stream ends cleanly before the first byte
     */
    public static int readLength(InputStream in, int maxLength) throws IOException {
        int b0 = in.read();
        if (b0 < 0) {
            throw new EOFException("connection closed");
        }
        byte[] rest = new byte[3];
        readFully(in, rest, "frame length");
        int length = b0 | (rest[0] & 0xff) << 8 | (rest[1] & 0xff) << 16 | (rest[2] & 0xff) << 24;
        if (length < 1 || length > maxLength) {
            throw new ProtocolException(
                    "Frame length " + Integer.toUnsignedString(length) + " is out of bounds (1.."
                            + maxLength + ")");
        }
        return length;
    }

    /** Reads exactly {@code bytes.length} bytes; a premature end is a {@link ProtocolException}. */
    public static void readFully(InputStream in, byte[] bytes, String what) throws IOException {
        readFully(in, bytes, 0, bytes.length, what);
    }

    /** Reads exactly {@code length} bytes into {@code bytes} at {@code offset}. */
    public static void readFully(InputStream in, byte[] bytes, int offset, int length, String what)
            throws IOException {
        int done = 0;
        while (done < length) {
            int read = in.read(bytes, offset + done, length - done);
            if (read < 0) {
                throw new ProtocolException("Connection closed in the middle of a " + what);
            }
            done += read;
        }
    }

    /** Skips exactly {@code count} bytes. */
    public static void skipFully(InputStream in, long count, String what) throws IOException {
        long left = count;
        while (left > 0) {
            long skipped = in.skip(left);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw new ProtocolException("Connection closed in the middle of a " + what);
                }
                skipped = 1;
            }
            left -= skipped;
        }
    }

    /** Sends the client's HELLO for {@code channel}. */
    public static void sendHello(OutputStream out, byte channel) throws IOException {
        write(out, Protocol.HELLO, helloPayload(channel));
    }

    /** The payload of a HELLO frame: {@code u32 MAGIC | u16 VERSION | u8 channel}. */
    public static byte[] helloPayload(byte channel) {
        return io.deisa.wire.message.Hello.of(channel).encode();
    }

    /**
     * Reads and checks a HELLO frame for {@code channel}; an ERROR frame or a mismatch is a {@link
     * ProtocolException} whose message names the peer.
     */
    public static void expectHello(InputStream in, byte channel, String peer) throws IOException {
        byte actual = readHello(in, peer);
        if (actual != channel) {
            throw new ProtocolException(
                    peer + " opened channel " + actual + " where channel " + channel
                            + " was expected");
        }
    }

    /**
     * Reads and checks a HELLO frame and returns the channel it opens; an ERROR frame, a wrong magic
     * or version is a {@link ProtocolException} whose message names the peer.
     */
    public static byte readHello(InputStream in, String peer) throws IOException {
        try {
            return checkHello(in, peer);
        } catch (ProtocolException e) {
            // a truncated or oversized HELLO must name the peer too
            if (e.getMessage() != null && e.getMessage().contains(peer)) {
                throw e;
            }
            throw new ProtocolException("Bad HELLO from " + peer + ": " + e.getMessage());
        }
    }

    private static byte checkHello(InputStream in, String peer) throws IOException {
        return checkHello(read(in, Protocol.MAX_CONTROL_FRAME), peer);
    }

    /**
     * Checks a frame received where a HELLO is expected and returns the channel it opens.
     *
     * @throws PeerRefusedException when the peer answered with an ERROR frame
     * @throws ProtocolException when it is not a HELLO of this protocol version
     */
    public static byte checkHello(Frame frame, String peer) throws ProtocolException {
        if (frame.type() == Protocol.ERROR) {
            throw new PeerRefusedException(peer + " refused the connection: " + errorReason(frame));
        }
        if (frame.type() != Protocol.HELLO) {
            throw new ProtocolException(
                    "Expected HELLO from " + peer + " but got " + frame.name() + " frame");
        }
        io.deisa.wire.message.Hello hello;
        try {
            hello = io.deisa.wire.message.Hello.decode(frame);
        } catch (ProtocolException e) {
            throw e.getMessage().startsWith("not a deisa") ? new ProtocolException(peer + " is " + e.getMessage()) : e;
        }
        if (hello.version() != Protocol.VERSION) {
            throw new ProtocolException(
                    peer + " speaks protocol version " + hello.version() + ", this side speaks "
                            + Protocol.VERSION);
        }
        return hello.channel();
    }

    /** Writes an ERROR frame carrying {@code reason}. */
    public static void sendError(OutputStream out, String reason) throws IOException {
        write(out, Protocol.ERROR, reason.getBytes(StandardCharsets.UTF_8));
    }

    /** The reason carried by an ERROR (or any text) frame. */
    public static String errorReason(Frame frame) {
        return new String(frame.payload(), StandardCharsets.UTF_8);
    }

    /** Stores {@code value} little-endian at {@code offset}. */
    public static void putIntLE(byte[] bytes, int offset, int value) {
        bytes[offset] = (byte) value;
        bytes[offset + 1] = (byte) (value >>> 8);
        bytes[offset + 2] = (byte) (value >>> 16);
        bytes[offset + 3] = (byte) (value >>> 24);
    }
}
