package io.deisa.analytics;

import io.deisa.bridge.DType;

import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.PublicEvolving;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.DoubleUnaryOperator;

/**
 * The full distributed array of one name at one timestep, as given to callbacks: a regular grid
 * of equally shaped chunks, each kept as the raw little-endian bytes the simulation sent.
 *
 * <pre>{@code
 * List<DeisaArray> window = windows.get("temperature");   // WindowSpec.of("temperature", 2)
 * DeisaArray latest = window.get(window.size() - 1);
 * long[] shape = latest.shape();                          // e.g. [512, 512]
 * double corner = latest.getDouble(0, 0);                 // global, row-major index
 * double mean = latest.mean();                            // computed chunk by chunk
 * DeisaArray celsius = latest.map(k -> k - 273.15);       // FLOAT64, same name, t and grid
 * DeisaArray change = latest.minus(window.get(0));        // shapes must match
 * }</pre>
 *
 * <p>Values are read as {@code double}: signed integers and floats as they are, unsigned integers
 * ({@code UINT8} to {@code UINT64}) by their unsigned value; 64-bit integers beyond {@code 2^53}
 * in magnitude are rounded to the nearest double. Reductions and element-wise operations walk
 * the chunks block by block and never build the global array; only {@link #toDoubleArray()} does.
 *
 * <p>An array is immutable as long as nobody writes into the byte arrays it was built from;
 * reductions are computed once, on first use, and cached. Arrays are safe to read from several
 * threads.
 */
@PublicEvolving
public final class DeisaArray {

    /** Elements converted to double at a time: small enough to stay in the L1/L2 cache. */
    private static final int BLOCK_SIZE = 4096;

    /** The largest array length every JVM can allocate. */
    private static final int MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

    private final String name;
    private final long t;
    private final DType dtype;
    private final ChunkGrid grid;
    private final byte[][] chunks;
    private final ElementReader reader;
    private volatile Statistics statistics;

    private DeisaArray(String name, long t, DType dtype, ChunkGrid grid, byte[][] chunks) {
        this.name = name;
        this.t = t;
        this.dtype = dtype;
        this.grid = grid;
        this.chunks = chunks;
        this.reader = ElementReader.of(dtype);
    }

