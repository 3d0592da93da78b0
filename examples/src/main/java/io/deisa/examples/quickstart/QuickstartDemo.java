package io.deisa.examples.quickstart;

import io.deisa.analytics.AnalyticsCallback;
import io.deisa.analytics.DeisaArray;
import io.deisa.analytics.WindowSpec;
import io.deisa.bridge.ArrayMetadata;
import io.deisa.bridge.Bridge;
import io.deisa.bridge.DType;
import io.deisa.bridge.SystemMetadata;
import io.deisa.bridge.internal.Ports;
import io.deisa.job.Deisa;
import io.deisa.job.DeisaOptions;


import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A complete deisa run in one JVM: a small simulation of {@code --ranks} ranks (threads), each
 * with a {@link Bridge}, shares a 2D {@code float64} array {@code "field"} (a heated plate, see
 * {@link HeatPlate}) for {@code --steps} timesteps, while the analytics run on an embedded Flink
 * cluster: per timestep the mean, minimum and maximum of the whole plate, and over a window of two
 * timesteps the time derivative of the mean, checked against the cooling law.
 *
 * <pre>
 * bin/demo                         # 4 ranks on a 2x2 grid, 20 timesteps
 * bin/demo --ranks 6 --steps 50    # a 2x3 grid
 * bin/demo --steps 600 --pause-ms 500   # slow enough to explore the Flink web UI
 * </pre>
 */
@Command(
        name = "quickstart",
        mixinStandardHelpOptions = true,
        description = "Runs a small simulation with deisa bridges and its analytics on an embedded Flink cluster.")
public final class QuickstartDemo implements Callable<Integer> {
    /** Name of the shared array. */
    static final String ARRAY = "field";

    @Option(names = "--ranks", defaultValue = "4", description = "Simulation ranks (threads), one bridge each (default: ${DEFAULT-VALUE}).")
    int ranks;

    @Option(names = "--steps", defaultValue = "20", description = "Timesteps to simulate (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--chunk", defaultValue = "64", description = "Edge of each rank's square tile, in cells (default: ${DEFAULT-VALUE}).")
    int chunk;

    @Option(names = "--sweeps", defaultValue = "10", description = "Stencil sweeps per timestep (default: ${DEFAULT-VALUE}).")
    int sweeps;

    @Option(names = "--alpha", defaultValue = "0.2", description = "Diffusion number of a sweep, at most 0.25 (default: ${DEFAULT-VALUE}).")
    double alpha;

    @Option(names = "--cooling", defaultValue = "0.002", description = "Fraction of its heat a cell loses per sweep (default: ${DEFAULT-VALUE}).")
    double cooling;

    @Option(names = "--pause-ms", defaultValue = "50", description = "Pause of each rank after each timestep, in ms (default: ${DEFAULT-VALUE}).")
    long pauseMillis;

    @Option(names = "--head", description = "host:port of the analytics head (default: 127.0.0.1 on a free port).")
    String head;

    @Option(names = "--parallelism", defaultValue = "2", description = "Parallelism of the Flink source and array assembly (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--timeout", defaultValue = "120", description = "Seconds the bridges wait for the rendezvous and the head (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    /** Runs the demo and exits with its status: 0 when the run completed, 1 when it failed. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new QuickstartDemo()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (ranks < 1 || steps < 1 || chunk < 1 || sweeps < 0 || pauseMillis < 0 || parallelism < 1) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "--ranks, --steps, --chunk and --parallelism must be positive; --sweeps and --pause-ms not negative");
        }
        new HeatPlate(1, 1, new double[1], alpha, cooling); // validates --alpha and --cooling
        int[] grid = grid(ranks);
        String headAddress = head != null ? head : "127.0.0.1:" + Ports.free();
        int masterPort = Ports.free();
        SystemMetadata system = SystemMetadata.builder()
                .worldSize(ranks)
                .masterAddress("127.0.0.1")
                .masterPort(masterPort)
                .head(headAddress)
                .connectTimeout(Duration.ofSeconds(timeoutSeconds))
                .build();

        Deisa deisa = new Deisa(DeisaOptions.builder()
                .head(headAddress)
                .parallelism(parallelism)
                .build());
        deisa.registerCallback(statistics(), List.of(WindowSpec.of(ARRAY)));
        deisa.callback(WindowSpec.of(ARRAY, 2)).register(meanRate(Math.pow(1 - cooling, sweeps)));

