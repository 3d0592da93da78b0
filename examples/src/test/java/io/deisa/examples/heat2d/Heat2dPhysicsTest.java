package io.deisa.examples.heat2d;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.DoubleBinaryOperator;

/** The heat2d solver's physics and decomposition, without Flink or bridges. */
class Heat2dPhysicsTest {
    private static final Heater NO_HEATER = new Heater(0, 1, 0, 1);

    @Test
    void insulatedPlateWithoutSourceConservesEnergyToRoundOff() throws Exception {
        Decomposition whole = new Decomposition(48, 64, 1, 1);
        double h = 1.0 / 64;
        DoubleBinaryOperator hotSpot = (x, y) -> 20 + 80 * Math.exp(-((x - 0.3) * (x - 0.3) + (y - 0.5) * (y - 0.5)) / 0.01);
        double[] initial = run(whole, NO_HEATER, hotSpot, h, 0.25, 0.0, 0);
        double[] last = run(whole, NO_HEATER, hotSpot, h, 0.25, 0.0, 3000);
        double before = sum(initial) * h * h;
        double after = sum(last) * h * h;
        assertThat(Math.abs(after - before) / before).isLessThan(1e-12);
        assertThat(max(last) - min(last)).as("the hot spot spread out").isLessThan((max(initial) - min(initial)) / 10);
    }

    @Test
    void heaterAddsItsPowerTimesDtEveryStep() throws Exception {
        Heat2dConfig config = Heat2dConfig.defaults().withGrid(32, 32, 1, 1);
        Decomposition whole = config.decomposition();
        int steps = 500;
        double[] last = run(whole, config.heater(), (x, y) -> 20, config.h(), config.cfl(), config.heating(config.power()), steps);
        double energy = sum(last) * config.h() * config.h();
        double expected = 20 * config.area() + config.power() * config.dt() * steps;
        assertThat(Math.abs(energy - expected) / expected).isLessThan(1e-12);
    }

    /**
     * u = cos(kx x) cos(ky y) fits the insulated boundary and decays as exp(-alpha (kx² + ky²) t).
     * FTCS has a truncation error of dt/2 u_tt + alpha h²/12 (u_xxxx + u_yyyy): the error at time T
     * is at most T (alpha² k⁴ dt / 2 + alpha h² (kx⁴ + ky⁴) / 12), second order in h at fixed
     * r = alpha dt / h², so it shrinks about fourfold when h is halved.
     */
    @Test
    void fourierModeDecaysAsTheAnalyticSolutionWithinTheSchemeError() throws Exception {
        double alpha = 1.0;
        double r = 0.2;
        double kx = Math.PI;
        double ky = 2 * Math.PI;
        double k2 = kx * kx + ky * ky;
        double previousError = Double.NaN;
        for (int n : new int[] {32, 64, 128}) {
            double h = 1.0 / n;
            double dt = r * h * h / alpha;
            int steps = 50 * (n / 32) * (n / 32);
            double time = steps * dt;
            double[] u = run(new Decomposition(n, n, 1, 1), NO_HEATER,
                    (x, y) -> Math.cos(kx * x) * Math.cos(ky * y), h, r, 0.0, steps);
            double decay = Math.exp(-alpha * k2 * time);
            double error = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    double exact = decay * Math.cos(kx * (j + 0.5) * h) * Math.cos(ky * (i + 0.5) * h);
                    error = Math.max(error, Math.abs(u[i * n + j] - exact));
                }
            }
            double bound = time * (alpha * alpha * k2 * k2 * dt / 2
                    + alpha * h * h * (Math.pow(kx, 4) + Math.pow(ky, 4)) / 12);
            assertThat(decay).as("the mode decayed noticeably").isLessThan(0.7);
            assertThat(error).as("error at n=%d", n).isLessThanOrEqualTo(bound);
            if (!Double.isNaN(previousError)) {
                assertThat(previousError / error).as("error ratio when h halves, n=%d", n).isBetween(3.5, 4.5);
            }
            previousError = error;
        }
    }

    @Test
    void twoByTwoTilesWithHaloExchangeMatchTheUndecomposedPlateBitForBit() throws Exception {
        Heat2dConfig config = Heat2dConfig.defaults().withGrid(48, 64, 1, 1);
        DoubleBinaryOperator initial = (x, y) -> 20 + 10 * Math.sin(7 * x) * Math.cos(5 * y) + x * y;
        double heating = config.heating(config.power());
        double[] whole = run(config.decomposition(), config.heater(), initial, config.h(), config.cfl(), heating, 300);
        double[] tiled = run(new Decomposition(48, 64, 2, 2), config.heater(), initial, config.h(), config.cfl(), heating, 300);
        assertThat(tiled).containsExactly(whole);
    }

    /**
     * Runs every tile of {@code decomposition} in its own thread with a {@link ThreadHaloExchange}
     * and returns the whole plate, row-major.
     */
    static double[] run(Decomposition decomposition, Heater heater, DoubleBinaryOperator initial, double h,
            double r, double heating, int steps) throws Exception {
        List<HaloExchange> halos = ThreadHaloExchange.group(decomposition);
        ExecutorService threads = Executors.newFixedThreadPool(decomposition.ranks());
        try {
            List<Future<Tile>> tiles = new ArrayList<>();
            for (int rank = 0; rank < decomposition.ranks(); rank++) {
                int rk = rank;
                tiles.add(threads.submit(() -> {
                    Tile tile = new Tile(decomposition, rk, heater);
                    tile.fill(initial, h);
                    for (int s = 0; s < steps; s++) {
                        tile.step(halos.get(rk), r, heating);
                    }
                    return tile;
                }));
            }
            double[] plate = new double[decomposition.rows() * decomposition.cols()];
            for (int rank = 0; rank < decomposition.ranks(); rank++) {
                double[] chunk = tiles.get(rank).get().interior();
                int[] c = decomposition.coords(rank);
                for (int i = 0; i < decomposition.tileRows(); i++) {
                    System.arraycopy(chunk, i * decomposition.tileCols(), plate,
                            (c[0] * decomposition.tileRows() + i) * decomposition.cols() + c[1] * decomposition.tileCols(),
                            decomposition.tileCols());
                }
            }
            return plate;
        } finally {
            threads.shutdownNow();
        }
    }

    private static double sum(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum;
    }

    private static double max(double[] values) {
        return java.util.Arrays.stream(values).max().orElseThrow();
    }

    private static double min(double[] values) {
        return java.util.Arrays.stream(values).min().orElseThrow();
    }
}
