package io.deisa.examples.quickstart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

/** The quickstart simulation's step function, without Flink. */
class HeatPlateTest {

    @Test
    void insulatedStencilConservesTheTotalHeat() {
        HeatPlate tile = HeatPlate.gaussianBump(24, 17, new int[] {1, 0}, new int[] {2, 2}, 100.0, 0.25, 0.0);
        double before = tile.total();
        tile.advance(500);
        assertThat(tile.total()).isCloseTo(before, within(1e-9 * before));
    }

    @Test
    void coolingRemovesTheSameFractionOfHeatEverySweep() {
        HeatPlate tile = HeatPlate.gaussianBump(16, 16, new int[] {0, 0}, new int[] {1, 1}, 50.0, 0.2, 0.01);
        double before = tile.total();
        tile.advance(30);
        assertThat(tile.total()).isCloseTo(before * Math.pow(0.99, 30), within(1e-9 * before));
    }

    @Test
    void diffusionFlattensTheHotSpotTowardsItsMean() {
        HeatPlate tile = HeatPlate.gaussianBump(32, 32, new int[] {0, 0}, new int[] {1, 1}, 100.0, 0.2, 0.0);
        double mean = tile.total() / (32 * 32);
        double previousMax = max(tile.field());
        double previousMin = min(tile.field());
        for (int t = 0; t < 20; t++) {
            tile.advance(50);
            double max = max(tile.field());
            double min = min(tile.field());
            assertThat(max).isLessThan(previousMax);
            assertThat(min).isGreaterThan(previousMin);
            assertThat(min).isLessThanOrEqualTo(mean).as("the mean lies between min and max");
            assertThat(max).isGreaterThanOrEqualTo(mean);
            previousMax = max;
            previousMin = min;
        }
        assertThat(previousMax - previousMin).isLessThan(1.0);
    }

    @Test
    void oneSweepMatchesTheStencilByHand() {
        // 2 x 3 tile; a neighbour outside the tile is the cell itself.
        double[] in = {1, 2, 3, 4, 5, 6};
        double[] out = new double[6];
        HeatPlate.sweep(in, out, 2, 3, 0.1, 0.0);
        // cell (0,0): up=1 (itself), down=4, left=1 (itself), right=2 -> laplacian 1+4+1+2-4 = 4
        assertThat(out[0]).isCloseTo(1 + 0.1 * 4, within(1e-12));
        // cell (1,1): up=2, down=5 (itself), left=4, right=6 -> laplacian 2+5+4+6-20 = -3
        assertThat(out[4]).isCloseTo(5 - 0.1 * 3, within(1e-12));
        assertThat(Arrays.stream(out).sum()).isCloseTo(21.0, within(1e-12));
    }

    @Test
    void tilesOfATwoByTwoGridEvolveLikeTheWholePlate() {
        int n = 8;
        HeatPlate whole = HeatPlate.gaussianBump(2 * n, 2 * n, new int[] {0, 0}, new int[] {1, 1}, 100.0, 0.2, 0.003);
        HeatPlate[] tiles = new HeatPlate[4];
        for (int r = 0; r < 4; r++) {
            tiles[r] = HeatPlate.gaussianBump(n, n, new int[] {r / 2, r % 2}, new int[] {2, 2}, 100.0, 0.2, 0.003);
        }
        whole.advance(40);
        for (int r = 0; r < 4; r++) {
            tiles[r].advance(40);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    double expected = whole.field()[((r / 2) * n + i) * 2 * n + (r % 2) * n + j];
                    assertThat(tiles[r].field()[i * n + j]).isCloseTo(expected, within(1e-9));
                }
            }
        }
    }

    @Test
    void unstableOrInvalidCoefficientsAreRefused() {
        assertThatThrownBy(() -> new HeatPlate(2, 2, new double[4], 0.3, 0.0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("alpha");
        assertThatThrownBy(() -> new HeatPlate(2, 2, new double[4], 0.1, 1.0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cooling");
        assertThatThrownBy(() -> new HeatPlate(2, 2, new double[3], 0.1, 0.0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 cells");
    }

    @Test
    void gridIsAsSquareAsTheRankCountAllows() {
        assertThat(QuickstartDemo.grid(4)).containsExactly(2, 2);
        assertThat(QuickstartDemo.grid(6)).containsExactly(2, 3);
        assertThat(QuickstartDemo.grid(7)).containsExactly(1, 7);
        assertThat(QuickstartDemo.grid(1)).containsExactly(1, 1);
    }

    private static double max(double[] values) {
        return Arrays.stream(values).max().orElseThrow();
    }

    private static double min(double[] values) {
        return Arrays.stream(values).min().orElseThrow();
    }
}
