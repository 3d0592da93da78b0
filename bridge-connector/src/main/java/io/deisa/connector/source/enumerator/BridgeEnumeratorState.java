package io.deisa.connector.source.enumerator;

import io.deisa.connector.source.head.HeadRun;
import io.deisa.connector.source.split.BridgeSplit;

import org.apache.flink.annotation.Internal;

import java.util.List;

/**
 * Checkpointed state of the enumerator: the bridge splits not yet handed to a reader, whether every
 * split of the world has been handed out already, and the head's run, so that a head recreated by a
 * failover of the job's coordinator takes the run over (the bridges rejoin it, the feedback
 * survives).
 *
 * @param pendingSplits splits waiting for a reader
 * @param allAssigned whether the world registered and all its splits were assigned
 * @param run the head's run at the checkpoint, or null for a fresh enumerator
 */
@Internal
public record BridgeEnumeratorState(List<BridgeSplit> pendingSplits, boolean allAssigned, HeadRun run) {
    /** The state of a fresh enumerator. */
    public static BridgeEnumeratorState initial() {
        return new BridgeEnumeratorState(List.of(), false, null);
    }
}
