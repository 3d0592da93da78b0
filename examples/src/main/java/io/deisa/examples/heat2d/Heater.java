package io.deisa.examples.heat2d;

/**
 * The heater: a rectangle of cells {@code [rowFrom, rowTo) x [colFrom, colTo)} of the whole grid
 * into which a power is injected, spread evenly over its cells.
 */
public record Heater(int rowFrom, int rowTo, int colFrom, int colTo) {
    /** @throws IllegalArgumentException for an empty rectangle */
    public Heater {
        if (rowFrom < 0 || colFrom < 0 || rowTo <= rowFrom || colTo <= colFrom) {
            throw new IllegalArgumentException("empty heater [" + rowFrom + ", " + rowTo + ") x ["
                    + colFrom + ", " + colTo + ")");
        }
    }

    /** The centred heater covering the middle quarter of each side of a {@code rows x cols} grid. */
    public static Heater centred(int rows, int cols) {
        int halfRows = Math.max(1, rows / 8);
        int halfCols = Math.max(1, cols / 8);
        return new Heater(rows / 2 - halfRows, rows / 2 + halfRows, cols / 2 - halfCols, cols / 2 + halfCols);
    }

    /** Whether the cell at global {@code (row, col)} is heated. */
    public boolean contains(int row, int col) {
        return row >= rowFrom && row < rowTo && col >= colFrom && col < colTo;
    }

    /** Number of heated cells. */
    public int cells() {
        return (rowTo - rowFrom) * (colTo - colFrom);
    }
}
