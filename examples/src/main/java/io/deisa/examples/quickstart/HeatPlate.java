package io.deisa.examples.quickstart;

/**
 * The solver of the quickstart simulation: one rank's tile of a 2D plate, heated by a Gaussian hot
 * spot at the centre of the whole plate, where heat diffuses (explicit 5-point stencil) and slowly
 * leaks to the surroundings (Newton cooling). Each tile is insulated at its edges (zero flux), so a
 * rank needs no data from its neighbours.
 *
 * <pre>{@code
 * HeatPlate tile = HeatPlate.gaussianBump(64, 64, new int[] {0, 1}, new int[] {2, 2}, 100.0, 0.2, 0.005);
 * tile.advance(10);                  // ten stencil sweeps
 * double[] chunk = tile.field();     // row-major, what the rank sends with Bridge.send
 * }</pre>
 *
 * <p>With insulated edges the stencil moves heat but never creates or destroys it, so one sweep
 * multiplies the tile's total heat by exactly {@code 1 - cooling}. When the plate is split into an
 * even number of tiles per dimension (a 2 x 2 grid, for example), the tile edges through the centre
 * are symmetry lines of the hot spot, across which the undivided plate has no flux either: the
 * tiles then evolve exactly like one insulated plate.
 */
public final class HeatPlate {
    private final int rows;
    private final int cols;
    private final double alpha;
    private final double cooling;
    private double[] field;
    private double[] scratch;

    /**
     * A tile of {@code rows x cols} cells holding {@code initial} (row-major; copied).
     *
     * @param alpha diffusion number of one sweep, in {@code [0, 0.25]} (stability of the explicit
     *     scheme)
     * @param cooling fraction of its heat a cell loses to the surroundings per sweep, in {@code [0,
     *     1)}
     * @throws IllegalArgumentException for a non-positive size, a field of the wrong length, or
     *     coefficients out of range
     */
    public HeatPlate(int rows, int cols, double[] initial, double alpha, double cooling) {
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("tile size must be positive, got " + rows + "x" + cols);
        }
        if (initial.length != rows * cols) {
            throw new IllegalArgumentException(
                    "initial field has " + initial.length + " cells, a " + rows + "x" + cols + " tile has " + rows * cols);
        }
        checkCoefficients(alpha, cooling);
        this.rows = rows;
        this.cols = cols;
        this.alpha = alpha;
        this.cooling = cooling;
        this.field = initial.clone();
        this.scratch = new double[initial.length];
    }

    /**
     * The tile at {@code position} in a grid of {@code chunksPerDim} tiles of {@code rows x cols}
     * cells, holding its part of a Gaussian hot spot of height {@code amplitude} centred on the whole
     * plate (standard deviation: an eighth of the plate's smaller side).
     */
    public static HeatPlate gaussianBump(
            int rows, int cols, int[] position, int[] chunksPerDim, double amplitude, double alpha, double cooling) {
        if (position.length != 2 || chunksPerDim.length != 2) {
            throw new IllegalArgumentException("the plate is 2D: position and chunksPerDim need 2 entries");
        }
        double plateRows = (double) rows * chunksPerDim[0];
        double plateCols = (double) cols * chunksPerDim[1];
        double sigma = Math.min(plateRows, plateCols) / 8.0;
        double[] initial = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            // Cell centres, measured from the centre of the plate.
            double y = position[0] * rows + i + 0.5 - plateRows / 2;
            for (int j = 0; j < cols; j++) {
                double x = position[1] * cols + j + 0.5 - plateCols / 2;
                initial[i * cols + j] = amplitude * Math.exp(-(x * x + y * y) / (2 * sigma * sigma));
            }
        }
        return new HeatPlate(rows, cols, initial, alpha, cooling);
    }

    /** Runs {@code sweeps} stencil sweeps. */
    public void advance(int sweeps) {
        for (int s = 0; s < sweeps; s++) {
            sweep(field, scratch, rows, cols, alpha, cooling);
            double[] swap = field;
            field = scratch;
            scratch = swap;
        }
    }

    /** The current field, row-major; a live view that the next {@link #advance} overwrites. */
    public double[] field() {
        return field;
    }

    /** Total heat of the tile. */
    public double total() {
        double sum = 0;
        for (double v : field) {
            sum += v;
        }
        return sum;
    }

    /**
     * One explicit sweep from {@code in} to {@code out} (both row-major {@code rows x cols}):
     * {@code out = in + alpha * laplacian(in) - cooling * in}, where a neighbour outside the tile is
     * the cell itself (insulated edge: no heat crosses it).
     */
    public static void sweep(double[] in, double[] out, int rows, int cols, double alpha, double cooling) {
        checkCoefficients(alpha, cooling);
        if (in.length != rows * cols || out.length != rows * cols || in == out) {
            throw new IllegalArgumentException("sweep needs two distinct arrays of " + rows + "x" + cols + " cells");
        }
        for (int i = 0; i < rows; i++) {
            int row = i * cols;
            int up = i > 0 ? row - cols : row;
            int down = i < rows - 1 ? row + cols : row;
            for (int j = 0; j < cols; j++) {
                double u = in[row + j];
                double left = j > 0 ? in[row + j - 1] : u;
                double right = j < cols - 1 ? in[row + j + 1] : u;
                double laplacian = in[up + j] + in[down + j] + left + right - 4 * u;
                out[row + j] = u + alpha * laplacian - cooling * u;
            }
        }
    }

    private static void checkCoefficients(double alpha, double cooling) {
        if (!(alpha >= 0 && alpha <= 0.25)) {
            throw new IllegalArgumentException("alpha must be in [0, 0.25] for a stable explicit sweep, got " + alpha);
        }
        if (!(cooling >= 0 && cooling < 1)) {
            throw new IllegalArgumentException("cooling must be in [0, 1), got " + cooling);
        }
    }
}
