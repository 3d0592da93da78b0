package io.deisa.bench.process;

import io.deisa.examples.heat2d.MpirunLauncher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The S1 and S3 ranks in another language than Java, under {@code mpirun}: the Python rank {@code
 * bench/python/bench_rank.py} (Debian's {@code /usr/bin/python3}, {@code deisa_flink} with the mpi4py
 * communicator) or the C rank {@code bench_rank} of {@code bridge-connector/c} (built by {@code bin/bench}
 * under {@code $DEISA_NATIVE_BUILD}, default {@code bridge-connector/c/build}). Both take the options of
 * {@link BridgesMain} ({@code ingest}) or {@link SlowdownRank} ({@code slowdown}) and write the same
 * timing tables, one file per rank ({@code <out>-<rank>.tsv}).
 */
public final class NativeRanks {
    /** The simulation languages the benchmarks run. */
    public enum Language { JAVA, PYTHON, C }

    private NativeRanks() {}


    /**
     * The mpirun command of {@code ranks} ranks of {@code language} (not Java) in {@code mode}
     * ({@code ingest} or {@code slowdown}) with {@code args}.
     *
     * @throws IllegalStateException when mpirun or the C rank is missing
     */
    public static List<String> command(Language language, int ranks, String mode, List<String> args)
            throws IOException, InterruptedException {
        MpirunLauncher mpirun = MpirunLauncher.findForNative().orElseThrow(() -> new IllegalStateException(
                "ranks in " + language + " need mpirun and ompi_info (bin/setup installs them)"));
        List<String> argv = new ArrayList<>();
        List<String> environment = new ArrayList<>();
        switch (language) {
            case PYTHON -> {
                environment.add("PYTHONPATH=" + Path.of("bridge-connector", "python").toAbsolutePath());
                argv.addAll(List.of("/usr/bin/python3", Path.of("bench", "python", "bench_rank.py").toAbsolutePath().toString()));
            }
            case C -> {
                Path program = Path.of(System.getenv().getOrDefault("DEISA_NATIVE_BUILD", "bridge-connector/c/build"),
                        "bench", "bench_rank").toAbsolutePath();
                if (!Files.isExecutable(program)) {
                    throw new IllegalStateException(program + " is not built (bin/bench builds it with --langs c)");
                }
                argv.add(program.toString());
            }
            case JAVA -> throw new IllegalArgumentException("Java ranks are JVMs of BridgesMain or SlowdownRank");
        }
        argv.add(mode);
        argv.addAll(args);
        return mpirun.nativeCommand(ranks, environment, argv);
    }
}
