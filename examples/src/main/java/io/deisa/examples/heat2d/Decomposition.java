package io.deisa.examples.heat2d;

/**
 * A {@code rows x cols} grid split into a {@code procRows x procCols} process grid of equal tiles.
 * Rank {@code r} holds the tile at row {@code r / procCols}, column {@code r % procCols} (row-major,
 * as in an MPI Cartesian communicator).
 *
 * @param rows cells of the whole grid in y
 * @param cols cells of the whole grid in x
 * @param procRows tiles in y
 * @param procCols tiles in x
 */
public record Decomposition(int rows, int cols, int procRows, int procCols) {
    /** Marks a side without neighbour: the plate's own boundary. */
    public static final int NONE = -1;

    /** @throws IllegalArgumentException unless every count is positive and the tiles divide the grid */
    public Decomposition {
        if (rows < 1 || cols < 1 || procRows < 1 || procCols < 1) {
            throw new IllegalArgumentException("grid " + rows + "x" + cols + " and process grid "
                    + procRows + "x" + procCols + " must be positive");
        }
        if (rows % procRows != 0 || cols % procCols != 0) {
            throw new IllegalArgumentException("the process grid " + procRows + "x" + procCols
                    + " must divide the grid " + rows + "x" + cols + " into equal tiles");
        }
    }

    /** Number of ranks (tiles). */
    public int ranks() {
        return procRows * procCols;
    }

    /** Cells of a tile in y. */
    public int tileRows() {
        return rows / procRows;
    }

    /** Cells of a tile in x. */
    public int tileCols() {
        return cols / procCols;
    }

    /** Position {@code {row, col}} of the rank's tile in the process grid. */
    public int[] coords(int rank) {
        checkRank(rank);
        return new int[] {rank / procCols, rank % procCols};
    }

    /** The rank across {@code side} of the rank's tile, or {@link #NONE} on the plate's boundary. */
    public int neighbour(int rank, Side side) {
        int[] c = coords(rank);
        int row = c[0] + (side == Side.NORTH ? -1 : side == Side.SOUTH ? 1 : 0);
        int col = c[1] + (side == Side.WEST ? -1 : side == Side.EAST ? 1 : 0);
        return row < 0 || row >= procRows || col < 0 || col >= procCols ? NONE : row * procCols + col;
    }

    /** Cells along {@code side} of a tile. */
    public int edgeLength(Side side) {
        return side.isRow() ? tileCols() : tileRows();
    }

    private void checkRank(int rank) {
        if (rank < 0 || rank >= ranks()) {
            throw new IllegalArgumentException("rank " + rank + " is not in [0, " + ranks() + ")");
        }
    }
}
