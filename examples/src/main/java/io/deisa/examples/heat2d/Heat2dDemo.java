package io.deisa.examples.heat2d;

import io.deisa.bridge.internal.Ports;
import io.deisa.job.Deisa;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code heat2d demo}: the analytics on the embedded Flink cluster (with its web UI) and the
 * simulation, as MPI processes under {@code mpirun} when MPI is available here, else as threads;
 * a progress bar of the shared timesteps analysed; then the analytics' results, checked against the
 * ranks' own final state.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Runs the analytics (embedded cluster, web UI) and the simulation (mpirun if available) together.")
final class Heat2dDemo implements Callable<Integer> {
    /** How the demo runs the simulation. */
    enum Mode { AUTO, MPI, THREADS }

    @Mixin Heat2dOptions options;

    @Option(names = "--mode", defaultValue = "AUTO", description = "Simulation ranks: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}: MPI when mpirun is available).")
    Mode mode;

    /** The simulation's language. */
    enum Sim { JAVA, C, FORTRAN }

    @Option(names = "--sim", defaultValue = "JAVA", converter = SimConverter.class,
            description = "The simulation: java, c or fortran (the C and Fortran heat2d of bridge-connector/c, built by "
                    + "bin/demo; found under $DEISA_NATIVE_BUILD) (default: java).")
    Sim sim;

    /** Accepts java, c, fortran in any case. */
    static final class SimConverter implements picocli.CommandLine.ITypeConverter<Sim> {
        @Override
        public Sim convert(String value) {
            try {
                return Sim.valueOf(value.strip().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(
                        "--sim is java, c or fortran, not '" + value + "'");
            }
        }
    }

    @Mixin AnalyticsOptions analyticsOptions;

    @Option(names = "--timeout", defaultValue = "120", description = "Seconds the bridges wait for the head, and the run may take (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        Heat2dConfig config = options.toConfig();
        Path program = null;
        if (sim != Sim.JAVA) {
            String build = System.getenv().getOrDefault("DEISA_NATIVE_BUILD", "bridge-connector/c/build");
            program = Path.of(build, "examples", sim == Sim.C ? "heat2d_c" : "heat2d_fortran").toAbsolutePath();
            if (!Files.isExecutable(program)) {
                System.err.println("--sim " + sim.name().toLowerCase(java.util.Locale.ROOT) + ": " + program
                        + " is not built (bin/demo builds it: cmake -S bridge-connector/c -B bridge-connector/c/build)");
                return 1;
            }
            if (mode == Mode.THREADS) {
                System.err.println("--sim " + sim.name().toLowerCase(java.util.Locale.ROOT) + " runs under mpirun, not as threads");
                return 1;
            }
        }
        Optional<MpirunLauncher> mpirun = mode == Mode.THREADS ? Optional.empty()
                : sim == Sim.JAVA ? MpirunLauncher.find() : MpirunLauncher.findForNative();
        if (sim != Sim.JAVA && mpirun.isEmpty()) {
            System.err.println("--sim " + sim.name().toLowerCase(java.util.Locale.ROOT) + ": mpirun is missing (run bin/setup)");
            return 1;
        }
        if (mode == Mode.MPI && mpirun.isEmpty()) {
            System.err.println("--mode MPI: mpirun, ompi_info, libmpi_java.so or the Open MPI Java classes are missing (run bin/setup)");
            return 1;
        }
        Path dir = analyticsOptions.output();
        Path csv = dir.resolve(Heat2dAnalytics.STATS);
        String head = "127.0.0.1:" + Ports.free();
        Deisa deisa = analyticsOptions.analytics(config, head);

        String ranksAre = sim == Sim.C ? "C MPI processes under mpirun"
                : sim == Sim.FORTRAN ? "Fortran MPI processes under mpirun"
                : mpirun.isPresent() ? "MPI processes under mpirun" : "threads";
        System.out.printf("heat2d: %dx%d plate on %dx%d ranks (%s), %d steps (dt %.4g s), temperature shared every %d steps%n",
                config.rows(), config.cols(), config.procRows(), config.procCols(),
                ranksAre, config.steps(), config.dt(), config.shareEvery());
        System.out.printf("  heater %.4f K m²/s, lowered to %.4f when the mean exceeds %.2f K%n",
                config.power(), config.steeredPower(), config.threshold());
        System.out.printf("  analytics head %s%n", head);
        System.out.flush();

        CompletableFuture<Void> analytics = CompletableFuture.runAsync(deisa::executeCallbacks, daemon("heat2d-analytics"));
        Duration timeout = Duration.ofSeconds(timeoutSeconds);
        List<RankResult> ranks;
        if (mpirun.isPresent()) {
            Path log = dir.resolve("mpirun.out");
            Files.deleteIfExists(log);
            Process process = program == null ? mpirun.get().start(config, head, timeout, log)
                    : mpirun.get().startNative(program, config, head, timeout, log);
            try {
                progress(analytics, csv, config, process);
                if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS) || process.exitValue() != 0) {
                    System.err.println("mpirun failed; its output:\n" + Files.readString(log));
                    return 1;
                }
            } finally {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
            ranks = MpirunLauncher.results(log);
            System.out.println("MPI ranks' output: " + log);
        } else {
            CompletableFuture<List<RankResult>> threads = CompletableFuture.supplyAsync(() -> {
                try {
                    return ThreadRanks.run(config, head, timeout);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }, daemon("heat2d-simulation"));
            progress(analytics, csv, config, null);
            ranks = threads.get(timeoutSeconds, TimeUnit.SECONDS);
        }
        List<StatsRow> rows = StatsRow.read(csv);
        Heat2dReport.print(rows, config, System.out);
        boolean agree = Heat2dReport.check(rows, ranks, System.out);
        System.out.println("Results: " + csv);
        if (analyticsOptions.snapshotEvery > 0) {
            System.out.println("HDF5 snapshots (one dataset per timestep, downsampled 2x per side where the tiles were read): " + dir.resolve(Heat2dAnalytics.SNAPSHOTS));
        }
        return agree ? 0 : 1;
    }

    /** Shows the shared timesteps analysed (rows of the CSV file) until the analytics end. */
    private void progress(CompletableFuture<Void> analytics, Path csv, Heat2dConfig config, Process mpirun)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        try (ProgressBar bar = new ProgressBarBuilder().setTaskName("timesteps analysed")
                .setInitialMax(config.sharedTimesteps()).setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(200).showSpeed().setUnit(" ts", 1).continuousUpdate().build()) {
            while (!analytics.isDone()) {
                if (mpirun != null && !mpirun.isAlive() && mpirun.exitValue() != 0) {
                    throw new IllegalStateException("mpirun exited with " + mpirun.exitValue() + " before the analytics finished");
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the run did not finish in " + timeoutSeconds + " s");
                }
                bar.stepTo(Files.exists(csv) ? Math.max(0, Files.readAllLines(csv).size() - 1) : 0);
                Thread.sleep(100);
            }
            analytics.join();
            bar.stepTo(config.sharedTimesteps());
        }
    }

    private static java.util.concurrent.Executor daemon(String name) {
        return task -> {
            Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            thread.start();
        };
    }
}
