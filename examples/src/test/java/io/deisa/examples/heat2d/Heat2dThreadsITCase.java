package io.deisa.examples.heat2d;

import io.deisa.examples.heat2d.Heat2dRunAssertions.Analytics;

import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** heat2d end to end: the simulation as threads (ThreadHaloExchange, TcpCommunicator), the analytics on a MiniCluster. */
class Heat2dThreadsITCase {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(4).build());

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void analyticsMatchTheRanksFinalStateAndSteerTheHeater(@TempDir Path dir) throws Exception {
        Analytics analytics = Heat2dRunAssertions.startAnalytics(dir);
        List<RankResult> ranks = ThreadRanks.run(Heat2dRunAssertions.CONFIG, analytics.head(), Duration.ofSeconds(60));
        analytics.done().get(60, TimeUnit.SECONDS);
        Heat2dRunAssertions.assertResults(dir, ranks);
    }
}
