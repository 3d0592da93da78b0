package io.deisa.connector.source.split;

import org.apache.flink.annotation.Internal;

/** Mutable progress of one bridge split inside a reader: next sequence and last timestep seen. */
@Internal
public final class BridgeSplitState {
    private final BridgeSplit split;
    private long nextSequence;
    private long lastTimestep = Long.MIN_VALUE;

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

    /** Records that the chunk with {@code sequence} at {@code timestep} was emitted. */
    public void advance(long sequence, long timestep) {
        nextSequence = sequence + 1;
        lastTimestep = Math.max(lastTimestep, timestep);
    }

    /** Highest timestep emitted so far, or {@link Long#MIN_VALUE}. */
    public long lastTimestep() {
        return lastTimestep;
    }
}
