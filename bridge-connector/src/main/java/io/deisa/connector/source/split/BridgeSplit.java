package io.deisa.connector.source.split;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceSplit;

/**
 * The split of one bridge: where its data endpoint listens and the sequence number of the next
 * chunk the job has not taken yet (what a restored reader asks the bridge to resend from).
 */
@Internal
public final class BridgeSplit implements SourceSplit {
    private final int bridgeId;
    private final String host;
    private final int port;
    private final long nextSequence;

    /** Creates the split of bridge {@code bridgeId} listening at {@code host:port}. */
    public BridgeSplit(int bridgeId, String host, int port, long nextSequence) {
        this.bridgeId = bridgeId;
        this.host = host;
        this.port = port;
        this.nextSequence = nextSequence;
    }

    /** The split id of bridge {@code bridgeId}. */
    public static String splitId(int bridgeId) {
        return "bridge-" + bridgeId;
    }

    @Override
    public String splitId() {
        return splitId(bridgeId);
    }

    /** The bridge's id. */
    public int bridgeId() {
        return bridgeId;
    }

    /** Host of the bridge's data endpoint. */
    public String host() {
        return host;
    }

    /** Port of the bridge's data endpoint. */
    public int port() {
        return port;
    }

    /** Sequence number of the next chunk to read. */
    public long nextSequence() {
        return nextSequence;
    }

    /** This split with another next sequence number. */
    public BridgeSplit withNextSequence(long sequence) {
        return new BridgeSplit(bridgeId, host, port, sequence);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BridgeSplit s && s.bridgeId == bridgeId && s.port == port
                && s.nextSequence == nextSequence && s.host.equals(host);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(bridgeId, host, port, nextSequence);
    }

    @Override
    public String toString() {
        return "BridgeSplit{bridge=" + bridgeId + ", endpoint=" + host + ":" + port + ", next=" + nextSequence + "}";
    }
}
