package io.deisa.examples.heat2d;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.deisa.examples.heat2d.Heat2dRunAssertions.Analytics;

import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * heat2d end to end under a real {@code mpirun -np 4}: MPI halo exchange and MpiCommunicator in
 * four JVMs, the analytics on a MiniCluster. Needs Open MPI and its Java bindings (bin/setup);
 * skipped where they are missing outside CI, failing in CI ({@code CI=true}).
 */
class Heat2dMpiITCase {
    private static final long TIMEOUT_SECONDS = 120;

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(4).build());

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void fourMpiRanksAgainstTheAnalytics(@TempDir Path dir) throws Exception {
        Optional<MpirunLauncher> launcher = MpirunLauncher.find();
        Assumptions.assumeTrue(launcher.isPresent() || "true".equalsIgnoreCase(System.getenv("CI")),
                "Open MPI with Java bindings is not installed: run bin/setup");
        assertThat(launcher).as("mpirun, ompi_info and libmpi_java.so (installed by bin/setup)").isPresent();

        Path output = dir.resolve("mpirun.out");
        Analytics analytics = Heat2dRunAssertions.startAnalytics(dir);
        Process mpirun = launcher.get().start(Heat2dRunAssertions.CONFIG, analytics.head(), Duration.ofSeconds(60), output);
        try {
            awaitAnalytics(analytics, mpirun, output);
            assertThat(mpirun.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("mpirun ended: %s", read(output)).isTrue();
            assertThat(mpirun.exitValue()).as("mpirun exit code; output:%n%s", read(output)).isZero();
        } finally {
            mpirun.descendants().forEach(ProcessHandle::destroyForcibly);
            mpirun.destroyForcibly();
        }
        List<RankResult> ranks = MpirunLauncher.results(output);
        Heat2dRunAssertions.assertResults(dir, ranks);
    }

    /** Waits for the analytics, failing early with mpirun's output when mpirun fails first. */
    private static void awaitAnalytics(Analytics analytics, Process mpirun, Path output) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (true) {
            try {
                analytics.done().get(200, TimeUnit.MILLISECONDS);
                return;
            } catch (ExecutionException e) {
                throw new AssertionError("analytics failed; mpirun output:\n" + read(output), e.getCause());
            } catch (TimeoutException e) {
                if (!mpirun.isAlive() && mpirun.exitValue() != 0) {
                    fail("mpirun exited with %d; output:%n%s", mpirun.exitValue(), read(output));
                }
                if (System.nanoTime() > deadline) {
                    fail("analytics did not finish in %d s; mpirun output:%n%s", TIMEOUT_SECONDS, read(output));
                }
            }
        }
    }

    private static String read(Path file) throws java.io.IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }
}
