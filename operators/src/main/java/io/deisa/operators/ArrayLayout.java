package io.deisa.operators;

import io.deisa.bridge.DType;

import org.apache.flink.annotation.Internal;

import java.util.Arrays;

/**
 * How a distributed array is cut into chunks: element type, shape of one chunk and the chunk grid.
 * Chunks are numbered by their row-major ("C order") linear index in the grid.
 *
 * <pre>{@code
 * ArrayLayout layout = new ArrayLayout(DType.FLOAT64, new int[] {64, 64}, new int[] {2, 2});
 * layout.chunkCount();                        // 4
 * layout.linearIndex(new int[] {1, 0});       // 2
 * layout.chunkBytes();                        // 64 * 64 * 8
 * }</pre>
 *
 * <p>A Flink POJO kept in keyed state; instances are not modified once built. The shape arrays
 * are taken over, not copied.
 */
@Internal
public class ArrayLayout {
    /** Element type. */
    public DType dtype;
    /** Shape of every chunk. */
    public int[] chunkShape;
    /** Number of chunks along each dimension. */
    public int[] chunksPerDim;

    /** For Flink's POJO serializer. */
    public ArrayLayout() {}

    /** Creates a layout; the arrays are taken over, not copied. */
    public ArrayLayout(DType dtype, int[] chunkShape, int[] chunksPerDim) {
        this.dtype = dtype;
        this.chunkShape = chunkShape;
        this.chunksPerDim = chunksPerDim;
    }

    /** Number of chunks in the grid. */
    public int chunkCount() {
        return Math.toIntExact(product(chunksPerDim));
    }

    /** Size in bytes of one chunk. */
    public long chunkBytes() {
        return product(chunkShape) * dtype.byteSize();
    }

    /** Whether {@code position} has the grid's rank and lies inside the grid. */
    public boolean contains(int[] position) {
        if (position == null || position.length != chunksPerDim.length) {
            return false;
        }
        for (int d = 0; d < position.length; d++) {
            if (position[d] < 0 || position[d] >= chunksPerDim[d]) {
                return false;
            }
        }
        return true;
    }

    /** Row-major linear index of a position that {@link #contains(int[]) lies in the grid}. */
    public int linearIndex(int[] position) {
        int index = 0;
        for (int d = 0; d < position.length; d++) {
            index = index * chunksPerDim[d] + position[d];
        }
        return index;
    }

    /** Grid position of a row-major linear index; inverse of {@link #linearIndex(int[])}. */
    public int[] position(int linearIndex) {
        int[] position = new int[chunksPerDim.length];
        int rest = linearIndex;
        for (int d = chunksPerDim.length - 1; d >= 0; d--) {
            position[d] = rest % chunksPerDim[d];
            rest /= chunksPerDim[d];
        }
        return position;
    }

    /** Whether this layout has the given element type, chunk shape and grid. */
    public boolean matches(DType otherDtype, int[] otherChunkShape, int[] otherChunksPerDim) {
        return dtype == otherDtype
                && Arrays.equals(chunkShape, otherChunkShape)
                && Arrays.equals(chunksPerDim, otherChunksPerDim);
    }

    private static long product(int[] values) {
        long product = 1;
        for (int value : values) {
            product = Math.multiplyExact(product, value);
        }
        return product;
    }

    @Override
    public String toString() {
        return "ArrayLayout{dtype="
                + dtype
                + ", chunkShape="
                + Arrays.toString(chunkShape)
                + ", chunksPerDim="
                + Arrays.toString(chunksPerDim)
                + '}';
    }
}
