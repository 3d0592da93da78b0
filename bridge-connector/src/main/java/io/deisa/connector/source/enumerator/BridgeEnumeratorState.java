package io.deisa.connector.source.enumerator;

import io.deisa.connector.source.split.BridgeSplit;

import org.apache.flink.annotation.Internal;

import java.util.List;

/**
 * Checkpointed state of the enumerator: the bridge splits not yet handed to a reader, and whether
 * every split of the world has been handed out already.
 *
 * @param pendingSplits splits waiting for a reader
 * @param allAssigned whether the world registered and all its splits were assigned
 */
@Internal
public record BridgeEnumeratorState(List<BridgeSplit> pendingSplits, boolean allAssigned) {
    /** The state of a fresh enumerator. */
    public static BridgeEnumeratorState initial() {
        return new BridgeEnumeratorState(List.of(), false);
    }
}
