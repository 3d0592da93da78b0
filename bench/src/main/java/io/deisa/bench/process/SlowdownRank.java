package io.deisa.bench.process;

import io.deisa.bench.report.Stats;
import io.deisa.bridge.ArrayMetadata;
import io.deisa.bridge.Bridge;
import io.deisa.bridge.DType;
import io.deisa.bridge.SystemMetadata;
import io.deisa.bridge.comm.MpiCommunicator;
import io.deisa.examples.heat2d.Decomposition;
import io.deisa.examples.heat2d.Heater;
import io.deisa.examples.heat2d.MpiHaloExchange;
import io.deisa.examples.heat2d.Tile;

import mpi.Intracomm;
import mpi.MPI;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * One MPI rank of the S3 simulation-slowdown benchmark: the heat2d solver on a {@code size x size}
 * tile per rank (ranks side by side), {@code steps} steps, sharing its tile through a
 * {@link Bridge} every {@code shareEvery} steps, or never with {@code --no-bridge}. Writes one row:
 * the wall time of the step loop and the time spent inside {@code send}.
 */
@Command(name = "slowdown-rank", mixinStandardHelpOptions = true, description = "One heat2d rank under mpirun.")
public final class SlowdownRank implements Callable<Integer> {
    /** Name of the shared array (the analytics read {@link BridgesMain#ARRAY}). */
    static final String ARRAY = BridgesMain.ARRAY;

    @Option(names = "--size", required = true, description = "Tile side per rank.")
    int size;

    @Option(names = "--steps", defaultValue = "500", description = "Solver steps timed.")
    int steps;

    @Option(names = "--warmup-steps", defaultValue = "0", description = "Solver steps run first, untimed, with the"
            + " same sharing: the JIT of both sides and the bridge's buffer pool reach their steady state.")
    int warmupSteps;

    @Option(names = "--share-every", defaultValue = "1", description = "Steps between two shares.")
    int shareEvery;

    @Option(names = "--no-bridge", description = "Run the solver alone.")
    boolean noBridge;

    @Option(names = "--head", description = "The analytics head, host:port.")
    String head;

    @Option(names = "--out", required = true, description = "Prefix of the timing tables (<prefix>-<rank>.tsv).")
    String out;

    /** Runs the rank between MPI.Init and MPI.Finalize; aborts the MPI job on a failure. */
    public static void main(String[] args) throws Exception {
        MPI.Init(args);
        int status = new CommandLine(new SlowdownRank()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
        if (status != 0) {
            MPI.COMM_WORLD.abort(status);
        }
        MPI.Finalize();
    }

    @Override
    public Integer call() throws Exception {
        int rank = MPI.COMM_WORLD.getRank();
        int ranks = MPI.COMM_WORLD.getSize();
        Decomposition decomposition = new Decomposition(size, size * ranks, 1, ranks);
        Tile tile = new Tile(decomposition, rank, Heater.centred(size, size * ranks));
        tile.fill((x, y) -> 20 + x + y, 1.0 / (size * ranks));
        Intracomm halos = MPI.COMM_WORLD.dup();
        MpiHaloExchange halo = new MpiHaloExchange(halos, decomposition);
        long sendNanos = 0;
        int sends = 0;
        long[] sendTimes = new long[steps / Math.max(shareEvery, 1) + 1];
        long loopNanos;
        if (noBridge) {
            for (int step = 0; step < warmupSteps; step++) {
                tile.step(halo, 0.2, 1e-3);
            }
            halos.barrier();
            long start = System.nanoTime();
            for (int step = 0; step < steps; step++) {
                tile.step(halo, 0.2, 1e-3);
            }
            loopNanos = System.nanoTime() - start;
        } else {
            ArrayMetadata metadata = ArrayMetadata.builder().chunkShape(size, size).chunksPerDim(1, ranks)
                    .chunkPosition(decomposition.coords(rank)).dtype(DType.FLOAT64).build();
            SystemMetadata system = SystemMetadata.builder().worldSize(ranks).head(head)
                    .connectTimeout(Duration.ofMinutes(2)).build();
            try (MpiCommunicator comm = MpiCommunicator.world();
                    Bridge bridge = new Bridge(rank, Map.of(ARRAY, metadata), system, comm)) {
                int lastShared = 0;
                for (int step = 0; step < warmupSteps; step++) {
                    if (step % shareEvery == 0) {
                        bridge.send(ARRAY, tile.interior(), step);
                        lastShared = step;
                    }
                    tile.step(halo, 0.2, 1e-3);
                }
                halos.barrier();
                long start = System.nanoTime();
                for (int step = warmupSteps; step < warmupSteps + steps; step++) {
                    if (step % shareEvery == 0) {
                        double[] interior = tile.interior();
                        long sendStart = System.nanoTime();
                        bridge.send(ARRAY, interior, step);
                        long sendTime = System.nanoTime() - sendStart;
                        sendNanos += sendTime;
                        sendTimes[sends++] = sendTime;
                        lastShared = step;
                    }
                    tile.step(halo, 0.2, 1e-3);
                }
                loopNanos = System.nanoTime() - start;
                bridge.close(lastShared);
            }
        }
        halos.free();
        TimingTable table = new TimingTable("rank", "loopNanos", "sendNanos", "sends", "sendMedianNanos");
        table.add(rank, loopNanos, sendNanos, sends, median(sendTimes, sends));
        table.write(Path.of(out + "-" + rank + ".tsv"));
        return 0;
    }

    /** The median of the first {@code count} values ({@link Stats#median}, rounded); 0 for none. */
    static long median(long[] values, int count) {
        return count == 0 ? 0 : Math.round(Stats.of(Arrays.stream(values, 0, count).asDoubleStream().toArray()).median());
    }
}
