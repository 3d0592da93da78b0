package io.deisa.connector.source.head;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RunProgressTest {
    @Test
    void timestepsAheadIsTheGapBetweenSimulationAndAnalytics() {
        assertThat(new RunProgress(3, 7, 0, 0, 0, 0, 0).timestepsAhead()).isEqualTo(4);
        assertThat(new RunProgress(8, 7, 0, 0, 0, 0, 0).timestepsAhead()).isZero();
        assertThat(new RunProgress(Long.MAX_VALUE, 7, 0, 0, 0, 0, 0).timestepsAhead()).as("after the end").isZero();
        assertThat(new RunProgress(Long.MIN_VALUE, 7, 0, 0, 0, 0, 0).timestepsAhead()).as("before analytics start").isZero();
        assertThat(new RunProgress(3, Long.MIN_VALUE, 0, 0, 0, 0, 0).timestepsAhead()).isZero();
    }
}
