package io.deisa.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.deisa.analytics.WindowSpec;
import io.deisa.bridge.comm.MpiCommunicator;

import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;

/**
 * A simulation of four MPI ranks, started by a real {@code mpirun}, whose bridges use {@link
 * MpiCommunicator} over {@code MPI.COMM_WORLD} (see {@link MpiBridgeMain}), against the analytics
 * on a MiniCluster: a normal run, and a run whose ranks make differing collective calls.
 *
 * <p>Needs Open MPI and the {@code org.open-mpi:mpi} artifact, both installed by {@code bin/setup}.
 * Skipped only where {@code mpirun} is missing outside CI; in CI ({@code CI=true}) it runs and a
 * missing {@code mpirun} fails.
 */
class MpiITCase {
    private static final int RANKS = 4;
    private static final long MPIRUN_TIMEOUT_SECONDS = 180;

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = TestCluster.create();

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void fourRanksUnderMpirunWithMpiCommunicator(@TempDir Path dir) throws Exception {
        Path mpirun = mpirun();
        int headPort = SimulationHarness.freePort();
        String key = CallbackRecorder.newKey();
        Deisa deisa = new Deisa(DeisaOptions.builder().head("127.0.0.1:" + headPort).parallelism(2).build());
        deisa.registerCallback((w, c) -> CallbackRecorder.record(key,
                List.of(w.timestep(), w.get("array").get(0).sum())), List.of(WindowSpec.of("array")));

        Path output = dir.resolve("mpirun.out");
        Process process = launch(mpirun, headPort, output);
        try {
            CompletableFuture<Void> analytics = CompletableFuture.runAsync(deisa::executeCallbacks, daemonExecutor());
            awaitAnalytics(analytics, process, output);
            assertThat(process.waitFor(MPIRUN_TIMEOUT_SECONDS, TimeUnit.SECONDS))
                    .as("mpirun ended; output:%n%s", read(output)).isTrue();
            String out = read(output);
            System.out.println("mpirun output:\n" + out);
            assertThat(process.exitValue()).as("mpirun exit code; output:%n%s", out).isZero();
            for (int rank = 0; rank < RANKS; rank++) {
                assertThat(out).as("output of rank %d", rank)
                        .contains("rank " + rank + ": communicator checks passed")
                        .contains("rank " + rank + ": close(5) = 5");
            }
        } finally {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }

        // Rank r sends t * (r + 1): the sum over the 2 x 2 grid is 10 t.
        assertThat(CallbackRecorder.observed(key)).isEqualTo(IntStream.rangeClosed(0, 4)
                .mapToObj(t -> (Object) List.of((long) t, 10.0 * t)).toList());
    }

