package io.deisa.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The analytics on a real session cluster: {@code bin/cluster} starts a JobManager and two
 * TaskManagers as separate JVMs, {@code bin/cluster submit} uploads the shaded analytics jar and
 * runs {@link StatisticsAnalytics} through the REST API, and a simulation of four ranks (threads)
 * connects to the head the job opened on the JobManager.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class SessionClusterITCase {
    private static final int RANKS = 4;
    private static final int TIMESTEPS = 6;
    /**
     * Where the web UI screenshot goes: {@code cluster/target/web-ui.png}, or the README's
     * {@code docs/web-ui.png} when the environment sets {@code DEISA_UPDATE_SCREENSHOT=1}.
     */
    private static final Path SCREENSHOT = "1".equals(System.getenv("DEISA_UPDATE_SCREENSHOT"))
            ? SessionCluster.ROOT.resolve("docs/web-ui.png")
            : SessionCluster.ROOT.resolve("cluster/target/web-ui.png");

    private static SessionCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = SessionCluster.start(2);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            List<ProcessHandle> processes = cluster.processes();
            cluster.close();
            assertThat(processes).as("cluster JVMs left after bin/cluster stop").noneMatch(ProcessHandle::isAlive);
        }
    }

    @Test
    void statisticsOfTheSubmittedJobMatchTheSimulationsOwnData() throws Exception {
        assertThat(cluster.get("/taskmanagers").get("taskmanagers")).hasSize(2);
        int headPort = SessionCluster.freePort();
        String jobId = submitStatistics(headPort);

        Simulation simulation = new Simulation(RANKS, TIMESTEPS, "127.0.0.1:" + headPort);
        List<Map<String, List<Object>>> feedback = simulation.run(rank -> { }, "mean", "min", "max");

        assertThat(cluster.awaitTerminal(jobId, Duration.ofSeconds(60))).isEqualTo("FINISHED");
        for (int t = 0; t < TIMESTEPS; t++) {
            double[] values = simulation.sentAt(t);
            double mean = Arrays.stream(values).sum() / values.length;
            double min = Arrays.stream(values).min().orElseThrow();
            double max = Arrays.stream(values).max().orElseThrow();
            for (Map<String, List<Object>> rank : feedback) {
                assertThat((Double) rank.get("mean").get(t)).as("mean at %d", t).isCloseTo(mean, within(1e-12));
                assertThat((Double) rank.get("min").get(t)).as("min at %d", t).isEqualTo(min);
                assertThat((Double) rank.get("max").get(t)).as("max at %d", t).isEqualTo(max);
            }
        }
        // The head ran on the JobManager, and the feedback publisher on a TaskManager reached it.
        String jobManagerLog = Files.readString(cluster.runDir.resolve("log/jobmanager.log"));
        assertThat(jobManagerLog)
                .containsPattern("Analytics head of run \\w+ listening on 0\\.0\\.0\\.0:" + headPort)
                .contains("Feedback publisher connected from");
    }

    @Test
    void theWebUiShowsTheJobItsOperatorsAndCustomMetrics() throws Exception {
        int headPort = SessionCluster.freePort();
        String jobId = submitStatistics(headPort);
        CountDownLatch inspected = new CountDownLatch(1);
        Simulation simulation = new Simulation(RANKS, TIMESTEPS, "127.0.0.1:" + headPort);
        Thread ranks = new Thread(() -> {
            try {
                // The job keeps running (every timestep analysed, the run not closed) until inspected.
                simulation.run(rank -> inspected.await(3, TimeUnit.MINUTES));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "simulation");
        ranks.start();
        try {
            String assemble = vertexId(jobId, "Assemble arrays");
            awaitMetric(jobId, assemble, "Assemble_arrays.arraysAssembled", TIMESTEPS);
            inspectWebUi(jobId, assemble);
        } finally {
            inspected.countDown();
            ranks.join(TimeUnit.SECONDS.toMillis(90));
        }
        assertThat(cluster.awaitTerminal(jobId, Duration.ofSeconds(60))).isEqualTo("FINISHED");
    }

    private static void inspectWebUi(String jobId, String vertexId) throws Exception {
        Duration timeout = Duration.ofSeconds(30);
        String select = "document.querySelector('flink-job-overview-drawer-chart nz-select')";
        try (HeadlessChromium chromium = HeadlessChromium.start(1440, 1280)) {
            try {
                chromium.navigate(cluster.restUrl() + "/#/job/running/" + jobId + "/overview/" + vertexId + "/metrics");
                chromium.await("document.body.innerText.includes('Publish feedback and progress') && " + select,
                        timeout);
                assertThat(chromium.evaluate("document.body.innerText").asText()).contains("deisa analytics",
                        "Bridges (head 0.0.0.0:", "Assemble arrays", "Analytics callbacks",
                        "Publish feedback and progress");

                List<String> shown = new ArrayList<>();
                for (String metric : List.of("arraysAssembled", "chunksIn", "assemblyLatencyMs_p99")) {
                    // Open the metric dropdown, search for the metric, pick its option: a chart appears.
                    chromium.evaluate("(" + select + ".click(), " + select + ".querySelector('input').focus(), true)");
                    chromium.type(metric);
                    String option = "[...document.querySelectorAll('nz-option-item')]"
                            + ".find(o => o.innerText.trim().endsWith('." + metric + "'))";
                    chromium.await(option, timeout);
                    chromium.evaluate("(" + option + ".click(), true)");
                    String title = "[...document.querySelectorAll('flink-job-chart .title .text')]"
                            + ".find(t => t.textContent.trim().endsWith('." + metric + "'))";
                    chromium.await(title, timeout);
                    shown.add(chromium.evaluate(title + ".textContent.trim()").asText());
                }
                assertThat(shown).containsExactly("0.Assemble_arrays.arraysAssembled",
                        "0.Assemble_arrays.chunksIn", "0.Assemble_arrays.assemblyLatencyMs_p99");
                // Wide charts showing the current values (the operator list below them names the whole graph).
                chromium.evaluate("[...document.querySelectorAll('flink-job-chart button')]"
                        + ".filter(b => ['Big', 'Numeric'].includes(b.innerText.trim())).forEach(b => b.click())");
                chromium.evaluate("(document.activeElement.blur(), document.body.click(), true)");
                chromium.await("[...document.querySelectorAll('flink-job-chart .numeric')].filter(e => e.offsetParent).length >= 3",
                        timeout);
                Thread.sleep(2000); // the UI refreshes metrics every few seconds
                chromium.screenshot(SCREENSHOT);
            } catch (Exception | AssertionError e) {
                chromium.screenshot(cluster.runDir.resolve("web-ui-failure.png"));
                throw e;
            }
        }
        assertThat(Files.size(SCREENSHOT)).isBetween(10_000L, 400_000L);
    }

    private static String submitStatistics(int headPort) throws Exception {
        String jobId = cluster.submit(StatisticsAnalytics.class.getName(),
                "--head", "0.0.0.0:" + headPort, "--array", Simulation.ARRAY, "--parallelism", "2");
        JsonNode job = cluster.get("/jobs/" + jobId);
        assertThat(job.get("name").asText()).isEqualTo("deisa analytics");
        List<String> names = new ArrayList<>();
        job.get("vertices").forEach(v -> names.add(v.get("name").asText()));
        assertThat(names).anySatisfy(n -> assertThat(n).contains("Bridges (head 0.0.0.0:" + headPort + ")"))
                .anySatisfy(n -> assertThat(n).contains("Assemble arrays"))
                .anySatisfy(n -> assertThat(n).contains("Analytics callbacks"))
                .anySatisfy(n -> assertThat(n).contains("Publish feedback and progress"));
        return jobId;
    }

    private static String vertexId(String jobId, String name) throws Exception {
        for (JsonNode vertex : cluster.get("/jobs/" + jobId).get("vertices")) {
            if (vertex.get("name").asText().contains(name)) {
                return vertex.get("id").asText();
            }
        }
        throw new AssertionError("job " + jobId + " has no vertex " + name);
    }

    /** Waits until the sum over subtasks of the vertex metric {@code name} ({@code Operator_name.metric}) reaches {@code atLeast}. */
    private static void awaitMetric(String jobId, String vertexId, String name, double atLeast) throws Exception {
        String path = "/jobs/" + jobId + "/vertices/" + vertexId + "/subtasks/metrics?get=" + name + "&agg=sum";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        double value = 0;
        while (System.nanoTime() < deadline) {
            JsonNode metrics = cluster.get(path);
            value = metrics.size() == 0 ? 0 : metrics.get(0).path("sum").asDouble();
            if (value >= atLeast) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError(name + " of vertex " + vertexId + " stayed at " + value + " < " + atLeast);
    }
}
