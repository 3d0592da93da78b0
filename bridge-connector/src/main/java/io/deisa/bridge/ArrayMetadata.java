package io.deisa.bridge;

import java.util.Arrays;
import java.util.Objects;

/**
 * Metadata of the chunk that one bridge owns in one distributed array: the chunk's shape, the grid
 * of chunks that tiles the global array, the element type and this chunk's position in the grid.
 *
 * <pre>{@code
 * ArrayMetadata md = ArrayMetadata.builder()
 *     .chunkShape(64, 64)        // shape of the local chunk, every entry > 0
 *     .chunksPerDim(4, 4)        // chunk grid of the global array, every entry > 0
 *     .chunksOfNode(1)           // chunks of this array held by bridges on this host (>= 1, default 1)
 *     .dtype(DType.FLOAT64)
 *     .chunkPosition(0, 0)       // this bridge's position in the grid, 0 <= p[i] < chunksPerDim[i]
 *     .build();
 * long[] global = md.globalShape();   // [256, 256]
 * }</pre>
 *
 * <p>Immutable, with value equality. Array getters return copies. Chunks are row-major (C order);
 * the grid is numbered row-major as well (see {@link #linearChunkIndex(int[], int[])}).
 */
public final class ArrayMetadata {
    /**
     * Largest byte size of one chunk: a chunk travels as one Java {@code byte[]}, and JVMs cannot
     * allocate arrays of quite {@code Integer.MAX_VALUE} elements.
     */
    public static final int MAX_CHUNK_BYTES = Integer.MAX_VALUE - 64;

    private final int[] chunkShape;
    private final int[] chunksPerDim;
    private final int chunksOfNode;
    private final DType dtype;
    private final int[] chunkPosition;

    private ArrayMetadata(Builder b) {
        this.chunkShape = b.chunkShape;
        this.chunksPerDim = b.chunksPerDim;
        this.chunksOfNode = b.chunksOfNode;
        this.dtype = b.dtype;
        this.chunkPosition = b.chunkPosition;
    }

    /** Starts a builder; {@link Builder#build()} validates the fields. */
    public static Builder builder() {
        return new Builder();
    }

    /** Shape of the local chunk (a copy). */
    public int[] chunkShape() {
        return chunkShape.clone();
    }

    /** Number of chunks along each dimension of the global array (a copy). */
    public int[] chunksPerDim() {
        return chunksPerDim.clone();
    }

    /** Number of chunks of this array held by bridges on this host, at least 1. */
    public int chunksOfNode() {
        return chunksOfNode;
    }

    /** Element type of the array. */
    public DType dtype() {
        return dtype;
    }

    /** Position of this bridge's chunk in the chunk grid (a copy). */
    public int[] chunkPosition() {
        return chunkPosition.clone();
    }

