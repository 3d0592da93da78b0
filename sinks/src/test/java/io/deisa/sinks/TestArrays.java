package io.deisa.sinks;

import io.deisa.analytics.DeisaArray;
import io.deisa.bridge.DType;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;

/** Arrays for the sink tests, and the expected bytes of what readers see. */
final class TestArrays {
    private TestArrays() {}

    /** A 1×2 grid of 1×1 INT32 chunks holding {@code [[left, right]]}. */
    static DeisaArray rowOfInts(String name, long t, int left, int right) {
        return DeisaArray.fromChunks(name, t, DType.INT32, new int[] {1, 1}, new int[] {1, 2},
                new byte[][] {le(4).putInt(left).array(), le(4).putInt(right).array()});
    }

    /** A grid of random chunks (seeded), every byte pattern possible for the dtype. */
    static DeisaArray random(DType dtype, int[] chunkShape, int[] chunksPerDim, long seed) {
        Random random = new Random(seed);
        int elements = 1;
        for (int n : chunkShape) {
            elements *= n;
        }
        int chunks = 1;
        for (int n : chunksPerDim) {
            chunks *= n;
        }
        byte[][] bytes = new byte[chunks][elements * dtype.byteSize()];
        for (byte[] chunk : bytes) {
            if (dtype == DType.FLOAT32 || dtype == DType.FLOAT64) {
                ByteBuffer le = ByteBuffer.wrap(chunk).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < elements; i++) {
                    if (dtype == DType.FLOAT32) {
                        le.putFloat((float) random.nextGaussian());
                    } else {
                        le.putDouble(random.nextGaussian() * 1e6);
                    }
                }
            } else {
                random.nextBytes(chunk);
            }
        }
        return DeisaArray.fromChunks("random-" + dtype, 0, dtype, chunkShape, chunksPerDim, bytes);
    }

    /** SHA-256 (hex) of the global array's little-endian bytes in C order, as read_back.py prints it. */
    static String sha256OfGlobalBytes(DeisaArray array) {
        int size = array.dtype().byteSize();
        long[] shape = array.shape();
        int[] chunkShape = array.chunkShape();
        byte[] global = new byte[Math.toIntExact(array.size() * size)];
        for (int c = 0; c < array.chunkCount(); c++) {
            int[] position = array.chunkPosition(c);
            ByteBuffer chunk = array.chunk(c);
            int elements = chunk.remaining() / size;
            for (int e = 0; e < elements; e++) {
                long offset = 0;
                int rest = e;
                long[] local = new long[shape.length];
                for (int d = shape.length - 1; d >= 0; d--) {
                    local[d] = rest % chunkShape[d];
                    rest /= chunkShape[d];
                }
                for (int d = 0; d < shape.length; d++) {
                    offset = offset * shape[d] + (long) position[d] * chunkShape[d] + local[d];
                }
                chunk.get(e * size, global, (int) offset * size, size);
            }
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(global));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ByteBuffer le(int capacity) {
        return ByteBuffer.allocate(capacity).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    }
}
