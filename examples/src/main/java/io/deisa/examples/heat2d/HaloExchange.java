package io.deisa.examples.heat2d;

/**
 * Fills the ghost cells of a tile along the sides it shares with neighbouring tiles, from their
 * edge cells. Collective: every rank calls it once per solver step. Sides on the plate's boundary
 * are left to the {@link Tile}.
 */
public interface HaloExchange {
    /** Exchanges the edges of {@code tile} with its neighbours and fills its ghost cells. */
    void exchange(Tile tile);
}
