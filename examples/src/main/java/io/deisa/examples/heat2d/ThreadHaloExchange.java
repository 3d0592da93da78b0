package io.deisa.examples.heat2d;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;

/**
 * Halo exchange between ranks that are threads of one JVM: each rank posts its edges into a shared
 * mailbox, all ranks meet at a barrier, each copies its neighbours' edges into its ghost cells, and
 * all meet again before the mailbox is reused.
 */
public final class ThreadHaloExchange implements HaloExchange {
    private final Decomposition decomposition;
    private final double[][][] mailbox;
    private final CyclicBarrier barrier;

    private ThreadHaloExchange(Decomposition decomposition, double[][][] mailbox, CyclicBarrier barrier) {
        this.decomposition = decomposition;
        this.mailbox = mailbox;
        this.barrier = barrier;
    }

    /** One exchange per rank of {@code decomposition}, index = rank, sharing one mailbox. */
    public static List<HaloExchange> group(Decomposition decomposition) {
        double[][][] mailbox = new double[decomposition.ranks()][Side.values().length][];
        CyclicBarrier barrier = new CyclicBarrier(decomposition.ranks());
        List<HaloExchange> group = new ArrayList<>();
        for (int rank = 0; rank < decomposition.ranks(); rank++) {
            group.add(new ThreadHaloExchange(decomposition, mailbox, barrier));
        }
        return group;
    }

    @Override
    public void exchange(Tile tile) {
        int rank = tile.rank();
        for (Side side : Side.values()) {
            if (decomposition.neighbour(rank, side) != Decomposition.NONE) {
                mailbox[rank][side.ordinal()] = tile.edge(side);
            }
        }
        await(rank);
        for (Side side : Side.values()) {
            int neighbour = decomposition.neighbour(rank, side);
            if (neighbour != Decomposition.NONE) {
                tile.setGhost(side, mailbox[neighbour][side.opposite().ordinal()]);
            }
        }
        await(rank);
    }

    private void await(int rank) {
        try {
            barrier.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("rank " + rank + " was interrupted in the halo exchange", e);
        } catch (BrokenBarrierException e) {
            throw new IllegalStateException("rank " + rank + ": another rank left the halo exchange", e);
        }
    }
}
