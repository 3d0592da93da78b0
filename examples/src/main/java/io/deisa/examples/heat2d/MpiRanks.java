package io.deisa.examples.heat2d;

import io.deisa.bridge.SystemMetadata;
import io.deisa.bridge.comm.MpiCommunicator;

import mpi.Intracomm;
import mpi.MPI;

import java.time.Duration;

/**
 * The heat2d simulation as one MPI rank (started by {@code mpirun}): halos through
 * {@link MpiHaloExchange} on a duplicate of {@code MPI.COMM_WORLD}, the bridge over
 * {@link MpiCommunicator#world()}. Prints the rank's {@link RankResult#toLine() result line}. Only
 * this class and {@link MpiHaloExchange} load the Open MPI Java bindings.
 */
public final class MpiRanks {
    private MpiRanks() {}

    /**
     * Initialises MPI, runs this process's rank, finalises MPI. On a failure, prints it and aborts
     * the whole MPI job (no rank waits forever in a collective); returns the process exit code.
     */
    public static int run(Heat2dConfig config, String head, Duration timeout, String[] args) throws Exception {
        MPI.Init(args);
        MPI.COMM_WORLD.setErrhandler(MPI.ERRORS_RETURN);
        int rank = MPI.COMM_WORLD.getRank();
        try {
            Decomposition decomposition = config.decomposition();
            if (MPI.COMM_WORLD.getSize() != decomposition.ranks()) {
                throw new IllegalArgumentException("mpirun started " + MPI.COMM_WORLD.getSize()
                        + " ranks, the process grid " + config.procRows() + "x" + config.procCols()
                        + " needs " + decomposition.ranks());
            }
            SystemMetadata system = SystemMetadata.builder()
                    .worldSize(decomposition.ranks())
                    .head(head)
                    .connectTimeout(timeout)
                    .build();
            Intracomm halos = MPI.COMM_WORLD.dup();
            RankResult result;
            try (MpiCommunicator comm = MpiCommunicator.world()) {
                result = new Heat2dSimulation(config, rank, new MpiHaloExchange(halos, decomposition)).run(system, comm);
            } finally {
                halos.free();
            }
            System.out.println(result.toLine());
        } catch (Throwable e) {
            System.out.println("heat2d rank " + rank + " failed: " + e);
            e.printStackTrace(System.out);
            System.out.flush();
            MPI.COMM_WORLD.abort(1);
        }
        System.out.flush();
        MPI.Finalize();
        return 0;
    }
}