    /**
     * Builds an array from its chunks. The global shape is {@code chunkShape[d] * chunksPerDim[d]}
     * in every dimension.
     *
     * <p>The byte arrays are <b>not copied</b>: the caller hands over ownership and must not modify
     * them afterwards.
     *
     * @param name the array name
     * @param t the timestep
     * @param dtype the element type
     * @param chunkShape the shape of every chunk, one positive entry per dimension
     * @param chunksPerDim the number of chunks along each dimension, positive, same rank
     * @param chunks {@code chunks[i]} holds the raw little-endian bytes of the chunk at row-major
     *     linear index {@code i} of the chunk grid, its elements in row-major (C) order
     * @throws IllegalArgumentException naming what is wrong: a null argument, a blank name, ranks
     *     that differ or are zero, a non-positive entry, a wrong number of chunks or a chunk of the
     *     wrong byte length
     */
    @Internal
    public static DeisaArray fromChunks(
            String name, long t, DType dtype, int[] chunkShape, int[] chunksPerDim, byte[][] chunks) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("Array name must not be null or blank");
        }
        if (dtype == null || chunks == null) {
            throw new IllegalArgumentException("dtype and chunks of array '" + name + "' must not be null");
        }
        ChunkGrid grid = ChunkGrid.of(chunkShape, chunksPerDim, Integer.MAX_VALUE / dtype.byteSize());
        if (chunks.length != grid.chunkCount()) {
            throw new IllegalArgumentException(
                    "Array '" + name + "' has " + chunks.length + " chunks, expected " + grid.chunkCount()
                            + " for " + grid);
        }
        int chunkBytes = grid.elementsPerChunk() * dtype.byteSize();
        for (int i = 0; i < chunks.length; i++) {
            int length = chunks[i] == null ? -1 : chunks[i].length;
            if (length != chunkBytes) {
                throw new IllegalArgumentException(
                        "Chunk " + i + " of array '" + name + "' has "
                                + (length < 0 ? "no bytes (null)" : length + " bytes") + ", expected "
                                + chunkBytes + " (chunk shape " + Arrays.toString(chunkShape) + " of "
                                + dtype + ", " + dtype.byteSize() + " bytes each)");
            }
        }
        return new DeisaArray(name, t, dtype, grid, chunks.clone());
    }

    /** The array name. */
    public String name() {
        return name;
    }

    /** The timestep. */
    public long t() {
        return t;
    }

    /** The element type of the chunks. */
    public DType dtype() {
        return dtype;
    }

    /** The global shape, a fresh copy. */
    public long[] shape() {
        return grid.shape();
    }

    /** The shape of every chunk, a fresh copy. */
    public int[] chunkShape() {
        return grid.chunkShape();
    }

    /** The number of chunks along each dimension, a fresh copy. */
    public int[] chunksPerDim() {
        return grid.chunksPerDim();
    }

    /** The number of elements of the global array. */
    public long size() {
        return grid.size();
    }

    /** The number of chunks, the product of {@link #chunksPerDim()}. */
    public int chunkCount() {
        return chunks.length;
    }

    /**
     * A read-only little-endian view of one chunk's raw bytes, position 0, limit the chunk's byte
     * length. Each call returns an independent view.
     *
     * @param linearIndex row-major index of the chunk in the chunk grid
     * @throws IndexOutOfBoundsException if the index is not in {@code [0, chunkCount())}
     */
    public ByteBuffer chunk(int linearIndex) {
        grid.checkChunkIndex(linearIndex);
        return ByteBuffer.wrap(chunks[linearIndex]).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * The position in the chunk grid of a linear chunk index: {@code chunkPosition(i)[d]} is in
     * {@code [0, chunksPerDim()[d])}.
     *
     * @throws IndexOutOfBoundsException if the index is not in {@code [0, chunkCount())}
     */
    public int[] chunkPosition(int linearIndex) {
        return grid.chunkPosition(linearIndex);
    }

    /**
     * One element, as a double.
     *
     * @param index the global index, one component per dimension
     * @throws IndexOutOfBoundsException naming the index and the shape if the rank is wrong or a
     *     component is out of bounds
     */
    public double getDouble(long... index) {
        grid.checkIndex(index);
        return reader.get(chunk(grid.chunkIndexOf(index)), grid.elementIndexOf(index));
    }

    /**
     * The whole global array as doubles, in row-major (C) order; a fresh copy.
     *
     * @throws IllegalStateException if the array has more elements than a Java array can hold
     *     ({@code Integer.MAX_VALUE - 8})
     */
    public double[] toDoubleArray() {
        long size = size();
        if (size > MAX_ARRAY_LENGTH) {
            throw new IllegalStateException(
                    "Array '" + name + "' of shape " + Arrays.toString(shape()) + " has " + size
                            + " elements, too many for one double[]; use the reductions or chunk(int)");
        }
        double[] values = new double[(int) size];
        int run = grid.contiguousRunLength();
        for (int c = 0; c < chunks.length; c++) {
            ByteBuffer le = chunk(c);
            for (int from = 0; from < grid.elementsPerChunk(); from += run) {
                reader.read(le, from, values, (int) grid.globalOffset(c, from), run);
            }
        }
        return values;
    }

    /** The sum of all elements, with compensated summation. */
    public double sum() {
        return statistics().sum();
    }

    /** The arithmetic mean, {@code sum() / size()}. */
    public double mean() {
        return statistics().mean();
    }

    /** The smallest element; NaN if any element is NaN, as with {@link Math#min(double, double)}. */
    public double min() {
        return statistics().min();
    }

    /** The largest element; NaN if any element is NaN, as with {@link Math#max(double, double)}. */
    public double max() {
        return statistics().max();
    }

    /** The population standard deviation (divides by {@code size()}), computed in a stable way. */
    public double std() {
        return statistics().std();
    }

    /**
     * Element-wise sum, {@code this + other}.
     *
     * @return a {@code FLOAT64} array with this array's name, timestep and chunk grid
     * @throws IllegalArgumentException naming both shapes if the global shapes differ
     */
    public DeisaArray plus(DeisaArray other) {
        return combine(other, "plus", (left, right, length) -> {
            for (int i = 0; i < length; i++) {
                left[i] += right[i];
            }
        });
    }

    /**
     * Element-wise difference, {@code this - other}.
     *
     * @return a {@code FLOAT64} array with this array's name, timestep and chunk grid
     * @throws IllegalArgumentException naming both shapes if the global shapes differ
     */
    public DeisaArray minus(DeisaArray other) {
        return combine(other, "minus", (left, right, length) -> {
            for (int i = 0; i < length; i++) {
                left[i] -= right[i];
            }
        });
    }

    /**
     * Every element multiplied by {@code factor}.
     *
     * @return a {@code FLOAT64} array with this array's name, timestep and chunk grid
     */
    public DeisaArray times(double factor) {
        return transform((chunk, from, block, length) -> {
            for (int i = 0; i < length; i++) {
                block[i] *= factor;
            }
        });
    }

    /**
     * {@code op} applied to every element.
     *
     * @return a {@code FLOAT64} array with this array's name, timestep and chunk grid
     */
    public DeisaArray map(DoubleUnaryOperator op) {
        Objects.requireNonNull(op, "op");
        return transform((chunk, from, block, length) -> {
            for (int i = 0; i < length; i++) {
                block[i] = op.applyAsDouble(block[i]);
            }
        });
    }

    /** Name, timestep, dtype and shape; never the data. */
    @Override
    public String toString() {
        return "DeisaArray{name='" + name + "', t=" + t + ", dtype=" + dtype + ", shape="
                + Arrays.toString(shape()) + '}';
    }

    private Statistics statistics() {
        Statistics result = statistics;
        if (result == null) {
            Statistics fresh = new Statistics();
            forEachBlock((chunk, from, block, length) -> fresh.add(block, length));
            statistics = result = fresh;
        }
        return result;
    }

    /** Converts every chunk, block by block, and hands each block to {@code visitor}. */
    private void forEachBlock(BlockVisitor visitor) {
        int elementsPerChunk = grid.elementsPerChunk();
        double[] block = new double[Math.min(BLOCK_SIZE, elementsPerChunk)];
        for (int c = 0; c < chunks.length; c++) {
            ByteBuffer le = chunk(c);
            for (int from = 0; from < elementsPerChunk; from += block.length) {
                int length = Math.min(block.length, elementsPerChunk - from);
                reader.read(le, from, block, 0, length);
                visitor.visit(c, from, block, length);
            }
        }
    }

    /** A FLOAT64 array on this grid holding this array's blocks after {@code inPlace} changed them. */
    private DeisaArray transform(BlockVisitor inPlace) {
        checkFloat64ChunksFit();
        byte[][] result = new byte[chunks.length][grid.elementsPerChunk() * Double.BYTES];
        forEachBlock((chunk, from, block, length) -> {
            inPlace.visit(chunk, from, block, length);
            ByteBuffer.wrap(result[chunk])
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .asDoubleBuffer()
                    .put(from, block, 0, length);
        });
        return new DeisaArray(name, t, DType.FLOAT64, grid, result);
    }

    /** Element-wise results are FLOAT64: their chunks must fit one {@code byte[]} each. */
    private void checkFloat64ChunksFit() {
        if (grid.elementsPerChunk() > MAX_ARRAY_LENGTH / Double.BYTES) {
            throw new IllegalStateException(
                    "Chunks of array '" + name + "' have " + grid.elementsPerChunk()
                            + " elements, too many for a FLOAT64 chunk in one byte[]");
        }
    }

    private DeisaArray combine(DeisaArray other, String operation, BinaryBlockOperator op) {
        Objects.requireNonNull(other, "other");
        if (!grid.sameShapeAs(other.grid)) {
            throw new IllegalArgumentException(
                    "Cannot compute '" + name + "' " + operation + " '" + other.name + "': shapes "
                            + Arrays.toString(shape()) + " and " + Arrays.toString(other.shape())
                            + " differ");
        }
        checkFloat64ChunksFit();
        DeisaArray right = grid.sameGridAs(other.grid) ? other : other.regridded(grid);
        double[] rightBlock = new double[Math.min(BLOCK_SIZE, grid.elementsPerChunk())];
        return transform((chunk, from, block, length) -> {
            right.reader.read(right.chunk(chunk), from, rightBlock, 0, length);
            op.apply(block, rightBlock, length);
        });
    }

    /**
     * The same values and dtype on another grid of the same global shape, copied element by
     * element through global indices; only used when two operands are chunked differently.
     */
    private DeisaArray regridded(ChunkGrid target) {
        int bytes = dtype.byteSize();
        byte[][] result = new byte[target.chunkCount()][target.elementsPerChunk() * bytes];
        for (int c = 0; c < result.length; c++) {
            for (int e = 0; e < target.elementsPerChunk(); e++) {
                long[] index = target.globalIndex(c, e);
                byte[] source = chunks[grid.chunkIndexOf(index)];
                System.arraycopy(source, grid.elementIndexOf(index) * bytes, result[c], e * bytes, bytes);
            }
        }
        return new DeisaArray(name, t, dtype, target, result);
    }

    /** Receives {@code block[0, length)}: elements {@code [from, from + length)} of chunk {@code chunk}. */
    @FunctionalInterface
    private interface BlockVisitor {
        void visit(int chunk, int from, double[] block, int length);
    }

    /** Combines {@code right[0, length)} into {@code left[0, length)} in place. */
    @FunctionalInterface
    private interface BinaryBlockOperator {
        void apply(double[] left, double[] right, int length);
    }
}
