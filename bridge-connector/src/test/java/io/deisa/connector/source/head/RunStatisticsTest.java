package io.deisa.connector.source.head;

import static org.assertj.core.api.Assertions.assertThat;

import io.deisa.wire.message.BridgeStats;

import org.junit.jupiter.api.Test;

class RunStatisticsTest {
    private final RunStatistics statistics = new RunStatistics();

    @Test
    void aReportThatAdvancesTheNewestTimestepIsPublishedAtOnce() {
        assertThat(statistics.update(0, new BridgeStats(5, 1_000_000, 0, 0, 0))).isTrue();
        assertThat(statistics.update(1, new BridgeStats(7, 3_000_000, 0, 0, 0))).isTrue();
        assertThat(statistics.newestTimestep()).isEqualTo(7);
        assertThat(statistics.blockedMillis()).isEqualTo(4);
        assertThat(statistics.flush()).as("nothing left to publish").isFalse();
    }

    @Test
    void otherChangesWaitForTheFlush() {
        statistics.update(1, new BridgeStats(7, 3_000_000, 0, 0, 0));
        assertThat(statistics.update(0, new BridgeStats(5, 1_000_000, 0, 0, 0))).as("timestep 5 is older than 7").isFalse();
        assertThat(statistics.update(0, new BridgeStats(7, 2_000_000, 0, 0, 0))).as("7 is not newer").isFalse();
        assertThat(statistics.blockedMillis()).as("bridge 0's newest report replaces its older one").isEqualTo(5);
        assertThat(statistics.flush()).isTrue();
        assertThat(statistics.flush()).isFalse();
    }

    @Test
    void blockedTimeBelowAMillisecondIsNotWorthAFrame() {
        statistics.update(0, new BridgeStats(1, 1_000_000, 0, 0, 0));
        statistics.update(0, new BridgeStats(1, 1_500_000, 0, 0, 0));
        assertThat(statistics.flush()).isFalse();
    }

    @Test
    void retentionIsTheSumOfTheBridgesBytesAndTheOldestOfTheirAges() {
        statistics.update(0, new BridgeStats(1, 0, 1_000, 40, 0));
        statistics.update(1, new BridgeStats(1, 0, 3_000, 250, 0));
        assertThat(statistics.retainedBytes()).isEqualTo(4_000);
        assertThat(statistics.oldestRetainedMillis()).isEqualTo(250);
        statistics.flush();
        statistics.update(1, new BridgeStats(1, 0, 0, 0, 0)); // an acknowledgement freed bridge 1
        assertThat(statistics.retainedBytes()).isEqualTo(1_000);
        assertThat(statistics.oldestRetainedMillis()).isEqualTo(40);
        assertThat(statistics.flush()).as("retention changed").isTrue();
    }

    @Test
    void retentionBlockedTimeIsSummedOverBridgesApartFromBackPressure() {
        RunStatistics statistics = new RunStatistics();
        statistics.update(0, new BridgeStats(1, 4_000_000, 0, 0, 1_000_000));
        statistics.update(1, new BridgeStats(1, 0, 0, 0, 2_500_000));
        statistics.update(0, new BridgeStats(2, 4_000_000, 0, 0, 3_000_000));
        assertThat(statistics.toMessage().retentionBlockedMillis()).isEqualTo(5);
        assertThat(statistics.toMessage().blockedMillis()).isEqualTo(4);
        assertThat(statistics.flush()).as("the last update published the totals").isFalse();
        statistics.update(1, new BridgeStats(1, 0, 0, 0, 4_500_000));
        assertThat(statistics.flush()).isTrue();
        assertThat(statistics.toMessage().retentionBlockedMillis()).isEqualTo(7);
    }
}
