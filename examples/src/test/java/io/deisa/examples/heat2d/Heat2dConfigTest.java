package io.deisa.examples.heat2d;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;

/** Parameters, decomposition and the command line of heat2d. */
class Heat2dConfigTest {

    @Test
    void commandLineReproducesTheConfiguration() {
        Heat2dConfig config = Heat2dConfig.defaults().withGrid(96, 64, 3, 2).withSteps(300, 15).withHeater(0.5, 30, 0.1);
        Heat2dOptions options = new Heat2dOptions();
        new CommandLine(options).parseArgs(config.toArgs().toArray(String[]::new));
        assertThat(options.toConfig()).isEqualTo(config);
        assertThat(new Heat2dOptions().toConfig()).isEqualTo(Heat2dConfig.defaults());
    }

    @Test
    void invalidParametersAreRefusedWithTheirName() {
        Heat2dConfig defaults = Heat2dConfig.defaults();
        assertThatThrownBy(() -> defaults.withGrid(100, 100, 3, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must divide");
        assertThatThrownBy(() -> defaults.withSteps(101, 20))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiple of the share interval");
        assertThatThrownBy(() -> new Heat2dConfig(8, 8, 1, 1, 10, 1, 1, 0.3, 0, 0, 0, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cfl");
        assertThatThrownBy(() -> defaults.withHeater(0.1, 25, 1.0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("steer factor");
    }

    @Test
    void neighboursFollowTheRowMajorProcessGrid() {
        Decomposition d = new Decomposition(8, 12, 2, 3);
        assertThat(d.coords(4)).containsExactly(1, 1);
        assertThat(d.neighbour(4, Side.NORTH)).isEqualTo(1);
        assertThat(d.neighbour(4, Side.SOUTH)).isEqualTo(Decomposition.NONE);
        assertThat(d.neighbour(4, Side.WEST)).isEqualTo(3);
        assertThat(d.neighbour(4, Side.EAST)).isEqualTo(5);
        assertThat(d.neighbour(0, Side.WEST)).isEqualTo(Decomposition.NONE);
        assertThat(d.edgeLength(Side.NORTH)).isEqualTo(4);
        assertThat(d.edgeLength(Side.EAST)).isEqualTo(4);
    }

    @Test
    void rankResultLinesRoundTrip() {
        RankResult result = new RankResult(3, 400, 12345.678901234567, 20.000000001, 64.1, 1024, 0.025);
        assertThat(RankResult.parse("  " + result.toLine() + "\n")).contains(result);
        assertThat(RankResult.parse("some log line")).isEmpty();
    }
}
