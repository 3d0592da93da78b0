package io.deisa.connector.source.enumerator;

import io.deisa.connector.source.head.HeadListener;
import io.deisa.connector.source.head.HeadRun;
import io.deisa.connector.source.head.HeadServer;
import io.deisa.connector.source.reader.ReaderFenceEvent;
import io.deisa.connector.source.split.BridgeSplit;
import io.deisa.wire.Registration;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.ReaderInfo;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.SplitsAssignment;
import org.apache.flink.runtime.throwable.ThrowableAnnotation;
import org.apache.flink.runtime.throwable.ThrowableType;
import org.apache.flink.util.FlinkRuntimeException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The enumerator runs on the JobManager and hosts the {@link HeadServer}. Once every bridge has
 * registered, it turns each bridge into a {@link BridgeSplit} and hands the splits to readers
 * (on the bridge's host first), then tells every reader that no more splits will come, so that the
 * job finishes once every bridge has sent END. A failure reported by the head (a bridge that
 * vanished, a contract violation) fails the job with the head's message. Its checkpoint holds the
 * head's run ({@link HeadRun}): after a failover of the job's coordinator the new enumerator's head
 * takes the run over, and the bridges rejoin it.
 */
@Internal
public final class BridgeSplitEnumerator implements SplitEnumerator<BridgeSplit, BridgeEnumeratorState>, HeadListener {
    private static final Logger LOG = LoggerFactory.getLogger(BridgeSplitEnumerator.class);

    private final SplitEnumeratorContext<BridgeSplit> context;
    private final HeadServer head;
    private final BridgeSplitAssigner assigner = new BridgeSplitAssigner();
    private final List<BridgeSplit> pending;
    private final Map<Integer, String> bridgeHosts = new HashMap<>();
    private final Map<Integer, Integer> load = new HashMap<>();
    private boolean allAssigned;
    /** The last fencing token handed out in this JVM. */
    private static long lastFence;

    /**
     * An enumerator hosting a head built by {@code headFactory} (given this enumerator as its
     * listener and the run to take over, null for a new run), starting from {@code state}.
     */
    public BridgeSplitEnumerator(
            SplitEnumeratorContext<BridgeSplit> context,
            BiFunction<HeadListener, HeadRun, HeadServer> headFactory,
            BridgeEnumeratorState state) {
        this.context = context;
        this.pending = new ArrayList<>(state.pendingSplits());
        this.allAssigned = state.allAssigned();
        this.head = headFactory.apply(this, state.run());
        if (state.run() != null && !state.run().world().isEmpty() && pending.isEmpty() && !allAssigned) {
            // The checkpoint caught the world registered at the head before this enumerator made
            // its splits: the restored head will not announce it again.
            addSplitsOf(state.run().world());
        }
    }

    private void addSplitsOf(List<Registration> bridges) {
        for (Registration bridge : bridges) {
            bridgeHosts.put(bridge.bridgeId(), bridge.host());
            pending.add(new BridgeSplit(bridge.bridgeId(), bridge.dataHost(), bridge.dataPort(), 0));
        }
    }

    @Override
    public void start() {
        try {
            head.start();
        } catch (IOException e) {
            throw new FlinkRuntimeException(e.getMessage(), e);
        }
    }

    @Override
    public void onWorldRegistered(List<Registration> bridges) {
        context.runInCoordinatorThread(() -> {
            addSplitsOf(bridges);
            assignPendingSplits();
        });
    }

    @Override
    public void onRunFailed(String reason) {
        context.callAsync(
                () -> {
                    throw new BridgeRunException(reason);
                },
                (ignored, error) -> {
                    throw new BridgeRunException(error.getMessage());
                });
    }

    @Override
    public void onHeadFailed(Throwable error) {
        // Not annotated: the job fails over (when it has a restart strategy) and a new enumerator
        // restores the head from the last checkpoint; the bridges rejoin it.
        context.callAsync(
                () -> {
                    throw new FlinkRuntimeException("The analytics head failed: " + error, error);
                },
                (ignored, failure) -> {
                    throw new FlinkRuntimeException(failure.getMessage(), failure);
                });
    }

    private void assignPendingSplits() {
        Map<Integer, ReaderInfo> readers = context.registeredReaders();
        if (pending.isEmpty() || readers.size() < context.currentParallelism()) {
            return;
        }
        Map<Integer, String> locations = new HashMap<>();
        readers.forEach((subtask, info) -> locations.put(subtask, info.getLocation()));
        Map<Integer, List<BridgeSplit>> assignment = assigner.assign(pending, locations, bridgeHosts, load);
        LOG.info("Assigning bridges to readers: {}", assignment);
        context.assignSplits(new SplitsAssignment<>(assignment));
        pending.clear();
        allAssigned = true;
        // Also after splits came back from failed readers: the new attempts must learn that no
        // more splits will come, or the job never finishes.
        readers.keySet().forEach(context::signalNoMoreSplits);
    }

    @Override
    public void addReader(int subtaskId) {
        // Sent before any split: the events of one reader arrive in order.
        context.sendEventToSourceReader(subtaskId, new ReaderFenceEvent(nextFence()));
        assignPendingSplits();
        if (allAssigned && pending.isEmpty()) {
            context.signalNoMoreSplits(subtaskId);
        }
    }

    /**
     * A fencing token larger than any this JobManager handed out: microseconds of its wall clock,
     * and at least one more than the last, so that it keeps growing across enumerators recreated by
     * a failover (which all run in this JobManager).
     */
    private static synchronized long nextFence() {
        lastFence = Math.max(lastFence + 1, System.currentTimeMillis() * 1_000);
        return lastFence;
    }

    @Override
    public void addSplitsBack(List<BridgeSplit> splits, int subtaskId) {
        LOG.info("Reader {} failed; re-assigning {}", subtaskId, splits);
        load.remove(subtaskId);
        pending.addAll(splits);
    }

    @Override
    public void handleSplitRequest(int subtaskId, String requesterHostname) {
        // Splits are pushed once the world registered; readers never need to ask.
    }

    @Override
    public BridgeEnumeratorState snapshotState(long checkpointId) {
        return new BridgeEnumeratorState(List.copyOf(pending), allAssigned, head.runSnapshot());
    }

    @Override
    public void close() {
        head.close();
    }

    /**
     * The run cannot continue; its message comes from the head. Not recoverable by a restart (a
     * vanished bridge, a broken contract or an incomplete world stay so), whatever the restart
     * strategy: Flink's failover classifies the job's failure by this annotation.
     */
    @ThrowableAnnotation(ThrowableType.NonRecoverableError)
    static final class BridgeRunException extends FlinkRuntimeException {
        private static final long serialVersionUID = 1L;

        BridgeRunException(String message) {
            super(message);
        }
    }
}