    /**
     * The skipped-get scenario of {@link CollectiveMismatchITCase} with {@link MpiCommunicator}
     * (mode {@link MpiBridgeMain#SKIP_GET}): rank 2 skips its get at t = 5, so its get at t = 6
     * meets the others' get at t = 5. Every rank must report the mismatch naming both calls, no
     * rank may have received a wrong value, and mpirun must end normally (no MPI_Abort).
     */
    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aSkippedGetFailsEveryMpiRankNamingBothCalls(@TempDir Path dir) throws Exception {
        Path mpirun = mpirun();
        int headPort = SimulationHarness.freePort();
        Deisa deisa = new Deisa(DeisaOptions.builder().head("127.0.0.1:" + headPort).parallelism(2)
                .maxSimulationAhead(1).build());
        deisa.registerCallback((w, ctx) -> ctx.set("x", w.get("field").get(0).sum(), w.timestep()),
                List.of(WindowSpec.of("field")));

        Path output = dir.resolve("mpirun.out");
        Process process = launch(mpirun, headPort, output, MpiBridgeMain.SKIP_GET);
        String out;
        int exitCode;
        CompletableFuture<Void> analytics = CompletableFuture.runAsync(deisa::executeCallbacks, daemonExecutor());
        try {
            assertThat(process.waitFor(MPIRUN_TIMEOUT_SECONDS, TimeUnit.SECONDS))
                    .as("mpirun ended; output:%n%s", read(output)).isTrue();
            out = read(output);
            exitCode = process.exitValue();
            System.out.println("mpirun output:\n" + out);
        } finally {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }

        String message = "collective calls differ: rank 0 called get(\"x\", 3) #7 but rank 2 called get(\"x\", 4) #7";
        for (int rank = 0; rank < RANKS; rank++) {
            int failedAt = rank == 2 ? 6 : 5;
            for (int t = 0; t < failedAt; t++) {
                if (rank == 2 && t == 5) {
                    continue;
                }
                assertThat(out).as("value rank %d got at t = %d", rank, t).contains(
                        "rank " + rank + ": t=" + t + " get(\"x\", " + (t - 2) + ") = "
                                + CollectiveMismatchITCase.expectedX(t - 2) + "\n");
            }
            assertThat(out).as("rank %d's error", rank)
                    .contains("rank " + rank + ": t=" + failedAt + " ContractError: Bridge " + rank + ": " + message);
            // Nothing after the mismatch: neither a (wrong) value nor a close.
            String prefix = "rank " + rank + ": ";
            assertThat(out.lines().filter(l -> l.startsWith(prefix)).count())
                    .as("lines of rank %d", rank).isEqualTo(rank == 2 ? failedAt : failedAt + 1);
            assertThat(out).doesNotContain("rank " + rank + " failed: ");
        }
        assertThat(exitCode).as("mpirun exit code (no MPI_Abort); output:%n%s", out).isZero();
        // The bridges left without close(timestep): the analytics fail instead of waiting.
        assertThatThrownBy(() -> analytics.get(MPIRUN_TIMEOUT_SECONDS, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(DeisaExecutionException.class);
    }

    private static Path mpirun() {
        Path mpirun = onPath("mpirun");
        Assumptions.assumeTrue(mpirun != null || "true".equalsIgnoreCase(System.getenv("CI")),
                "mpirun is not installed: run bin/setup");
        assertThat(mpirun).as("mpirun on PATH (installed by bin/setup)").isNotNull();
        return mpirun;
    }

    /** Starts {@link MpiBridgeMain} on {@link #RANKS} ranks, output and errors to {@code output}. */
    private static Process launch(Path mpirun, int headPort, Path output, String... mode)
            throws IOException, InterruptedException {
        List<String> command = command(mpirun, headPort);
        command.addAll(List.of(mode));
        String classpath = System.getProperty("java.class.path");
        System.out.println("Launching: " + String.join(" ", command).replace(classpath, "<test classpath>"));
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
    }

    /**
     * The mpirun command line. Flags for a single host, possibly a container run as root:
     * {@code --allow-run-as-root} (ignored when not root), {@code --oversubscribe} (fewer cores
     * than ranks), {@code --bind-to none} (JVMs are multi-threaded), {@code plm_rsh_agent false}
     * (local launch, no ssh needed), and no CMA single copy in the shared-memory transport
     * ({@code process_vm_readv} is often forbidden in containers).
     */
    private static List<String> command(Path mpirun, int headPort) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(mpirun.toString(),
                "--allow-run-as-root", "--oversubscribe", "--bind-to", "none",
                "--mca", "plm_rsh_agent", "false",
                "--mca", "btl_vader_single_copy_mechanism", "none",
                "-np", Integer.toString(RANKS)));
        if (System.getenv("LD_LIBRARY_PATH") != null) {
            command.addAll(List.of("-x", "LD_LIBRARY_PATH"));
        }
        command.addAll(List.of(java, "-Xmx256m", "-XX:+UseSerialGC",
                "-Djava.library.path=" + mpiJavaLibraryDir(),
                "-cp", System.getProperty("java.class.path"),
                MpiBridgeMain.class.getName(), Integer.toString(headPort)));
        return command;
    }

    /** The directory of {@code libmpi_java.so}: Open MPI's libdir, as {@code ompi_info} reports it. */
    private static String mpiJavaLibraryDir() throws IOException, InterruptedException {
        Process info = new ProcessBuilder("ompi_info", "--path", "libdir").redirectErrorStream(true).start();
        String out = new String(info.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(info.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String libdir = out.lines().filter(l -> l.strip().startsWith("Libdir:"))
                .map(l -> l.strip().substring("Libdir:".length()).strip()).findFirst()
                .orElseThrow(() -> new AssertionError("ompi_info --path libdir printed no Libdir: " + out));
        assertThat(Path.of(libdir, "libmpi_java.so")).as("Open MPI Java bindings (libopenmpi-dev)").exists();
        return libdir;
    }

    /** Waits for executeCallbacks, failing early with mpirun's output when mpirun ends first with an error. */
    private static void awaitAnalytics(CompletableFuture<Void> analytics, Process process, Path output)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(MPIRUN_TIMEOUT_SECONDS);
        while (true) {
            try {
                analytics.get(200, TimeUnit.MILLISECONDS);
                return;
            } catch (ExecutionException e) {
                throw new AssertionError("analytics failed; mpirun output:\n" + read(output), e.getCause());
            } catch (TimeoutException e) {
                if (!process.isAlive() && process.exitValue() != 0) {
                    fail("mpirun exited with %d before the analytics finished; output:%n%s",
                            process.exitValue(), read(output));
                }
                if (System.nanoTime() > deadline) {
                    fail("analytics did not finish in %d s; mpirun output:%n%s", MPIRUN_TIMEOUT_SECONDS, read(output));
                }
            }
        }
    }

    private static java.util.concurrent.Executor daemonExecutor() {
        return task -> {
            Thread thread = new Thread(task, "mpi-itcase-analytics");
            thread.setDaemon(true);
            thread.start();
        };
    }

    private static Path onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String entry : path.split(File.pathSeparator)) {
            Path candidate = Path.of(entry, program);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }
}
