package io.deisa.bench.process;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SlowdownRankTest {

    @Test
    void theMedianSendIsTheMiddleOfTheRecordedCallsOnly() {
        long[] times = {50, 10, 30, 0, 0};

        assertThat(SlowdownRank.median(times, 3)).isEqualTo(30);
        assertThat(SlowdownRank.median(new long[] {40, 10, 20, 30}, 4)).isEqualTo(25);
        assertThat(SlowdownRank.median(times, 0)).isZero();
        assertThat(times).containsExactly(50, 10, 30, 0, 0);
    }
}
