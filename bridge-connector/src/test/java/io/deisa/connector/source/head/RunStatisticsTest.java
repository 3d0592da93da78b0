package io.deisa.connector.source.head;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RunStatisticsTest {
    private final RunStatistics statistics = new RunStatistics();

    @Test
    void aReportThatAdvancesTheNewestTimestepIsPublishedAtOnce() {
        assertThat(statistics.update(0, 5, 1_000_000)).isTrue();
        assertThat(statistics.update(1, 7, 3_000_000)).isTrue();
        assertThat(statistics.newestTimestep()).isEqualTo(7);
        assertThat(statistics.blockedMillis()).isEqualTo(4);
        assertThat(statistics.flush()).as("nothing left to publish").isFalse();
    }

    @Test
    void otherChangesWaitForTheFlush() {
        statistics.update(1, 7, 3_000_000);
        assertThat(statistics.update(0, 5, 1_000_000)).as("timestep 5 is older than 7").isFalse();
        assertThat(statistics.update(0, 7, 2_000_000)).as("7 is not newer").isFalse();
        assertThat(statistics.blockedMillis()).as("bridge 0's newest report replaces its older one").isEqualTo(5);
        assertThat(statistics.flush()).isTrue();
        assertThat(statistics.flush()).isFalse();
    }

    @Test
    void blockedTimeBelowAMillisecondIsNotWorthAFrame() {
        statistics.update(0, 1, 1_000_000);
        statistics.update(0, 1, 1_500_000);
        assertThat(statistics.flush()).isFalse();
    }
}
