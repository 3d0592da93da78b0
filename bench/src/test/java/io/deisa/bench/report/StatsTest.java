package io.deisa.bench.report;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StatsTest {

    @Test
    void medianOfOddAndEvenSamples() {
        assertThat(Stats.of(3, 1, 2).median()).isEqualTo(2);
        assertThat(Stats.of(4, 1, 3, 2).median()).isEqualTo(2.5);
    }

    @Test
    void minMaxAndRange() {
        Stats stats = Stats.of(5, 9, 1);
        assertThat(stats.min()).isEqualTo(1);
        assertThat(stats.max()).isEqualTo(9);
        assertThat(stats.count()).isEqualTo(3);
        assertThat(stats.medianRange(1)).isEqualTo("5.0 (1.0–9.0)");
    }

    @Test
    void nearestRankPercentiles() {
        double[] values = new double[100];
        for (int i = 0; i < 100; i++) {
            values[i] = 100 - i; // 100 .. 1, unsorted on purpose
        }
        Stats stats = Stats.of(values);
        assertThat(stats.percentile(50)).isEqualTo(50);
        assertThat(stats.percentile(90)).isEqualTo(90);
        assertThat(stats.percentile(99)).isEqualTo(99);
        assertThat(stats.percentile(100)).isEqualTo(100);
        assertThat(Stats.of(7).percentile(1)).isEqualTo(7);
    }

    @Test
    void rejectsEmptySamplesAndBadPercentiles() {
        assertThatThrownBy(Stats::of).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> Stats.of(1).percentile(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(0, 100]");
    }
}
