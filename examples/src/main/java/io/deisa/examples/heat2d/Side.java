package io.deisa.examples.heat2d;

/** A side of a tile: rows grow to the south, columns to the east. */
public enum Side {
    NORTH, SOUTH, WEST, EAST;

    /** The side facing this one across a tile boundary. */
    public Side opposite() {
        return switch (this) {
            case NORTH -> SOUTH;
            case SOUTH -> NORTH;
            case WEST -> EAST;
            case EAST -> WEST;
        };
    }

    /** Whether this side is a row (north, south) rather than a column (west, east). */
    public boolean isRow() {
        return this == NORTH || this == SOUTH;
    }
}
