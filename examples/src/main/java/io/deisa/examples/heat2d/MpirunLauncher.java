package io.deisa.examples.heat2d;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Starts the heat2d simulation as MPI processes: {@code mpirun -np N java ... Heat2dCli simulation
 * --mpi ...}, each rank a JVM with this JVM's class path (which must hold the Open MPI Java
 * classes) and {@code java.library.path} = Open MPI's libdir (where {@code libmpi_java.so} is, as
 * {@code ompi_info --path libdir} reports it).
 *
 * <p>mpirun flags for a single host, possibly a container run as root: {@code --allow-run-as-root}
 * (ignored when not root), {@code --oversubscribe} (fewer cores than ranks), {@code --bind-to none}
 * (JVMs are multi-threaded), {@code plm_rsh_agent false} (local launch, no ssh) and no CMA single
 * copy in the shared-memory transport ({@code process_vm_readv} is often forbidden in containers).
 */
public final class MpirunLauncher {
    private final Path mpirun;
    private final String libdir;

    private MpirunLauncher(Path mpirun, String libdir) {
        this.mpirun = mpirun;
        this.libdir = libdir;
    }

    /**
     * A launcher when MPI can run the simulation here: {@code mpirun} and {@code ompi_info} on the
     * PATH, {@code libmpi_java.so} in Open MPI's libdir and the Open MPI Java classes on this JVM's
     * class path; empty otherwise.
     */
    public static Optional<MpirunLauncher> find() throws IOException, InterruptedException {
        return find(true);
    }

    /**
     * A launcher for native ranks (C, Fortran): {@code mpirun} and {@code ompi_info} on the PATH;
     * the Java bindings are not needed.
     */
    public static Optional<MpirunLauncher> findForNative() throws IOException, InterruptedException {
        return find(false);
    }

    private static Optional<MpirunLauncher> find(boolean java) throws IOException, InterruptedException {
        Optional<Path> mpirun = onPath("mpirun");
        if (mpirun.isEmpty() || onPath("ompi_info").isEmpty() || (java && !mpiClassesPresent())) {
            return Optional.empty();
        }
        if (!java) {
            return Optional.of(new MpirunLauncher(mpirun.get(), ""));
        }
        Process info = new ProcessBuilder("ompi_info", "--path", "libdir").redirectErrorStream(true).start();
        String out = new String(info.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!info.waitFor(30, TimeUnit.SECONDS)) {
            info.destroyForcibly();
            return Optional.empty();
        }
        return out.lines().map(String::strip).filter(l -> l.startsWith("Libdir:"))
                .map(l -> l.substring("Libdir:".length()).strip())
                .filter(dir -> Files.exists(Path.of(dir, "libmpi_java.so")))
                .findFirst()
                .map(dir -> new MpirunLauncher(mpirun.get(), dir));
    }

    /**
     * The mpirun command running {@code config}'s ranks against the analytics at {@code head},
     * whose bridges wait up to {@code timeout} for the head.
     */
    public List<String> command(Heat2dConfig config, String head, Duration timeout) {
        List<String> args = new ArrayList<>(List.of("simulation", "--mpi", "--head", head,
                "--timeout", Long.toString(timeout.toSeconds())));
        args.addAll(config.toArgs());
        return command(config.decomposition().ranks(), List.of("-Xmx256m", "-XX:+UseSerialGC"),
                Heat2dCli.class.getName(), args);
    }

    /**
     * The mpirun command running {@code ranks} JVMs of {@code mainClass} with this JVM's class path,
     * the JVM options {@code jvmOptions} and the program arguments {@code args}.
     */
    public List<String> command(int ranks, List<String> jvmOptions, String mainClass, List<String> args) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(mpirun.toString(),
                "--allow-run-as-root", "--oversubscribe", "--bind-to", "none",
                "--mca", "plm_rsh_agent", "false",
                "--mca", "btl_vader_single_copy_mechanism", "none",
                "-np", Integer.toString(ranks)));
        if (System.getenv("LD_LIBRARY_PATH") != null) {
            command.addAll(List.of("-x", "LD_LIBRARY_PATH"));
        }
        command.add(java);
        command.addAll(jvmOptions);
        command.addAll(List.of("-Djava.library.path=" + libdir, "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(args);
        return command;
    }

    /**
     * The mpirun command running {@code config}'s ranks as the native program {@code program} (the
     * C or Fortran heat2d of {@code bridge-connector/c/examples}, same options and output line).
     */
    public List<String> nativeCommand(Path program, Heat2dConfig config, String head, Duration timeout) {
        List<String> command = new ArrayList<>(List.of(mpirun.toString(),
                "--allow-run-as-root", "--oversubscribe", "--bind-to", "none",
                "--mca", "plm_rsh_agent", "false",
                "--mca", "btl_vader_single_copy_mechanism", "none",
                "-np", Integer.toString(config.decomposition().ranks()), program.toString()));
        command.addAll(config.toArgs());
        command.addAll(List.of("--head", head, "--timeout", Long.toString(timeout.toSeconds())));
        return command;
    }

    /**
     * The mpirun command running {@code ranks} processes of {@code argv} (a native program or an
     * interpreter and its script), exporting {@code environment} ({@code NAME=value}) to them.
     */
    public List<String> nativeCommand(int ranks, List<String> environment, List<String> argv) {
        List<String> command = new ArrayList<>(List.of(mpirun.toString(),
                "--allow-run-as-root", "--oversubscribe", "--bind-to", "none",
                "--mca", "plm_rsh_agent", "false",
                "--mca", "btl_vader_single_copy_mechanism", "none",
                "-np", Integer.toString(ranks)));
        for (String variable : environment) {
            command.addAll(List.of("-x", variable));
        }
        command.addAll(argv);
        return command;
    }

    /** The C or Fortran heat2d under mpirun, its output going to {@code output}. */
    public Process startNative(Path program, Heat2dConfig config, String head, Duration timeout, Path output)
            throws IOException {
        return new ProcessBuilder(nativeCommand(program, config, head, timeout))
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
    }

    /** Starts the ranks, their output (one {@link RankResult} line per rank) going to {@code output}. */
    public Process start(Heat2dConfig config, String head, Duration timeout, Path output) throws IOException {
        return new ProcessBuilder(command(config, head, timeout))
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
    }

    /** The rank results in an mpirun output file, by rank. */
    public static List<RankResult> results(Path output) throws IOException {
        return Files.readAllLines(output, StandardCharsets.UTF_8).stream()
                .map(RankResult::parse).flatMap(Optional::stream)
                .sorted(java.util.Comparator.comparingInt(RankResult::rank))
                .toList();
    }

    private static boolean mpiClassesPresent() {
        return MpirunLauncher.class.getClassLoader().getResource("mpi/MPI.class") != null;
    }

    private static Optional<Path> onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String entry : path.split(File.pathSeparator)) {
            Path candidate = Path.of(entry, program);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
