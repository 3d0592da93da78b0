package io.deisa.examples.heat2d;

import java.util.function.DoubleBinaryOperator;

/**
 * One rank's tile of the temperature field, with one layer of ghost cells around it, advanced by
 * the explicit FTCS scheme of the heat equation {@code du/dt = alpha (d2u/dx2 + d2u/dy2) + q}:
 *
 * <pre>
 * u'[i][j] = u[i][j] + r (u[i-1][j] + u[i+1][j] + u[i][j-1] + u[i][j+1] - 4 u[i][j]) + dt q[i][j],
 * r = alpha dt / h^2 &lt;= 1/4 (stability)
 * </pre>
 *
 * <p>Ghost cells along sides shared with other tiles come from the {@link HaloExchange}; along the
 * plate's boundary they mirror the edge cells (insulated, zero-flux Neumann boundary: no heat
 * crosses it). Cells are centred: the cell at global {@code (row, col)} sits at
 * {@code x = (col + 1/2) h}, {@code y = (row + 1/2) h}. Every cell is computed by the same
 * floating-point operations whatever the decomposition, so a decomposed plate evolves bit for bit
 * like an undecomposed one.
 */
public final class Tile {
    private final Decomposition decomposition;
    private final int rank;
    private final int rows;
    private final int cols;
    private final int stride;
    private final int rowOffset;
    private final int colOffset;
    private final boolean[] heated;
    private double[] field;
    private double[] next;

    /** The tile of {@code rank}, at temperature 0, heated where it overlaps {@code heater}. */
    public Tile(Decomposition decomposition, int rank, Heater heater) {
        this.decomposition = decomposition;
        this.rank = rank;
        int[] coords = decomposition.coords(rank);
        this.rows = decomposition.tileRows();
        this.cols = decomposition.tileCols();
        this.stride = cols + 2;
        this.rowOffset = coords[0] * rows;
        this.colOffset = coords[1] * cols;
        this.field = new double[(rows + 2) * stride];
        this.next = new double[field.length];
        this.heated = new boolean[field.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                heated[index(i, j)] = heater.contains(rowOffset + i, colOffset + j);
            }
        }
    }

    /** The rank owning this tile. */
    public int rank() {
        return rank;
    }

    /** The decomposition this tile belongs to. */
    public Decomposition decomposition() {
        return decomposition;
    }

    /** Sets every cell to {@code f(x, y)} at its centre, for cells of size {@code h}. */
    public void fill(DoubleBinaryOperator f, double h) {
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                field[index(i, j)] = f.applyAsDouble((colOffset + j + 0.5) * h, (rowOffset + i + 0.5) * h);
            }
        }
    }

    /**
     * One time step: fills the ghost cells (halo exchange, mirrored plate boundary), then applies
     * the stencil with diffusion number {@code r} and adds {@code heating} to every heated cell.
     *
     * @param r {@code alpha dt / h^2}, in {@code [0, 1/4]}
     * @param heating temperature increase of a heated cell per step ({@code dt q})
     */
    public void step(HaloExchange halo, double r, double heating) {
        halo.exchange(this);
        for (Side side : Side.values()) {
            if (decomposition.neighbour(rank, side) == Decomposition.NONE) {
                setGhost(side, edge(side));
            }
        }
        for (int i = 0; i < rows; i++) {
            int k = index(i, 0);
            for (int j = 0; j < cols; j++, k++) {
                double u = field[k];
                double laplacian = field[k - stride] + field[k + stride] + field[k - 1] + field[k + 1] - 4 * u;
                double v = u + r * laplacian;
                next[k] = heated[k] ? v + heating : v;
            }
        }
        double[] swap = field;
        field = next;
        next = swap;
    }

    /** A copy of the cells along {@code side} (west to east, or north to south). */
    public double[] edge(Side side) {
        double[] edge = new double[decomposition.edgeLength(side)];
        for (int n = 0; n < edge.length; n++) {
            edge[n] = field[edgeIndex(side, n, 0)];
        }
        return edge;
    }

    /** Sets the ghost cells beyond {@code side} to {@code values} (as returned by {@link #edge}). */
    public void setGhost(Side side, double[] values) {
        if (values.length != decomposition.edgeLength(side)) {
            throw new IllegalArgumentException("a " + side + " ghost row of rank " + rank + " has "
                    + decomposition.edgeLength(side) + " cells, got " + values.length);
        }
        for (int n = 0; n < values.length; n++) {
            field[edgeIndex(side, n, 1)] = values[n];
        }
    }

    /** The tile's cells without ghosts, row-major: the chunk a rank shares. */
    public double[] interior() {
        double[] chunk = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(field, index(i, 0), chunk, i * cols, cols);
        }
        return chunk;
    }

    /** Sum of the tile's temperatures. */
    public double sum() {
        double sum = 0;
        for (double v : interior()) {
            sum += v;
        }
        return sum;
    }

    /** Lowest temperature of the tile. */
    public double min() {
        double min = Double.POSITIVE_INFINITY;
        for (double v : interior()) {
            min = Math.min(min, v);
        }
        return min;
    }

    /** Highest temperature of the tile. */
    public double max() {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : interior()) {
            max = Math.max(max, v);
        }
        return max;
    }

    private int index(int i, int j) {
        return (i + 1) * stride + j + 1;
    }

    /** Index of the n-th cell along {@code side}, {@code depth} 0 on the edge, 1 in the ghost layer. */
    private int edgeIndex(Side side, int n, int depth) {
        return switch (side) {
            case NORTH -> index(-depth, n);
            case SOUTH -> index(rows - 1 + depth, n);
            case WEST -> index(n, -depth);
            case EAST -> index(n, cols - 1 + depth);
        };
    }
}
