package io.deisa.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Builds a little-endian frame payload in a growing heap buffer. */
public final class PayloadWriter {
    private ByteBuffer buffer = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);

    private PayloadWriter ensure(int bytes) {
        if (buffer.remaining() < bytes) {
            int capacity = Math.max(buffer.capacity() * 2, buffer.position() + bytes);
            ByteBuffer bigger = ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
            buffer.flip();
            bigger.put(buffer);
            buffer = bigger;
        }
        return this;
    }

    /** Appends one byte. */
    public PayloadWriter putByte(int value) {
        ensure(1).buffer.put((byte) value);
        return this;
    }

    /** Appends a little-endian 16-bit value. */
    public PayloadWriter putShort(int value) {
        ensure(2).buffer.putShort((short) value);
        return this;
    }

    /** Appends a little-endian 32-bit value. */
    public PayloadWriter putInt(int value) {
        ensure(4).buffer.putInt(value);
        return this;
    }

    /** Appends a little-endian 64-bit value. */
    public PayloadWriter putLong(long value) {
        ensure(8).buffer.putLong(value);
        return this;
    }

    /** Appends {@code u32 length | UTF-8 bytes}. */
    public PayloadWriter putString(String value) {
        return putBytes(value.getBytes(StandardCharsets.UTF_8));
    }

    /** Appends UTF-8 text without a length prefix: the {@code text} that ends a payload. */
    public PayloadWriter putText(String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        ensure(bytes.length).buffer.put(bytes);
        return this;
    }

    /** Appends {@code u32 length | bytes}. */
    public PayloadWriter putBytes(byte[] value) {
        putInt(value.length);
        ensure(value.length).buffer.put(value);
        return this;
    }

    /** Appends {@code u32 count | i32 values}. */
    public PayloadWriter putIntArray(int[] values) {
        putInt(values.length);
        ensure(4 * values.length);
        for (int value : values) {
            buffer.putInt(value);
        }
        return this;
    }

    /** The bytes written so far. */
    public byte[] toByteArray() {
        byte[] bytes = new byte[buffer.position()];
        buffer.duplicate().flip().get(bytes);
        return bytes;
    }
}