    /** Shape of the global array: {@code chunkShape[i] * chunksPerDim[i]} for each dimension. */
    public long[] globalShape() {
        long[] shape = new long[chunkShape.length];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = (long) chunkShape[i] * chunksPerDim[i];
        }
        return shape;
    }

    /** Number of dimensions of the array. */
    public int rank() {
        return chunkShape.length;
    }

    /** Number of elements of one chunk: the product of {@link #chunkShape()}. */
    public long chunkElementCount() {
        return product(chunkShape);
    }

    /** Byte size of one chunk: {@link #chunkElementCount()} times the element size of {@link #dtype()}. */
    public long chunkByteSize() {
        return chunkElementCount() * dtype.byteSize();
    }

    /** Number of chunks of the global array: the product of {@link #chunksPerDim()}. */
    public int chunkCount() {
        return (int) product(chunksPerDim);
    }

    /** Row-major index of {@link #chunkPosition()} in the chunk grid, in {@code [0, chunkCount())}. */
    public int linearChunkIndex() {
        return linearChunkIndex(chunkPosition, chunksPerDim);
    }

    /**
     * Row-major (C order) index of a chunk position in a chunk grid: the last dimension varies
     * fastest. The inverse of {@link #chunkPositionOf(int, int[])}.
     *
     * <pre>{@code
     * ArrayMetadata.linearChunkIndex(new int[] {1, 2}, new int[] {4, 3});   // 1 * 3 + 2 = 5
     * }</pre>
     *
     * @param position the chunk position, {@code 0 <= position[i] < chunksPerDim[i]}
     * @param chunksPerDim the chunk grid, every entry {@code > 0}, with at most {@code
     *     Integer.MAX_VALUE} chunks in all
     * @return the index, in {@code [0, product(chunksPerDim))}
     * @throws IllegalArgumentException when the ranks differ, the grid is invalid or too large, or
     *     the position is outside the grid
     */
    public static int linearChunkIndex(int[] position, int[] chunksPerDim) {
        checkGrid(chunksPerDim);
        checkPosition(position, chunksPerDim);
        long index = 0;
        for (int i = 0; i < chunksPerDim.length; i++) {
            index = index * chunksPerDim[i] + position[i];
        }
        return (int) index;
    }

    /**
     * Chunk position of a row-major (C order) index in a chunk grid. The inverse of {@link
     * #linearChunkIndex(int[], int[])}.
     *
     * @param linearIndex the index, in {@code [0, product(chunksPerDim))}
     * @param chunksPerDim the chunk grid, every entry {@code > 0}, with at most {@code
     *     Integer.MAX_VALUE} chunks in all
     * @return a new array holding the position
     * @throws IllegalArgumentException when the grid is invalid or too large, or the index is out of
     *     range
     */
    public static int[] chunkPositionOf(int linearIndex, int[] chunksPerDim) {
        int count = checkGrid(chunksPerDim);
        if (linearIndex < 0 || linearIndex >= count) {
            throw new IllegalArgumentException("linear chunk index " + linearIndex + " is outside [0, "
                    + count + ") of the chunk grid " + Arrays.toString(chunksPerDim));
        }
        int[] position = new int[chunksPerDim.length];
        int rest = linearIndex;
        for (int i = chunksPerDim.length - 1; i >= 0; i--) {
            position[i] = rest % chunksPerDim[i];
            rest /= chunksPerDim[i];
        }
        return position;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ArrayMetadata)) {
            return false;
        }
        ArrayMetadata other = (ArrayMetadata) o;
        return chunksOfNode == other.chunksOfNode
                && dtype == other.dtype
                && Arrays.equals(chunkShape, other.chunkShape)
                && Arrays.equals(chunksPerDim, other.chunksPerDim)
                && Arrays.equals(chunkPosition, other.chunkPosition);
    }

    @Override
    public int hashCode() {
        int h = Objects.hash(chunksOfNode, dtype);
        h = 31 * h + Arrays.hashCode(chunkShape);
        h = 31 * h + Arrays.hashCode(chunksPerDim);
        return 31 * h + Arrays.hashCode(chunkPosition);
    }

    @Override
    public String toString() {
        return "ArrayMetadata{chunkShape=" + Arrays.toString(chunkShape)
                + ", chunksPerDim=" + Arrays.toString(chunksPerDim)
                + ", chunksOfNode=" + chunksOfNode
                + ", dtype=" + dtype
                + ", chunkPosition=" + Arrays.toString(chunkPosition) + '}';
    }

    /** Product of positive entries, saturating at {@code Long.MAX_VALUE} instead of overflowing. */
    private static long product(int[] values) {
        long product = 1;
        for (int v : values) {
            product = product > Long.MAX_VALUE / v ? Long.MAX_VALUE : product * v;
        }
        return product;
    }

    /** Checks that {@code values} is present and non-empty with positive entries. */
    private static void checkPositive(String field, int[] values) {
        if (values == null) {
            throw new IllegalArgumentException(field + " is missing");
        }
        if (values.length == 0) {
            throw new IllegalArgumentException(field + " must have at least one dimension");
        }
        for (int i = 0; i < values.length; i++) {
            if (values[i] <= 0) {
                throw new IllegalArgumentException(field + "[" + i + "] must be > 0 but is " + values[i]
                        + " in " + Arrays.toString(values));
            }
        }
    }

    /** Validates a chunk grid and returns its number of chunks. */
    private static int checkGrid(int[] chunksPerDim) {
        checkPositive("chunksPerDim", chunksPerDim);
        long count = product(chunksPerDim);
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("chunksPerDim " + Arrays.toString(chunksPerDim)
                    + " has more than the limit of " + Integer.MAX_VALUE + " chunks");
        }
        return (int) count;
    }

    /** Checks that a position has the grid's rank and lies inside it. */
    private static void checkPosition(int[] position, int[] chunksPerDim) {
        if (position == null) {
            throw new IllegalArgumentException("chunkPosition is missing");
        }
        checkSameRank("chunkPosition", position, chunksPerDim);
        for (int i = 0; i < position.length; i++) {
            if (position[i] < 0 || position[i] >= chunksPerDim[i]) {
                throw new IllegalArgumentException("chunkPosition[" + i + "] = " + position[i]
                        + " is outside the chunk grid [0, " + chunksPerDim[i] + ") in chunkPosition "
                        + Arrays.toString(position) + ", chunksPerDim " + Arrays.toString(chunksPerDim));
            }
        }
    }

    private static void checkSameRank(String field, int[] values, int[] chunksPerDim) {
        if (values.length != chunksPerDim.length) {
            throw new IllegalArgumentException(field + " " + Arrays.toString(values) + " has rank "
                    + values.length + " but chunksPerDim " + Arrays.toString(chunksPerDim) + " has rank "
                    + chunksPerDim.length);
        }
    }

    /**
     * Builder of {@link ArrayMetadata}. Setters copy their arguments; {@link #build()} validates.
     */
    public static final class Builder {
        private int[] chunkShape;
        private int[] chunksPerDim;
        private int chunksOfNode = 1;
        private DType dtype;
        private int[] chunkPosition;

        private Builder() {}

        /**
         * Sets the shape of the local chunk (required, every entry {@code > 0}).
         *
         * @return this builder
         */
        public Builder chunkShape(int... chunkShape) {
            this.chunkShape = copy(chunkShape);
            return this;
        }

        /**
         * Sets the number of chunks along each dimension of the global array (required, every entry
         * {@code > 0}, same rank as the chunk shape).
         *
         * @return this builder
         */
        public Builder chunksPerDim(int... chunksPerDim) {
            this.chunksPerDim = copy(chunksPerDim);
            return this;
        }

        /**
         * Sets the number of chunks of this array held by bridges on this host ({@code >= 1},
         * default 1).
         *
         * @return this builder
         */
        public Builder chunksOfNode(int chunksOfNode) {
            this.chunksOfNode = chunksOfNode;
            return this;
        }

        /**
         * Sets the element type (required).
         *
         * @return this builder
         */
        public Builder dtype(DType dtype) {
            this.dtype = dtype;
            return this;
        }

        /**
         * Sets this bridge's position in the chunk grid (required, {@code 0 <= p[i] <
         * chunksPerDim[i]}).
         *
         * @return this builder
         */
        public Builder chunkPosition(int... chunkPosition) {
            this.chunkPosition = copy(chunkPosition);
            return this;
        }

        /**
         * Validates the fields and builds the metadata.
         *
         * @throws IllegalArgumentException naming the field when a field is missing, the ranks of
         *     the fields differ, an entry is not positive, the position is outside the grid, the grid
         *     has more than {@code Integer.MAX_VALUE} chunks, or one chunk is larger than {@link
         *     #MAX_CHUNK_BYTES}
         */
        public ArrayMetadata build() {
            checkPositive("chunkShape", chunkShape);
            checkGrid(chunksPerDim);
            checkSameRank("chunkShape", chunkShape, chunksPerDim);
            if (dtype == null) {
                throw new IllegalArgumentException("dtype is missing");
            }
            if (chunksOfNode < 1) {
                throw new IllegalArgumentException("chunksOfNode must be >= 1 but is " + chunksOfNode);
            }
            checkPosition(chunkPosition, chunksPerDim);
            if (product(chunkShape) > MAX_CHUNK_BYTES / dtype.byteSize()) {
                throw new IllegalArgumentException("chunkShape " + Arrays.toString(chunkShape)
                        + " with dtype " + dtype + " makes chunks larger than the limit of "
                        + MAX_CHUNK_BYTES + " bytes per chunk");
            }
            return new ArrayMetadata(this);
        }

        private static int[] copy(int[] values) {
            return values == null ? null : values.clone();
        }
    }
}
