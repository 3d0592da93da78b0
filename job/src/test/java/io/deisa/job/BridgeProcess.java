package io.deisa.job;

import io.deisa.bridge.Bridge;
import io.deisa.bridge.DType;
import io.deisa.bridge.DeisaException;
import io.deisa.bridge.ArrayMetadata;
import io.deisa.bridge.SystemMetadata;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A simulation rank as its own JVM, for tests: sends array "array" for t = 0..last on a 1 x
 * worldSize grid and closes the run, or dies abruptly (no close, no cleanup) right after sending
 * timestep {@code dieAfter}. With {@code side = 0} the chunk is one int32 {@code t * (rank + 1)};
 * otherwise a {@code side x side} float64 chunk filled with {@code t * (rank + 1)}.
 *
 * <p>Arguments: {@code rank worldSize masterPort headPort last dieAfter [side]} ({@code dieAfter <
 * 0}: never). It prints {@code rank r sends t} before each send, {@code rank r closed at t} at the
 * end, or {@code rank r failed at timestep t: <message>} (exit code 2) when a call of the bridge
 * raises {@link DeisaException}.
 */
public final class BridgeProcess {
    private BridgeProcess() {}

    public static void main(String[] args) {
        int rank = Integer.parseInt(args[0]);
        int worldSize = Integer.parseInt(args[1]);
        int masterPort = Integer.parseInt(args[2]);
        int headPort = Integer.parseInt(args[3]);
        int last = Integer.parseInt(args[4]);
        int dieAfter = Integer.parseInt(args[5]);
        int side = args.length > 6 ? Integer.parseInt(args[6]) : 0;
        SystemMetadata sys = SystemMetadata.builder()
                .worldSize(worldSize)
                .masterAddress("127.0.0.1")
                .masterPort(masterPort)
                .head("127.0.0.1:" + headPort)
                .connectTimeout(Duration.ofSeconds(60))
                .build();
        ArrayMetadata metadata = side == 0 ? SimulationHarness.rowOfScalars(rank, worldSize)
                : ArrayMetadata.builder().chunkShape(side, side).chunksPerDim(1, worldSize).chunkPosition(0, rank)
                        .dtype(DType.FLOAT64).build();
        double[] field = side == 0 ? null : new double[side * side];
        int t = -1;
        try (Bridge bridge = new Bridge(rank, Map.of("array", metadata), sys)) {
            for (t = 0; t <= last; t++) {
                System.out.println("rank " + rank + " sends " + t);
                System.out.flush();
                if (side == 0) {
                    bridge.send("array", new int[] {t * (rank + 1)}, t);
                } else {
                    Arrays.fill(field, (double) t * (rank + 1));
                    bridge.send("array", field, t);
                }
                if (t == dieAfter) {
                    System.out.println("rank " + rank + " dies after timestep " + t);
                    System.out.flush();
                    Runtime.getRuntime().halt(3);
                }
            }
            t = last;
            System.out.println("rank " + rank + " closed at " + bridge.close(last));
        } catch (DeisaException e) {
            System.out.println("rank " + rank + " failed at timestep " + t + ": " + e.getMessage());
            System.out.flush();
            System.exit(2);
        }
    }

    /** Starts a rank as a child JVM with this test's classpath; its output goes to the test's. */
    static Process launch(SimulationHarness world, int rank, int last, int dieAfter) throws IOException {
        return command(world, List.of(), rank, last, dieAfter, 0).inheritIO().start();
    }

    /**
     * Starts a rank as a child JVM with extra JVM options and a {@code side x side} float64 chunk,
     * whose output the returned {@link Output} collects.
     */
    static Output launchWatched(SimulationHarness world, List<String> jvmOptions, int rank, int last, int dieAfter,
            int side) throws IOException {
        return new Output(rank, command(world, jvmOptions, rank, last, dieAfter, side).redirectErrorStream(true).start());
    }

    private static ProcessBuilder command(SimulationHarness world, List<String> jvmOptions, int rank, int last,
            int dieAfter, int side) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), BridgeProcess.class.getName(),
                Integer.toString(rank), Integer.toString(world.worldSize), Integer.toString(world.masterPort),
                Integer.toString(world.headPort), Integer.toString(last), Integer.toString(dieAfter),
                Integer.toString(side)));
        return new ProcessBuilder(command);
    }

    /** A rank's process and the lines it printed so far (echoed to the test's output). */
    static final class Output {
        final int rank;
        final Process process;
        private final List<String> lines = new ArrayList<>();

        Output(int rank, Process process) {
            this.rank = rank;
            this.process = process;
            Thread reader = new Thread(this::read, "rank-" + rank + "-output");
            reader.setDaemon(true);
            reader.start();
        }

        private void read() {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    System.out.println("[rank " + rank + "] " + line);
                    synchronized (lines) {
                        lines.add(line);
                        lines.notifyAll();
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }

        /**
         * Waits until the process printed a line matching {@code wanted} and returns it.
         *
         * @throws AssertionError naming what was awaited and what was printed, after {@code timeout}
         */
        String await(Predicate<String> wanted, String what, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            synchronized (lines) {
                while (true) {
                    for (String line : lines) {
                        if (wanted.test(line)) {
                            return line;
                        }
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new AssertionError("rank " + rank + " did not print " + what + " within " + timeout
                                + "; it printed " + lines);
                    }
                    lines.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                }
            }
        }

        /** The lines printed so far. */
        List<String> lines() {
            synchronized (lines) {
                return List.copyOf(lines);
            }
        }
    }
}
