package io.deisa.examples.heat2d;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.deisa.cluster.SessionCluster;

import hdf.hdf5lib.H5;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * heat2d on a real session cluster: {@code bin/cluster start} runs a JobManager and two
 * TaskManagers as separate JVMs, {@code bin/cluster submit} uploads the shaded analytics jar
 * ({@code target/deisa-examples-*-analytics.jar}) and runs {@code Heat2dCli analytics} through the
 * REST API, {@code mpirun -np 4} runs {@code Heat2dCli simulation --mpi} against the head the job
 * opened on the JobManager, and {@code bin/cluster wait} waits for the job to finish. The CSV and
 * the HDF5 snapshots the analytics wrote on a TaskManager (same machine) are checked against the
 * ranks' own final state ({@link Heat2dRunAssertions}); the cluster is stopped and no JVM of it
 * may be left. Needs Open MPI and its Java bindings (bin/setup): skipped where they are missing
 * outside CI, failing in CI ({@code CI=true}).
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class Heat2dSessionClusterITCase {
    private static final long TIMEOUT_SECONDS = 120;

    @Test
    void heat2dAnalyticsSubmittedToASessionClusterAgainstFourMpiRanks() throws Exception {
        runOnSessionCluster("it-heat2d-cluster-", null);
    }

    /**
     * The same run with the TaskManager that runs the callbacks killed with SIGKILL mid-run: the job
     * restarts from its last checkpoint on the other TaskManager, the bridges replay what the
     * checkpoint does not cover, and the results are those of a run without the kill.
     */
    @Test
    void aTaskManagerKilledMidRunChangesNoResult() throws Exception {
        runOnSessionCluster("it-heat2d-kill-", "Analytics callbacks");
    }

    /**
     * heat2d on a 2-TaskManager session cluster against 4 MPI ranks; when {@code killVertex} is set,
     * the TaskManager running that vertex is killed once the analytics wrote 10 of their 41 rows.
     */
    private static void runOnSessionCluster(String runName, String killVertex) throws Exception {
        Optional<MpirunLauncher> launcher = MpirunLauncher.find();
        Assumptions.assumeTrue(launcher.isPresent() || "true".equalsIgnoreCase(System.getenv("CI")),
                "Open MPI with Java bindings is not installed: run bin/setup");
        assertThat(launcher).as("mpirun, ompi_info and libmpi_java.so (installed by bin/setup)").isPresent();

        Path dir = Path.of("target", runName + ProcessHandle.current().pid()).toAbsolutePath();
        Path output = dir.resolve("output");
        Path mpirunOutput = dir.resolve("mpirun.out");
        Files.createDirectories(dir);

        // A lost TaskManager is noticed within seconds, not after the default 50 s heartbeat timeout.
        SessionCluster cluster = SessionCluster.start(2, dir.resolve("cluster"),
                "-Dheartbeat.interval=1000", "-Dheartbeat.timeout=5000");
        List<ProcessHandle> jvms = cluster.processes();
        try {
            assertThat(jvms).as("JobManager + 2 TaskManagers").hasSize(3).allMatch(ProcessHandle::isAlive);
            assertThat(cluster.get("/taskmanagers").get("taskmanagers")).hasSize(2);

            int headPort = SessionCluster.freePort();
            List<String> args = new ArrayList<>(List.of("analytics", "--head", "0.0.0.0:" + headPort,
                    "--output", output.toString(),
                    "--snapshot-every", Integer.toString(Heat2dRunAssertions.SNAPSHOT_EVERY), "--parallelism", "2"));
            args.addAll(Heat2dRunAssertions.CONFIG.toArgs());
            String jobId = cluster.submit(analyticsJar(), Heat2dCli.class.getName(), args.toArray(String[]::new));
            assertThat(cluster.get("/jobs/" + jobId).get("name").asText()).isEqualTo("deisa analytics");

            Process mpirun = launcher.get().start(Heat2dRunAssertions.CONFIG, "127.0.0.1:" + headPort,
                    Duration.ofSeconds(60), mpirunOutput);
            try {
                if (killVertex != null) {
                    awaitRows(output.resolve(Heat2dAnalytics.STATS), 10, mpirun);
                    ProcessHandle killed = cluster.killTaskManagerRunning(jobId, killVertex);
                    assertThat(killed.isAlive()).isFalse();
                }
                assertThat(mpirun.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("mpirun ended: %s", read(mpirunOutput)).isTrue();
                assertThat(mpirun.exitValue()).as("mpirun exit code; output:%n%s", read(mpirunOutput)).isZero();
            } finally {
                mpirun.descendants().forEach(ProcessHandle::destroyForcibly);
                mpirun.destroyForcibly();
            }
            try {
                cluster.script(Duration.ofSeconds(90), "wait", jobId);
            } catch (AssertionError e) {
                fail("the job did not finish: %s%nmpirun output:%n%s", e.getMessage(), read(mpirunOutput));
            }
            assertThat(cluster.get("/jobs/" + jobId).get("state").asText()).isEqualTo("FINISHED");
            if (killVertex != null) {
                assertThat(cluster.get("/jobs/" + jobId + "/exceptions").get("exceptionHistory").get("entries"))
                        .as("the failure the kill caused").isNotEmpty();
            }

            // The head ran on the JobManager; the ranks' final state against the analytics' results.
            assertThat(Files.readString(cluster.runDir.resolve("log/jobmanager.log")))
                    .containsPattern("Analytics head of run \\w+ listening on 0\\.0\\.0\\.0:" + headPort);
            loadHdf5Library();
            Heat2dRunAssertions.assertResults(output, MpirunLauncher.results(mpirunOutput));
        } finally {
            cluster.close();
            assertThat(jvms).as("cluster JVMs left after bin/cluster stop").noneMatch(ProcessHandle::isAlive);
        }
    }

    /** Waits until the analytics stored {@code rows} rows, while the simulation runs. */
    private static void awaitRows(Path stats, int rows, Process simulation) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (System.nanoTime() < deadline && simulation.isAlive()) {
            if (Files.exists(stats) && StatsRow.read(stats).size() >= rows) {
                return;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("the analytics did not store " + rows + " rows in " + stats
                + (simulation.isAlive() ? " in time" : " before the simulation ended"));
    }

    /** The shaded analytics jar built by this module before its tests. */
    private static Path analyticsJar() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            return files.filter(p -> p.getFileName().toString().endsWith("-analytics.jar")).findFirst()
                    .map(Path::toAbsolutePath)
                    .orElseThrow(() -> new AssertionError("no examples/target/*-analytics.jar: run mvn package"));
        }
    }

    /**
     * JHDF5's native library in this JVM, to read the snapshots back (here the sink ran on a
     * TaskManager): Debian's file unless {@code native.libpath.sis-jhdf5} is set, as the sink does.
     */
    private static void loadHdf5Library() {
        Path debian = Path.of("/usr/lib/jni/libsis-jhdf5.so");
        if (System.getProperty("native.libpath.sis-jhdf5") == null && Files.isRegularFile(debian)) {
            System.setProperty("native.libpath.sis-jhdf5", debian.toString());
        }
        H5.loadH5Lib();
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }
}
