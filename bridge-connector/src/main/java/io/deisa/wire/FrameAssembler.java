package io.deisa.wire;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;

/**
 * Assembles {@code u32 length | u8 type | payload} frames from a non-blocking channel, for an event
 * loop that serves many connections from one thread. It reads no byte beyond the frame it
 * assembles, checks the length before it allocates the payload, and keeps a partial frame between
 * calls. Not thread-safe: one per connection, used by the loop's thread.
 */
public final class FrameAssembler {
    private final int maxLength;
    private final ByteBuffer header = ByteBuffer.allocate(5).order(ByteOrder.LITTLE_ENDIAN);
    private ByteBuffer payload;
    private byte type;

    /** An assembler refusing frames longer than {@code maxLength} bytes (type byte included). */
    public FrameAssembler(int maxLength) {
        this.maxLength = maxLength;
    }

    /**
     * Reads what {@code channel} has and returns the next complete frame, or null when more bytes
     * are needed. Call again until null: one call assembles at most one frame.
     *
     * @throws EOFException when the peer closed the connection between two frames
     * @throws ProtocolException when it closed in the middle of a frame, or a length is out of
     *     bounds
     */
    public Frame read(ReadableByteChannel channel) throws IOException {
        if (payload == null) {
            if (!fill(channel, header, "frame header")) {
                return null;
            }
            header.flip();
            int length = header.getInt();
            type = header.get();
            header.clear();
            if (length < 1 || length > maxLength) {
                throw new ProtocolException("Frame length " + Integer.toUnsignedString(length)
                        + " is out of bounds (1.." + maxLength + ")");
            }
            payload = ByteBuffer.allocate(length - 1);
        }
        if (!fill(channel, payload, "frame of " + (payload.capacity() + 1) + " bytes")) {
            return null;
        }
        Frame frame = new Frame(type, payload.array());
        payload = null;
        return frame;
    }

    /** Reads into {@code buffer}; true once it is full. */
    private boolean fill(ReadableByteChannel channel, ByteBuffer buffer, String what) throws IOException {
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer);
            if (read < 0) {
                if (payload == null && header.position() == 0) {
                    throw new EOFException("connection closed");
                }
                throw new ProtocolException("Connection closed in the middle of a " + what);
            }
            if (read == 0) {
                return false;
            }
        }
        return true;
    }

    /** Encodes {@code message} as one frame ready to write. */
    public static ByteBuffer frame(Message message) {
        byte[] body = message.encode();
        ByteBuffer frame = ByteBuffer.allocate(5 + body.length).order(ByteOrder.LITTLE_ENDIAN);
        frame.putInt(body.length + 1).put(message.type()).put(body).flip();
        return frame;
    }
}
