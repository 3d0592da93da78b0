package io.deisa.analytics;

import io.deisa.bridge.DType;

import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.PublicEvolving;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One chunk of a distributed array at one timestep, as a {@link ChunkFunction} or a {@link
 * ChunkAggregate} sees it, in the task that read it from its bridge. Elements are read as doubles
 * (unsigned integers by their unsigned value), in row-major (C) order.
 *
 * <pre>{@code
 * double corner = chunk.getDouble(0, 0);               // local index within the chunk
 * long[] global = chunk.origin();                      // global index of element (0, 0)
 * double[] values = chunk.toDoubleArray();             // a row-major copy
 * }</pre>
 *
 * <p>Valid only during the call it is given to: it wraps the received bytes without copying.
 */
@PublicEvolving
public final class Chunk {
    private final String name;
    private final long t;
    private final int[] position;
    private final int[] shape;
    private final DType dtype;
    private final ByteBuffer le;
    private final ElementReader reader;
    private final long size;

    /**
     * Wraps one received chunk.
     *
     * @param data the raw little-endian elements, row-major, exactly {@code product(shape)} of
     *     {@code dtype}
     */
    @Internal
    public Chunk(String name, long t, int[] position, int[] shape, DType dtype, byte[] data) {
        this.name = name;
        this.t = t;
        this.position = position;
        this.shape = shape;
        this.dtype = dtype;
        this.le = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        this.reader = ElementReader.of(dtype);
        long elements = 1;
        for (int d : shape) {
            elements *= d;
        }
        this.size = elements;
    }

    /** The array's name. */
    public String name() {
        return name;
    }

    /** The timestep. */
    public long t() {
        return t;
    }

    /** The chunk's position in the chunk grid (a copy). */
    public int[] position() {
        return position.clone();
    }

    /** The chunk's shape (a copy). */
    public int[] shape() {
        return shape.clone();
    }

    /** The global index of the chunk's first element: position times shape, per dimension. */
    public long[] origin() {
        long[] origin = new long[shape.length];
        for (int d = 0; d < shape.length; d++) {
            origin[d] = (long) position[d] * shape[d];
        }
        return origin;
    }

    /** The element type as sent by the simulation. */
    public DType dtype() {
        return dtype;
    }

    /** The number of elements. */
    public long size() {
        return size;
    }

    /**
     * One element, by its index within the chunk.
     *
     * @throws IndexOutOfBoundsException naming the index and the shape, when the index has the
     *     wrong number of dimensions or lies outside the chunk
     */
    public double getDouble(int... localIndex) {
        if (localIndex.length != shape.length) {
            throw new IndexOutOfBoundsException("Index " + Arrays.toString(localIndex) + " has " + localIndex.length
                    + " dimension(s); chunk of '" + name + "' has shape " + Arrays.toString(shape));
        }
        int offset = 0;
        for (int d = 0; d < shape.length; d++) {
            if (localIndex[d] < 0 || localIndex[d] >= shape[d]) {
                throw new IndexOutOfBoundsException("Index " + Arrays.toString(localIndex)
                        + " is outside the chunk of '" + name + "' of shape " + Arrays.toString(shape));
            }
            offset = offset * shape[d] + localIndex[d];
        }
        return reader.get(le, offset);
    }

    /** Elements converted at a time by {@link #forEachBlock}. */
    private static final int BLOCK = 8192;

    /** Receives consecutive blocks of a chunk's elements: {@code block[0, length)}. */
    @FunctionalInterface
    interface BlockConsumer {
        void accept(double[] block, int length);
    }

    /**
     * Hands the elements, row-major, to {@code consumer} in blocks of at most 8192 in one reused
     * buffer: reductions walk a large chunk without copying it whole.
     */
    void forEachBlock(BlockConsumer consumer) {
        if (size == 0) {
            return;
        }
        double[] block = new double[(int) Math.min(BLOCK, size)];
        for (long from = 0; from < size; from += block.length) {
            int length = (int) Math.min(block.length, size - from);
            reader.read(le, (int) from, block, 0, length);
            consumer.accept(block, length);
        }
    }

    /** Every element, row-major; a fresh copy. */
    public double[] toDoubleArray() {
        double[] values = new double[(int) size];
        reader.read(le, 0, values, 0, values.length);
        return values;
    }

    @Override
    public String toString() {
        return "Chunk{name='" + name + "', t=" + t + ", position=" + Arrays.toString(position) + ", shape="
                + Arrays.toString(shape) + ", dtype=" + dtype + '}';
    }
}
