package io.deisa.examples.heat2d;

import mpi.Intracomm;
import mpi.MPI;
import mpi.MPIException;

/**
 * Halo exchange between MPI ranks: for each side, one {@code sendRecv} sends the tile's edge to
 * the neighbour across that side and receives the opposite neighbour's edge into the opposite
 * ghost cells ({@code MPI.PROC_NULL} on the plate's boundary). Loaded only in MPI mode.
 */
public final class MpiHaloExchange implements HaloExchange {
    private final Intracomm comm;
    private final Decomposition decomposition;

    /** Exchanges over {@code comm}, whose ranks are those of {@code decomposition}. */
    public MpiHaloExchange(Intracomm comm, Decomposition decomposition) {
        this.comm = comm;
        this.decomposition = decomposition;
    }

    @Override
    public void exchange(Tile tile) {
        int rank = tile.rank();
        for (Side side : Side.values()) {
            Side opposite = side.opposite();
            int dest = peer(rank, side);
            int source = peer(rank, opposite);
            int length = decomposition.edgeLength(side);
            double[] send = dest == MPI.PROC_NULL ? new double[length] : tile.edge(side);
            double[] receive = new double[length];
            try {
                comm.sendRecv(send, length, MPI.DOUBLE, dest, side.ordinal(),
                        receive, length, MPI.DOUBLE, source, side.ordinal());
            } catch (MPIException e) {
                throw new IllegalStateException("rank " + rank + ": halo exchange towards " + side + " failed", e);
            }
            if (source != MPI.PROC_NULL) {
                tile.setGhost(opposite, receive);
            }
        }
    }

    private int peer(int rank, Side side) {
        int neighbour = decomposition.neighbour(rank, side);
        return neighbour == Decomposition.NONE ? MPI.PROC_NULL : neighbour;
    }
}
