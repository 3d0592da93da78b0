package io.deisa.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.deisa.analytics.ChunkAggregates;
import io.deisa.analytics.DeisaArray;
import io.deisa.analytics.Summary;
import io.deisa.analytics.WindowSpec;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A TaskManager lost mid-run loses no timestep: the job restarts from its last completed
 * checkpoint, readers reconnect to their bridges, and the bridges send again every chunk the
 * checkpoint does not cover. Every callback runs for every timestep with exactly the right window,
 * {@code Bridge.get} sees one value per key and timestep, and no bridge sees an error.
 */
class ExactlyOnceITCase {
    private static final int TIMESTEPS = 60;

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(4)
            .build());

    /** Task managers started so far: the MiniCluster appends new ones, the next to kill is the last. */
    private static int taskManagers = 1;

    @Test
    void aTaskManagerKilledMidRunLosesNoTimestep(@InjectMiniCluster MiniCluster cluster) throws Exception {
        runKilling(cluster, Duration.ofMillis(100), 25);
    }

    @Test
    void twoFailuresInARow(@InjectMiniCluster MiniCluster cluster) throws Exception {
        runKilling(cluster, Duration.ofMillis(100), 15, 35);
    }

    @Test
    void aFailureBeforeTheFirstCheckpointCompletes(@InjectMiniCluster MiniCluster cluster) throws Exception {
        // The first checkpoint comes after a random delay of at least the minimum pause: 10 minutes.
        Configuration noCheckpointYet = new Configuration();
        noCheckpointYet.set(CheckpointingOptions.MIN_PAUSE_BETWEEN_CHECKPOINTS, Duration.ofMinutes(10));
        runKilling(cluster, Duration.ofMinutes(10), noCheckpointYet, 10);
    }

    /**
     * The task manager dies while a checkpoint is in flight: a callback holds the task for 3 s, so
     * the barriers of the checkpoints triggered meanwhile (every 100 ms) wait behind it; the kill
     * aborts them and the job restores the last completed one.
     */
    @Test
    void aFailureDuringACheckpoint(@InjectMiniCluster MiniCluster cluster) throws Exception {
        runHolding(cluster, Duration.ofMillis(100), 20);
    }

    /**
     * The job's coordinator fails over: a callback holds its task longer than the checkpoint
     * timeout, the checkpoint in flight expires, and with no failed checkpoint tolerated Flink fails
     * the job globally. The split enumerator, and with it the head, is recreated from the last
     * completed checkpoint; the bridges rejoin the new head and the restored readers (with new
     * fencing tokens) replay what the checkpoint does not cover.
     */
    @Test
    void theJobsCoordinatorFailingOverLosesNoTimestep(@InjectMiniCluster MiniCluster cluster) throws Exception {
        Configuration expiring = new Configuration();
        expiring.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, Duration.ofSeconds(1));
        expiring.set(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, 0);
        runScenario(cluster, Duration.ofMillis(100), expiring, 20, false);
        assertThat(lastJobsExceptions(cluster)).as("the job failed over globally")
                .contains("Exceeded checkpoint tolerable failure threshold");
    }

    /**
     * Aggregates are exactly once too: the open partial accumulators are in the checkpoint with the
     * readers' positions, so after a TaskManager is killed every timestep's summary counts each
     * chunk once, with two readers combining and merging.
     */
    @Test
    void aggregatesLoseNoTimestepWhenATaskManagerIsKilled(@InjectMiniCluster MiniCluster cluster) throws Exception {
        SimulationHarness world = new SimulationHarness(2);
        String summaries = CallbackRecorder.newKey();
        Deisa deisa = new Deisa(world.options().maxSimulationAhead(2).checkpointInterval(Duration.ofMillis(100))
                .build());
        deisa.registerCallback((w, c) -> {
            List<Object> window = new ArrayList<>();
            for (Summary summary : w.<Summary>aggregates("array")) {
                window.add(List.of(summary.count(), summary.sum()));
            }
            CallbackRecorder.record(summaries, List.of(w.timestep(), window));
            Thread.sleep(10); // spread the run over several checkpoints
        }, List.of(WindowSpec.of("array", 3).aggregate(ChunkAggregates.summary())));
        CompletableFuture<SimulationHarness.Outcome> run = CompletableFuture.supplyAsync(() -> {
            try {
                return world.run(deisa, world.scalars("array"), SimulationHarness.scalarsThenClose("array", 0,
                        TIMESTEPS - 1));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        killTaskManagerOnceObserved(cluster, summaries, 25);
        Map<Long, List<Object>> byTimestep = awaitEveryTimestep(run, summaries);
        for (long t = 0; t < TIMESTEPS; t++) {
            List<Object> expected = new ArrayList<>();
            for (long s = Math.max(0, t - 2); s <= t; s++) {
                expected.add(List.of(2L, 3.0 * s)); // ranks send s and 2 s
            }
            assertThat(byTimestep.get(t)).as("summaries of timestep %d", t).isNotEmpty().containsOnly(expected);
        }
    }

    /** Kills the task manager running the job (and starts a new one) once {@code count} callbacks were recorded. */
    private static void killTaskManagerOnceObserved(MiniCluster cluster, String key, int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (CallbackRecorder.observed(key).size() < count && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(CallbackRecorder.observed(key)).as("callbacks before the kill").hasSizeGreaterThanOrEqualTo(count);
        cluster.terminateTaskManager(taskManagers - 1).get(30, TimeUnit.SECONDS);
        cluster.startTaskManager();
        taskManagers++;
    }

    /**
     * Waits for the run to end without error on both ranks, and returns what the callbacks recorded
     * ({@code [timestep, observation]}) by timestep; every timestep was recorded at least once.
     */
    private static Map<Long, List<Object>> awaitEveryTimestep(CompletableFuture<SimulationHarness.Outcome> run,
            String key) throws Exception {
        SimulationHarness.Outcome outcome = run.get(120, TimeUnit.SECONDS);
        assertThat(outcome.analyticsError()).isNull();
        assertThat(outcome.ranks()).containsExactly((long) TIMESTEPS - 1, (long) TIMESTEPS - 1);
        Map<Long, List<Object>> byTimestep = new LinkedHashMap<>();
        for (Object observation : CallbackRecorder.observed(key)) {
            List<?> call = (List<?>) observation;
            byTimestep.computeIfAbsent((Long) call.get(0), t -> new ArrayList<>()).add(call.get(1));
        }
        assertThat(byTimestep.keySet()).hasSize(TIMESTEPS);
        return byTimestep;
    }

    /** The REST exception history of the job started last. */
    private static String lastJobsExceptions(MiniCluster cluster) throws Exception {
        String job = cluster.listJobs().get().stream()
                .max(java.util.Comparator.comparingLong(org.apache.flink.runtime.client.JobStatusMessage::getStartTime))
                .orElseThrow().getJobId().toString();
        URI uri = URI.create(cluster.getRestAddress().get() + "/jobs/" + job + "/exceptions");
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** Waits until the running job's REST statistics show a checkpoint in progress. */
    private static void awaitCheckpointInProgress(MiniCluster cluster) throws Exception {
        String job = cluster.listJobs().get().stream().filter(j -> !j.getJobState().isGloballyTerminalState())
                .findFirst().orElseThrow().getJobId().toString();
        URI uri = URI.create(cluster.getRestAddress().get() + "/jobs/" + job + "/checkpoints");
        HttpClient http = HttpClient.newHttpClient();
        Pattern inProgress = Pattern.compile("\"in_progress\"\\s*:\\s*([0-9]+)");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            String body = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).body();
            Matcher count = inProgress.matcher(body);
            if (count.find() && Integer.parseInt(count.group(1)) > 0) {
                return;
            }
        }
        throw new AssertionError("no checkpoint in progress within 30 s: " + uri);
    }

    /** Per run key: released when the callback of the paused timestep starts holding its task. */
    private static final Map<String, CountDownLatch> HOLDING = new ConcurrentHashMap<>();

    /**
     * Two bridges of scalars {@code t * (rank + 1)}, a callback over a window of 3 that publishes the
     * sum, and the task manager killed (and a new one started) once the callbacks reached each of
     * {@code killAt}.
     */
    private static void runKilling(MiniCluster cluster, Duration checkpointInterval, int... killAt) throws Exception {
        runScenario(cluster, checkpointInterval, new Configuration(), -1, false, killAt);
    }

    private static void runKilling(MiniCluster cluster, Duration checkpointInterval, Configuration conf, int... killAt)
            throws Exception {
        runScenario(cluster, checkpointInterval, conf, -1, false, killAt);
    }

    /** Kills while the callback of {@code holdAt} holds its task (the first time it runs). */
    private static void runHolding(MiniCluster cluster, Duration checkpointInterval, long holdAt) throws Exception {
        runScenario(cluster, checkpointInterval, new Configuration(), holdAt, true);
    }

    /**
     * Runs the scenario: the callback of {@code holdAt} holds its task for 3 s the first time it
     * runs ({@code -1}: never), and when {@code killWhileHolding} the task manager is killed (and a
     * new one started) meanwhile; and it is killed once the callbacks reached each of {@code killAt}.
     */
    private static void runScenario(MiniCluster cluster, Duration checkpointInterval, Configuration conf, long holdAt,
            boolean killWhileHolding, int... killAt) throws Exception {
        SimulationHarness world = new SimulationHarness(2);
        String windows = CallbackRecorder.newKey();
        CountDownLatch holding = new CountDownLatch(1);
        HOLDING.put(windows, holding);
        Deisa deisa = new Deisa(world.options().maxSimulationAhead(2).checkpointInterval(checkpointInterval)
                .configuration(conf).build());
        deisa.registerCallback((w, c) -> {
            List<Double> window = new ArrayList<>();
            for (DeisaArray array : w.get("array")) {
                window.add(array.sum());
            }
            CallbackRecorder.record(windows, List.of(w.timestep(), window));
            c.set("sum", window.get(window.size() - 1), w.timestep());
            CountDownLatch hold = HOLDING.get(windows);
            if (w.timestep() == holdAt && hold.getCount() > 0) {
                hold.countDown();
                Thread.sleep(3_000); // interrupted by the kill or the failover
            }
            Thread.sleep(10); // spread the run over several checkpoints
        }, List.of(WindowSpec.of("array", 3)));

        Map<Integer, List<Object>> feedback = Collections.synchronizedMap(new LinkedHashMap<>());
        CompletableFuture<SimulationHarness.Outcome> run = CompletableFuture.supplyAsync(() -> {
            try {
                return world.run(deisa, world.scalars("array"), (bridge, rank) -> {
                    List<Object> got = new ArrayList<>();
                    for (int t = 0; t < TIMESTEPS; t++) {
                        bridge.send("array", new int[] {t * (rank + 1)}, t);
                        if (t >= 3) {
                            got.add(bridge.get("sum", t - 3)); // maxSimulationAhead 2: t - 3 is done
                        }
                    }
                    feedback.put(rank, got);
                    return bridge.close(TIMESTEPS - 1);
                });
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        if (holdAt >= 0 && killWhileHolding) {
            assertThat(holding.await(60, TimeUnit.SECONDS)).as("the callback of %d holds its task", holdAt).isTrue();
            awaitCheckpointInProgress(cluster);
            cluster.terminateTaskManager(taskManagers - 1).get(30, TimeUnit.SECONDS);
            cluster.startTaskManager();
            taskManagers++;
        }
        for (int at : killAt) {
            killTaskManagerOnceObserved(cluster, windows, at);
        }
        // Callbacks after the last checkpoint may run again (side effects are at least once), but
        // every run of a timestep saw the same, right window.
        Map<Long, List<Object>> byTimestep = awaitEveryTimestep(run, windows);
        for (long t = 0; t < TIMESTEPS; t++) {
            List<Double> expected = new ArrayList<>();
            for (long s = Math.max(0, t - 2); s <= t; s++) {
                expected.add(3.0 * s);
            }
            assertThat(byTimestep.get(t)).as("windows of timestep %d", t).isNotEmpty().containsOnly(expected);
        }
        for (int rank = 0; rank < 2; rank++) {
            List<Object> expected = new ArrayList<>();
            for (int t = 3; t < TIMESTEPS; t++) {
                expected.add(3.0 * (t - 3));
            }
            assertThat(feedback.get(rank)).as("feedback read by rank %d", rank).isEqualTo(expected);
        }
    }
}
