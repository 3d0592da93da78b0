package io.deisa.analytics;

import io.deisa.bridge.DType;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

/**
 * Builds {@link DeisaArray}s for tests from a known global array of raw element values, slicing
 * it into chunks with index arithmetic of its own (a scatter over the global row-major order,
 * independent of the production code's gather).
 *
 * <p>A raw value is the element's bit pattern in the low {@code dtype.byteSize()} bytes of a
 * {@code long}: the integer itself for integer types, the IEEE bits for FLOAT32 and FLOAT64.
 */
final class TestArrays {

    private TestArrays() {}

    /** A global array: raw values in row-major order plus the grid to cut it into. */
    record Global(DType dtype, int[] chunkShape, int[] chunksPerDim, long[] raw) {

        long[] shape() {
            long[] shape = new long[chunkShape.length];
            for (int d = 0; d < shape.length; d++) {
                shape[d] = (long) chunkShape[d] * chunksPerDim[d];
            }
            return shape;
        }

        /** The expected double value of every element, row-major. */
        double[] expected() {
            double[] values = new double[raw.length];
            for (int i = 0; i < raw.length; i++) {
                values[i] = expectedDouble(dtype, raw[i]);
            }
            return values;
        }

        DeisaArray toArray(String name, long t) {
            return DeisaArray.fromChunks(name, t, dtype, chunkShape, chunksPerDim, slice());
        }

        /** Scatters the global row-major values into chunks. */
        byte[][] slice() {
            int rank = chunkShape.length;
            int elementsPerChunk = 1;
            int chunkCount = 1;
            for (int d = 0; d < rank; d++) {
                elementsPerChunk *= chunkShape[d];
                chunkCount *= chunksPerDim[d];
            }
            ByteBuffer[] chunks = new ByteBuffer[chunkCount];
            for (int c = 0; c < chunkCount; c++) {
                chunks[c] = ByteBuffer.allocate(elementsPerChunk * dtype.byteSize())
                        .order(ByteOrder.LITTLE_ENDIAN);
            }
            long[] shape = shape();
            long[] index = new long[rank];
            for (long raw : raw) {
                int chunk = 0;
                int element = 0;
                for (int d = 0; d < rank; d++) {
                    chunk = chunk * chunksPerDim[d] + (int) (index[d] / chunkShape[d]);
                    element = element * chunkShape[d] + (int) (index[d] % chunkShape[d]);
                }
                put(chunks[chunk], element * dtype.byteSize(), dtype, raw);
                for (int d = rank - 1; d >= 0 && ++index[d] == shape[d]; d--) {
                    index[d] = 0;
                }
            }
            byte[][] bytes = new byte[chunkCount][];
            for (int c = 0; c < chunkCount; c++) {
                bytes[c] = chunks[c].array();
            }
            return bytes;
        }
    }

    /** A global array of {@code dtype} with random values over the whole range of the type. */
    static Global random(DType dtype, int[] chunkShape, int[] chunksPerDim, long seed) {
        Random random = new Random(seed);
        long size = 1;
        for (int d = 0; d < chunkShape.length; d++) {
            size *= (long) chunkShape[d] * chunksPerDim[d];
        }
        long[] raw = new long[(int) size];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = randomRaw(dtype, random);
        }
        return new Global(dtype, chunkShape, chunksPerDim, raw);
    }

    /** A global FLOAT64 array holding {@code values}, row-major. */
    static Global float64(int[] chunkShape, int[] chunksPerDim, double... values) {
        long[] raw = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            raw[i] = Double.doubleToRawLongBits(values[i]);
        }
        return new Global(DType.FLOAT64, chunkShape, chunksPerDim, raw);
    }

    static long randomRaw(DType dtype, Random random) {
        long bits = random.nextLong();
        return switch (dtype) {
            case INT8 -> (byte) bits;
            case UINT8 -> bits & 0xFFL;
            case INT16 -> (short) bits;
            case UINT16 -> bits & 0xFFFFL;
            case INT32 -> (int) bits;
            case UINT32 -> bits & 0xFFFF_FFFFL;
            case INT64, UINT64 -> bits;
            case FLOAT32 -> Float.floatToRawIntBits((float) (random.nextGaussian() * 1e3));
            case FLOAT64 -> Double.doubleToRawLongBits(random.nextGaussian() * 1e6);
        };
    }

    /** The double a raw value of {@code dtype} stands for, computed without the production code. */
    static double expectedDouble(DType dtype, long raw) {
        return switch (dtype) {
            case INT8 -> (byte) raw;
            case INT16 -> (short) raw;
            case INT32 -> (int) raw;
            case INT64 -> raw;
            case UINT8 -> raw & 0xFFL;
            case UINT16 -> raw & 0xFFFFL;
            case UINT32 -> raw & 0xFFFF_FFFFL;
            case UINT64 -> new BigDecimal(new BigInteger(Long.toUnsignedString(raw))).doubleValue();
            case FLOAT32 -> Float.intBitsToFloat((int) raw);
            case FLOAT64 -> Double.longBitsToDouble(raw);
        };
    }

    private static void put(ByteBuffer chunk, int byteOffset, DType dtype, long raw) {
        switch (dtype.byteSize()) {
            case 1 -> chunk.put(byteOffset, (byte) raw);
            case 2 -> chunk.putShort(byteOffset, (short) raw);
            case 4 -> chunk.putInt(byteOffset, (int) raw);
            case 8 -> chunk.putLong(byteOffset, raw);
            default -> throw new IllegalArgumentException("Unexpected byte size of " + dtype);
        }
    }
}
