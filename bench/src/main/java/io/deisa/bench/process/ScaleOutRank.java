package io.deisa.bench.process;

import io.deisa.bridge.ArrayMetadata;
import io.deisa.bridge.Bridge;
import io.deisa.bridge.DType;
import io.deisa.bridge.SystemMetadata;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * One rank of the scale-out run (bench/scale-out): sends one {@code rows x cols} float64 chunk of
 * array {@value #ARRAY} per timestep, on a {@code world x 1} chunk grid, whose elements are {@code
 * 1000 t + rank} and {@code 1000 t + rank + 0.5} alternately; after {@code close(t)} it reads the
 * feedback {@code mean}, {@code min} and {@code max} of every timestep that the analytics
 * (io.deisa.cluster.StatisticsAnalytics) published and checks them against their closed forms:
 * mean {@code 1000 t + (world - 1) / 2 + 0.25}, min {@code 1000 t}, max {@code 1000 t + world - 0.5}.
 * Prints one line with the seconds per timestep; exits 1 when a value is wrong or missing.
 */
@Command(name = "scale-out-rank", mixinStandardHelpOptions = true, description = "One rank of the scale-out run.")
public final class ScaleOutRank implements Callable<Integer> {
    /** Name of the array. */
    public static final String ARRAY = "field";

    @Option(names = "--head", required = true, description = "host:port of the analytics head.")
    String head;

    @Option(names = "--master-port", required = true, description = "Rendezvous port of rank 0.")
    int masterPort;

    @Option(names = "--world", required = true, description = "Number of ranks.")
    int world;

    @Option(names = "--rank", required = true, description = "This rank.")
    int rank;

    @Option(names = "--rows", required = true, description = "Rows of this rank's chunk.")
    int rows;

    @Option(names = "--cols", required = true, description = "Columns of this rank's chunk.")
    int cols;

    @Option(names = "--timesteps", defaultValue = "4", description = "Timesteps.")
    int timesteps;

    @Option(names = "--timeout-seconds", defaultValue = "300",
            description = "SystemMetadata.connectTimeout: how long the bridges wait for the head, and for a lost one.")
    int timeoutSeconds;

    /** Runs the rank; exits with its status. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new ScaleOutRank()).execute(args));
    }

    @Override
    public Integer call() {
        SystemMetadata system = SystemMetadata.builder().worldSize(world).masterAddress("127.0.0.1")
                .masterPort(masterPort).head(head).connectTimeout(Duration.ofSeconds(timeoutSeconds)).build();
        ArrayMetadata field = ArrayMetadata.builder().dtype(DType.FLOAT64).chunkShape(rows, cols)
                .chunksPerDim(world, 1).chunkPosition(rank, 0).build();
        double[] chunk = new double[rows * cols];
        try (Bridge bridge = new Bridge(rank, Map.of(ARRAY, field), system)) {
            run(bridge, chunk);
        } catch (RuntimeException e) {
            System.out.printf("scale-out rank %d: failed: %s%n", rank, e.getMessage());
            return 1;
        }
        return 0;
    }

    /** Sends every timestep, closes the run and checks the feedback; throws when a value is wrong. */
    private void run(Bridge bridge, double[] chunk) {
        int failures = 0;
        long start = System.nanoTime();
        {
            for (int t = 0; t < timesteps; t++) {
                double base = 1000.0 * t + rank;
                for (int i = 0; i < chunk.length; i++) {
                    chunk[i] = base + (i % 2) * 0.5;
                }
                bridge.send(ARRAY, chunk, t);
            }
            bridge.close(timesteps - 1);
            double seconds = (System.nanoTime() - start) / 1e9;
            for (int t = 0; t < timesteps; t++) {
                failures += check(bridge, "mean", t, 1000.0 * t + (world - 1) / 2.0 + 0.25);
                failures += check(bridge, "min", t, 1000.0 * t);
                failures += check(bridge, "max", t, 1000.0 * t + world - 0.5);
            }
            System.out.printf("scale-out rank %d: %d timesteps of %d x %d float64 (%.0f MiB) in %.1f s, %.2f s per"
                            + " timestep; feedback %s%n", rank, timesteps, rows, cols, chunk.length * 8.0 / (1 << 20),
                    seconds, seconds / timesteps, failures == 0 ? "as expected" : failures + " value(s) wrong");
        }
        if (failures > 0) {
            throw new IllegalStateException(failures + " feedback value(s) wrong");
        }
    }

    private int check(Bridge bridge, String key, long t, double expected) {
        Object value = bridge.get(key, t);
        if (!(value instanceof Double d) || Math.abs(d - expected) > 1e-9 * Math.abs(expected) + 1e-12) {
            System.out.printf("scale-out rank %d: %s at timestep %d is %s, expected %s%n", rank, key, t, value, expected);
            return 1;
        }
        return 0;
    }
}
