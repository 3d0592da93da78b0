package io.deisa.wire;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Reads a little-endian frame payload with bounds checks: every read that would pass the end of
 * the payload, and every length larger than what is left, is a {@link ProtocolException} naming the
 * frame, never an unchecked exception or an unbounded allocation.
 */
public final class PayloadReader {
    private final ByteBuffer buffer;
    private final String frameName;

    /** Reads {@code payload}, naming {@code frameName} in errors. */
    public PayloadReader(byte[] payload, String frameName) {
        this.buffer = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        this.frameName = frameName;
    }

    private ProtocolException truncated(String what) {
        return new ProtocolException(
                "Truncated " + frameName + " frame: cannot read " + what + " at byte "
                        + buffer.position() + " of " + buffer.limit());
    }

    /** Reads one byte. */
    public byte getByte() throws ProtocolException {
        try {
            return buffer.get();
        } catch (BufferUnderflowException e) {
            throw truncated("a byte");
        }
    }

    /** Reads a 16-bit value. */
    public short getShort() throws ProtocolException {
        try {
            return buffer.getShort();
        } catch (BufferUnderflowException e) {
            throw truncated("a 16-bit value");
        }
    }

    /** Reads a 32-bit value. */
    public int getInt() throws ProtocolException {
        try {
            return buffer.getInt();
        } catch (BufferUnderflowException e) {
            throw truncated("a 32-bit value");
        }
    }

    /** Reads a 64-bit value. */
    public long getLong() throws ProtocolException {
        try {
            return buffer.getLong();
        } catch (BufferUnderflowException e) {
            throw truncated("a 64-bit value");
        }
    }

    private int length(String what, int elementSize) throws ProtocolException {
        int count = getInt();
        if (count < 0 || (long) count * elementSize > buffer.remaining()) {
            throw new ProtocolException(
                    "Bad " + what + " length " + count + " in " + frameName + " frame: only "
                            + buffer.remaining() + " bytes left");
        }
        return count;
    }

    /** Reads {@code u32 length | bytes}. */
    public byte[] getBytes() throws ProtocolException {
        byte[] bytes = new byte[length("byte string", 1)];
        buffer.get(bytes);
        return bytes;
    }

    /** Reads {@code u32 length | UTF-8 bytes}. */
    public String getString() throws ProtocolException {
        return new String(getBytes(), StandardCharsets.UTF_8);
    }

    /** Reads {@code u32 count | i32 values}. */
    public int[] getIntArray() throws ProtocolException {
        int[] values = new int[length("integer array", 4)];
        for (int i = 0; i < values.length; i++) {
            values[i] = buffer.getInt();
        }
        return values;
    }

    /** Reads the rest of the payload as a little-endian view (no copy). */
    public ByteBuffer remainder() {
        return buffer.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Reads the rest of the payload as UTF-8 text (the {@code text} of {@code docs/PROTOCOL.md}). */
    public String getRemainingText() {
        byte[] text = new byte[buffer.remaining()];
        buffer.get(text);
        return new String(text, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Fails unless the whole payload was consumed. */
    public void expectEnd() throws ProtocolException {
        if (buffer.hasRemaining()) {
            throw new ProtocolException(
                    frameName + " frame has " + buffer.remaining() + " unexpected trailing bytes");
        }
    }
}
