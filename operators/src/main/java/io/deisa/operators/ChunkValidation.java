package io.deisa.operators;

import io.deisa.connector.source.ChunkRecord;

import java.util.Arrays;

/**
 * Checks of incoming chunks for {@link ChunkAssembler}. Every failure is an {@link
 * IllegalStateException} whose message names the array, the timestep, the sending bridge and what
 * was wrong: a chunk that contradicts its array's layout means a broken bridge or wire, and the run
 * must not go on with a corrupt array.
 */
final class ChunkValidation {

    private ChunkValidation() {}

    /**
     * The layout that the first chunk of an (array, timestep) declares, after checking that it is
     * self-consistent: a dtype, chunk shape and grid of one rank with positive entries, and a grid
     * and chunk size that fit in memory.
     */
    static ArrayLayout layoutOf(ChunkRecord chunk) {
        if (chunk.dtype == null || chunk.chunkShape == null || chunk.chunksPerDim == null) {
            throw invalid(chunk, "dtype, chunkShape and chunksPerDim must all be set");
        }
        int rank = chunk.chunkShape.length;
        if (rank == 0 || chunk.chunksPerDim.length != rank) {
            throw invalid(
                    chunk,
                    "chunkShape "
                            + Arrays.toString(chunk.chunkShape)
                            + " and chunksPerDim "
                            + Arrays.toString(chunk.chunksPerDim)
                            + " must have the same rank >= 1");
        }
        if (Arrays.stream(chunk.chunkShape).anyMatch(n -> n <= 0)
                || Arrays.stream(chunk.chunksPerDim).anyMatch(n -> n <= 0)) {
            throw invalid(
                    chunk,
                    "chunkShape "
                            + Arrays.toString(chunk.chunkShape)
                            + " and chunksPerDim "
                            + Arrays.toString(chunk.chunksPerDim)
                            + " must have positive entries");
        }
        ArrayLayout layout = new ArrayLayout(chunk.dtype, chunk.chunkShape, chunk.chunksPerDim);
        try {
            layout.chunkCount();
            Math.toIntExact(layout.chunkBytes());
        } catch (ArithmeticException tooLarge) {
            throw invalid(chunk, "the grid or the chunk is too large for " + layout);
        }
        return layout;
    }

    /**
     * Checks a chunk against the layout declared by the first chunk of its (array, timestep), which
     * came from {@code firstBridge}, and returns the chunk's linear index in the grid.
     */
    static int linearIndexOf(ChunkRecord chunk, ArrayLayout layout, int firstBridge) {
        if (!layout.matches(chunk.dtype, chunk.chunkShape, chunk.chunksPerDim)) {
            throw invalid(
                    chunk,
                    "dtype "
                            + chunk.dtype
                            + ", chunkShape "
                            + Arrays.toString(chunk.chunkShape)
                            + ", chunksPerDim "
                            + Arrays.toString(chunk.chunksPerDim)
                            + " differ from "
                            + layout
                            + " declared by the first chunk (bridge "
                            + firstBridge
                            + ")");
        }
        if (!layout.contains(chunk.chunkPosition)) {
            throw invalid(
                    chunk,
                    "position "
                            + Arrays.toString(chunk.chunkPosition)
                            + " is outside the chunk grid "
                            + Arrays.toString(layout.chunksPerDim));
        }
        long expectedBytes = layout.chunkBytes();
        long actualBytes = chunk.data == null ? 0 : chunk.data.length;
        if (actualBytes != expectedBytes) {
            throw invalid(
                    chunk,
                    "position "
                            + Arrays.toString(chunk.chunkPosition)
                            + " carries "
                            + actualBytes
                            + " bytes, expected "
                            + expectedBytes
                            + " ("
                            + Arrays.toString(layout.chunkShape)
                            + " elements of "
                            + layout.dtype
                            + ")");
        }
        return layout.linearIndex(chunk.chunkPosition);
    }

    /** "chunk of array 'T' at timestep 3 from bridge 2", for messages. */
    static String describe(ChunkRecord chunk) {
        return "chunk of array '"
                + chunk.arrayName
                + "' at timestep "
                + chunk.timestep
                + " from bridge "
                + chunk.bridgeId;
    }

    private static IllegalStateException invalid(ChunkRecord chunk, String problem) {
        return new IllegalStateException("Invalid " + describe(chunk) + ": " + problem);
    }
}
