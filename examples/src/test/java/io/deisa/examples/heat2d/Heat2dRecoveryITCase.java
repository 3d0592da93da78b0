package io.deisa.examples.heat2d;

import static org.assertj.core.api.Assertions.assertThat;

import io.deisa.examples.heat2d.Heat2dRunAssertions.Analytics;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * heat2d with the TaskManager running the analytics terminated mid-run: the job restarts from its
 * last checkpoint, the bridges replay what it does not cover, and the results are those of a run
 * without failure (the same checks as {@link Heat2dThreadsITCase}: one row per shared timestep,
 * the last row and snapshot against the ranks' own final state, the steering applied).
 */
class Heat2dRecoveryITCase {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(4).build());

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aTaskManagerLostMidRunChangesNoResult(@InjectMiniCluster MiniCluster cluster, @TempDir Path dir)
            throws Exception {
        Analytics analytics = Heat2dRunAssertions.startAnalytics(dir);
        CompletableFuture<List<RankResult>> ranks = CompletableFuture.supplyAsync(() -> {
            try {
                return ThreadRanks.run(Heat2dRunAssertions.CONFIG, analytics.head(), Duration.ofSeconds(60));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Path stats = dir.resolve(Heat2dAnalytics.STATS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (rows(stats) < 15 && System.nanoTime() < deadline && !ranks.isDone()) {
            Thread.onSpinWait();
        }
        assertThat(rows(stats)).as("timesteps analysed before the failure").isBetween(15, 40);
        JobID job = cluster.listJobs().get().stream()
                .filter(j -> !j.getJobState().isGloballyTerminalState()).findFirst().orElseThrow().getJobId();
        cluster.terminateTaskManager(taskManagers - 1).get(30, TimeUnit.SECONDS);
        cluster.startTaskManager();
        taskManagers++;

        List<RankResult> results = ranks.get(120, TimeUnit.SECONDS);
        analytics.done().get(60, TimeUnit.SECONDS);
        assertThat(cluster.getArchivedExecutionGraph(job).get().getStatusTimestamp(JobStatus.RESTARTING))
                .as("the job restarted").isPositive();
        Heat2dRunAssertions.assertResults(dir, results);
    }

    /** Task managers started so far: the MiniCluster appends new ones. */
    private static int taskManagers = 1;

    private static int rows(Path stats) {
        try {
            return Files.exists(stats) ? StatsRow.read(stats).size() : 0;
        } catch (Exception e) {
            return 0; // renamed into place while we read: try again
        }
    }
}