        System.out.printf("deisa quickstart: %d rank(s) on a %dx%d grid of %dx%d float64 tiles (plate %dx%d), %d timesteps%n",
                ranks, grid[0], grid[1], chunk, chunk, grid[0] * chunk, grid[1] * chunk, steps);
        System.out.printf("  analytics head : %s%n", headAddress);
        System.out.flush();

        ExecutorService threads = Executors.newFixedThreadPool(ranks + 1, runnable -> {
            Thread thread = new Thread(runnable);
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<CompletableFuture<?>> parts = new ArrayList<>();
            for (int rank = 0; rank < ranks; rank++) {
                int r = rank;
                parts.add(CompletableFuture.supplyAsync(() -> simulate(r, grid, system), threads));
            }
            parts.add(CompletableFuture.runAsync(deisa::executeCallbacks, threads));
            // Stop at the first failure: a rank that fails before reaching the head would otherwise
            // leave the analytics waiting for it.
            CompletableFuture<Void> firstFailure = new CompletableFuture<>();
            parts.forEach(part -> part.whenComplete((value, error) -> {
                if (error != null) {
                    firstFailure.completeExceptionally(error);
                }
            }));
            CompletableFuture.anyOf(CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)), firstFailure)
                    .get(timeoutSeconds + steps * (pauseMillis + 1000L) / 1000 + 60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof java.util.concurrent.CompletionException && e.getCause().getCause() != null
                    ? e.getCause().getCause() : e.getCause();
            System.err.println("The run failed: " + cause);
            return 1;
        } catch (TimeoutException e) {
            System.err.println("The run did not finish in time");
            return 1;
        } finally {
            threads.shutdownNow();
        }
        System.out.printf("Done: %d timesteps simulated by %d ranks and analysed.%n", steps, ranks);
        return 0;
    }

    /** One rank: build the bridge, advance the tile and send it every timestep, close the run. */
    private long simulate(int rank, int[] grid, SystemMetadata system) {
        int[] position = {rank / grid[1], rank % grid[1]};
        ArrayMetadata metadata = ArrayMetadata.builder()
                .chunkShape(chunk, chunk)
                .chunksPerDim(grid)
                .chunkPosition(position)
                .dtype(DType.FLOAT64)
                .build();
        HeatPlate tile = HeatPlate.gaussianBump(chunk, chunk, position, grid, 100.0, alpha, cooling);
        try (Bridge bridge = new Bridge(rank, Map.of(ARRAY, metadata), system)) {
            for (long t = 0; t < steps; t++) {
                if (t > 0) {
                    tile.advance(sweeps);
                }
                bridge.send(ARRAY, tile.field(), t);
                if (pauseMillis > 0) {
                    Thread.sleep(pauseMillis);
                }
            }
            return bridge.close(steps - 1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("rank " + rank + " was interrupted", e);
        }
    }

    /** Per timestep: mean, minimum and maximum of the whole plate. */
    static AnalyticsCallback statistics() {
        return (windows, context) -> {
            DeisaArray field = windows.get(ARRAY).get(0);
            System.out.printf("t=%3d  mean %9.5f  min %9.5f  max %9.5f%n",
                    windows.timestep(), field.mean(), field.min(), field.max());
        };
    }

    /**
     * Over two timesteps: the time derivative of the mean, next to what the cooling law predicts
     * (insulated tiles lose a factor {@code 1 - decay} of their heat per timestep).
     */
    static AnalyticsCallback meanRate(double decayPerTimestep) {
        return (windows, context) -> {
            List<DeisaArray> window = windows.get(ARRAY);
            if (window.size() < 2) {
                return; // the first timestep has no predecessor
            }
            DeisaArray before = window.get(0);
            DeisaArray now = window.get(1);
            double rate = (now.mean() - before.mean()) / (now.t() - before.t());
            double expected = before.mean() * (Math.pow(decayPerTimestep, now.t() - before.t()) - 1) / (now.t() - before.t());
            System.out.printf("       d(mean)/dt %+.6f  (cooling law: %+.6f)%n", rate, expected);
        };
    }

    /** The most square {@code rows x cols} grid of {@code n} tiles ({@code 1 x n} for a prime). */
    static int[] grid(int n) {
        int rows = (int) Math.sqrt(n);
        while (n % rows != 0) {
            rows--;
        }
        return new int[] {rows, n / rows};
    }
}
