package io.deisa.connector.source.split;

import org.apache.flink.annotation.Internal;

/**
 * Mutable progress of one bridge split inside a reader: next sequence, last timestep seen and how
 * many chunks of it were emitted.
 */
@Internal
public final class BridgeSplitState {
    private final BridgeSplit split;
    private long nextSequence;
    private long lastTimestep = Long.MIN_VALUE;
    private int chunksAtLastTimestep;

    /** Starts from {@code split}'s position. */
    public BridgeSplitState(BridgeSplit split) {
        this.split = split;
        this.nextSequence = split.nextSequence();
    }

    /** The split as it must be checkpointed now. */
    public BridgeSplit toSplit() {
        return split.withNextSequence(nextSequence);
    }

    /** The bridge's id. */
    public int bridgeId() {
        return split.bridgeId();
    }

    /** Sequence number of the next chunk to emit. */
    public long nextSequence() {
        return nextSequence;
    }

    /**
     * Records that the bridge started {@code timestep}.
     *
     * @return whether it is newer than every timestep seen so far (its previous timestep is then over)
     */
    public boolean beginTimestep(long timestep) {
        if (timestep <= lastTimestep) {
            return false;
        }
        lastTimestep = timestep;
        chunksAtLastTimestep = 0;
        return true;
    }

    /** Records that the chunk with {@code sequence} at {@code timestep} was emitted. */
    public void advance(long sequence, long timestep) {
        nextSequence = sequence + 1;
        if (timestep > lastTimestep) {
            lastTimestep = timestep;
            chunksAtLastTimestep = 0;
        }
        chunksAtLastTimestep++;
    }

    /** Chunks emitted at {@link #lastTimestep()} (since this reader took the split over). */
    public int chunksAtLastTimestep() {
        return chunksAtLastTimestep;
    }

    /** Highest timestep emitted so far, or {@link Long#MIN_VALUE}. */
    public long lastTimestep() {
        return lastTimestep;
    }
}
