package io.deisa.analytics;

import java.util.Arrays;

/**
 * Geometry of a regular chunk grid: a global array of shape {@code chunkShape[d] *
 * chunksPerDim[d]} cut into equal chunks, chunks and elements inside a chunk both in row-major
 * (C) order. Immutable; validates its arguments once so that index arithmetic stays in {@code int}
 * inside a chunk and in {@code long} globally.
 */
final class ChunkGrid {

    private final int[] chunkShape;
    private final int[] chunksPerDim;
    private final long[] shape;
    private final int elementsPerChunk;
    private final int chunkCount;

    private ChunkGrid(
            int[] chunkShape, int[] chunksPerDim, long[] shape, int elementsPerChunk, int chunkCount) {
        this.chunkShape = chunkShape;
        this.chunksPerDim = chunksPerDim;
        this.shape = shape;
        this.elementsPerChunk = elementsPerChunk;
        this.chunkCount = chunkCount;
    }

    /**
     * Validates and copies the arguments.
     *
     * @param maxElementsPerChunk upper bound on the elements of one chunk, for instance so that its
     *     bytes fit in one {@code byte[]}
     * @throws IllegalArgumentException naming what is wrong
     */
    static ChunkGrid of(int[] chunkShape, int[] chunksPerDim, int maxElementsPerChunk) {
        if (chunkShape == null || chunksPerDim == null) {
            throw new IllegalArgumentException("chunkShape and chunksPerDim must not be null");
        }
        if (chunkShape.length == 0 || chunkShape.length != chunksPerDim.length) {
            throw new IllegalArgumentException(
                    "Rank mismatch or zero rank: chunkShape " + Arrays.toString(chunkShape)
                            + " has rank " + chunkShape.length + ", chunksPerDim "
                            + Arrays.toString(chunksPerDim) + " has rank " + chunksPerDim.length);
        }
        int elementsPerChunk = checkedProduct("chunkShape", chunkShape, maxElementsPerChunk);
        int chunkCount = checkedProduct("chunksPerDim", chunksPerDim, Integer.MAX_VALUE);
        long[] shape = new long[chunkShape.length];
        for (int d = 0; d < shape.length; d++) {
            shape[d] = (long) chunkShape[d] * chunksPerDim[d];
        }
        return new ChunkGrid(chunkShape.clone(), chunksPerDim.clone(), shape, elementsPerChunk, chunkCount);
    }

    private static int checkedProduct(String what, int[] extents, int max) {
        long product = 1;
        for (int extent : extents) {
            if (extent <= 0) {
                throw new IllegalArgumentException(
                        what + " entries must be positive, got " + Arrays.toString(extents));
            }
            product *= extent;
            if (product > max) {
                throw new IllegalArgumentException(
                        what + " " + Arrays.toString(extents) + " has more than " + max + " elements");
            }
        }
        return (int) product;
    }

    long[] shape() {
        return shape.clone();
    }

    int[] chunkShape() {
        return chunkShape.clone();
    }

    int[] chunksPerDim() {
        return chunksPerDim.clone();
    }

    /** Number of elements in the global array. */
    long size() {
        return (long) elementsPerChunk * chunkCount;
    }

    int elementsPerChunk() {
        return elementsPerChunk;
    }

    int chunkCount() {
        return chunkCount;
    }

    /**
     * Length of the runs in which a chunk's elements are also contiguous in the global row-major
     * array: the chunk's extent from the last dimension split into several chunks onwards (the
     * whole chunk when no dimension is split). Always divides {@link #elementsPerChunk()}.
     */
    int contiguousRunLength() {
        int run = 1;
        for (int d = chunkShape.length - 1; d >= 0; d--) {
            run *= chunkShape[d];
            if (chunksPerDim[d] > 1) {
                break;
            }
        }
        return run;
    }

    /** Whether both grids have the same chunk shape and chunk counts. */
    boolean sameGridAs(ChunkGrid other) {
        return Arrays.equals(chunkShape, other.chunkShape) && Arrays.equals(chunksPerDim, other.chunksPerDim);
    }

    boolean sameShapeAs(ChunkGrid other) {
        return Arrays.equals(shape, other.shape);
    }

    /**
     * Checks a linear chunk index.
     *
     * @throws IndexOutOfBoundsException if the index is not in {@code [0, chunkCount)}
     */
    void checkChunkIndex(int linearIndex) {
        if (linearIndex < 0 || linearIndex >= chunkCount) {
            throw new IndexOutOfBoundsException(
                    "Chunk index " + linearIndex + " is out of range [0, " + chunkCount + ") for chunk grid "
                            + Arrays.toString(chunksPerDim));
        }
    }

    /**
     * Grid position of a linear chunk index.
     *
     * @throws IndexOutOfBoundsException if the index is not in {@code [0, chunkCount)}
     */
    int[] chunkPosition(int linearIndex) {
        checkChunkIndex(linearIndex);
        int[] position = new int[chunksPerDim.length];
        int rest = linearIndex;
        for (int d = position.length - 1; d >= 0; d--) {
            position[d] = rest % chunksPerDim[d];
            rest /= chunksPerDim[d];
        }
        return position;
    }

    /**
     * Checks a global index against the shape.
     *
     * @throws IndexOutOfBoundsException naming the index and the shape when the rank is wrong or a
     *     component is out of bounds
     */
    void checkIndex(long[] index) {
        boolean valid = index != null && index.length == shape.length;
        for (int d = 0; valid && d < shape.length; d++) {
            valid = index[d] >= 0 && index[d] < shape[d];
        }
        if (!valid) {
            throw new IndexOutOfBoundsException(
                    "Index " + Arrays.toString(index) + " is out of bounds for shape "
                            + Arrays.toString(shape));
        }
    }

    /** Linear index of the chunk holding a valid global index. */
    int chunkIndexOf(long[] index) {
        int linear = 0;
        for (int d = 0; d < shape.length; d++) {
            linear = linear * chunksPerDim[d] + (int) (index[d] / chunkShape[d]);
        }
        return linear;
    }

    /** Row-major index, inside its chunk, of the element at a valid global index. */
    int elementIndexOf(long[] index) {
        int linear = 0;
        for (int d = 0; d < shape.length; d++) {
            linear = linear * chunkShape[d] + (int) (index[d] % chunkShape[d]);
        }
        return linear;
    }

    /** Global index of element {@code elementIndex} of chunk {@code chunkIndex}. */
    long[] globalIndex(int chunkIndex, int elementIndex) {
        int[] position = chunkPosition(chunkIndex);
        long[] index = new long[shape.length];
        int rest = elementIndex;
        for (int d = index.length - 1; d >= 0; d--) {
            index[d] = (long) position[d] * chunkShape[d] + rest % chunkShape[d];
            rest /= chunkShape[d];
        }
        return index;
    }

    /** Row-major offset in the global array of element {@code elementIndex} of chunk {@code chunkIndex}. */
    long globalOffset(int chunkIndex, int elementIndex) {
        long[] index = globalIndex(chunkIndex, elementIndex);
        long offset = 0;
        for (int d = 0; d < shape.length; d++) {
            offset = offset * shape[d] + index[d];
        }
        return offset;
    }

    @Override
    public String toString() {
        return "shape " + Arrays.toString(shape) + " as " + Arrays.toString(chunksPerDim) + " chunks of "
                + Arrays.toString(chunkShape);
    }
}
