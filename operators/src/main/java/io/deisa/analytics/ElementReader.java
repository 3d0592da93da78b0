package io.deisa.analytics;

import io.deisa.bridge.DType;

import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;

/**
 * Converts elements of one {@link DType}, stored as raw little-endian bytes, to {@code double}:
 * signed integers and floats as they are, unsigned integers by their unsigned value. The one place
 * that knows how each element type is laid out.
 *
 * <p>All methods use absolute positions and take buffers in {@link java.nio.ByteOrder#LITTLE_ENDIAN}
 * order whose position is the first byte of the chunk.
 */
enum ElementReader {
    INT8 {
        @Override
        double get(ByteBuffer le, int element) {
            return le.get(element);
        }

        @Override
        void read(ByteBuffer le, int from, double[] dst, int dstOffset, int length) {
            for (int i = 0; i < length; i++) {
                dst[dstOffset + i] = le.get(from + i);
            }
        }
    },
    UINT8 {
        @Override
        double get(ByteBuffer le, int element) {
            return Byte.toUnsignedInt(le.get(element));
        }

        @Override
        void read(ByteBuffer le, int from, double[] dst, int dstOffset, int length) {
            for (int i = 0; i < length; i++) {
                dst[dstOffset + i] = Byte.toUnsignedInt(le.get(from + i));
            }
        }
    },
    INT16 {
        @Override
        double get(ByteBuffer le, int element) {
            return le.getShort(element * Short.BYTES);
        }

        @Override
        void read(ByteBuffer le, int from, double[] dst, int dstOffset, int length) {
            ShortBuffer src = le.asShortBuffer();
            for (int i = 0; i < length; i++) {
                dst[dstOffset + i] = src.get(from + i);
            }
        }
    },
    UINT16 {
        @Override
        double get(ByteBuffer le, int element) {
            return Short.toUnsignedInt(le.getShort(element * Short.BYTES));
        }

        @Override
        void read(ByteBuffer le, int from, double[] dst, int dstOffset, int length) {
            ShortBuffer src = le.asShortBuffer();
            for (int i = 0; i < length; i++) {
                dst[dstOffset + i] = Short.toUnsignedInt(src.get(from + i));
            }
        }
    },
    INT32 {
        @Override
        double get(ByteBuffer le, int element) {
            return le.getInt(element * Integer.BYTES);
        }

        @Override
        void read(ByteBuffer le, int from, double[] dst, int dstOffset, int length) {
            IntBuffer src = le.asIntBuffer();
            for (int i = 0; i < length; i++) {
                dst[dstOffset + i] = src.get(from + i);
            }
        }
    },
    UINT32 {
        @Override
        double get(ByteBuffer le, int element) {
            return Integer.toUnsignedLong(le.getInt(element * Integer.BYTES));
        }

        @Override
        void read(ByteBuffer le, int from, double[] dst, int dstOffset, int length) {
            IntBuffer src = le.asIntBuffer();
            for (int i = 0; i < length; i++) {
                dst[dstOffset + i] = Integer.toUnsignedLong(src.get(from + i));
            }
        }
    },
    INT64 {
        @Override
        double get(ByteBuffer le, int element) {
            return le.getLong(element * Long.BYTES);
        }

        @Override
        void read(ByteBuffer le, int from, double[] dst, int dstOffset, int length) {
            LongBuffer src = le.asLongBuffer();
            for (int i = 0; i < length; i++) {
                dst[dstOffset + i] = src.get(from + i);
            }
        }
    },
    UINT64 {
        @Override
        double get(ByteBuffer le, int element) {
            return unsignedToDouble(le.getLong(element * Long.BYTES));
        }

        @Override
        void read(ByteBuffer le, int from, double[] dst, int dstOffset, int length) {
            LongBuffer src = le.asLongBuffer();
            for (int i = 0; i < length; i++) {
                dst[dstOffset + i] = unsignedToDouble(src.get(from + i));
            }
        }
    },
    FLOAT32 {
        @Override
        double get(ByteBuffer le, int element) {
            return le.getFloat(element * Float.BYTES);
        }

        @Override
        void read(ByteBuffer le, int from, double[] dst, int dstOffset, int length) {
            FloatBuffer src = le.asFloatBuffer();
            for (int i = 0; i < length; i++) {
                dst[dstOffset + i] = src.get(from + i);
            }
        }
    },
    FLOAT64 {
        @Override
        double get(ByteBuffer le, int element) {
            return le.getDouble(element * Double.BYTES);
        }

        @Override
        void read(ByteBuffer le, int from, double[] dst, int dstOffset, int length) {
            DoubleBuffer src = le.asDoubleBuffer();
            src.get(from, dst, dstOffset, length);
        }
    };

    /** The reader for {@code dtype}. */
    static ElementReader of(DType dtype) {
        return switch (dtype) {
            case INT8 -> INT8;
            case UINT8 -> UINT8;
            case INT16 -> INT16;
            case UINT16 -> UINT16;
            case INT32 -> INT32;
            case UINT32 -> UINT32;
            case INT64 -> INT64;
            case UINT64 -> UINT64;
            case FLOAT32 -> FLOAT32;
            case FLOAT64 -> FLOAT64;
        };
    }

    /** Element {@code element} (an element index, not a byte offset) as a double. */
    abstract double get(ByteBuffer le, int element);

    /** Converts elements {@code [from, from + length)} into {@code dst[dstOffset, dstOffset + length)}. */
    abstract void read(ByteBuffer le, int from, double[] dst, int dstOffset, int length);

    /** The value of {@code bits} read as an unsigned 64-bit integer, correctly rounded. */
    static double unsignedToDouble(long bits) {
        if (bits >= 0) {
            return bits;
        }
        // Halve without losing the lowest bit (it decides rounding), convert, then double.
        return ((bits >>> 1) | (bits & 1)) * 2.0;
    }
}
