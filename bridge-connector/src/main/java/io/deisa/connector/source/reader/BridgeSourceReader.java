package io.deisa.connector.source.reader;

import io.deisa.connector.source.ChunkRecord;
import io.deisa.connector.source.split.BridgeSplit;
import io.deisa.connector.source.split.BridgeSplitState;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.source.reader.SourceReaderBase;
import org.apache.flink.metrics.MetricGroup;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The source reader: one fetcher thread reading every assigned bridge ({@link
 * MultiplexedBridgeReader}), per-bridge watermarks, and the next sequence number of every bridge in
 * its checkpointed split state. Metrics (group {@code deisa}): {@code chunksIn}, {@code bytesIn},
 * {@code readerMemoryBytes} (chunk bytes held, see {@link ReaderMemory}) and {@code
 * bridgeConnections} (data connections open).
 *
 * <p>Acknowledgements (the ack-on-checkpoint pattern of the Kafka and Pulsar readers): {@link
 * #snapshotState} remembers each split's next sequence number at the barrier; once that checkpoint
 * completes, {@link #notifyCheckpointComplete} has the fetcher send each bridge an ACK of
 * that position, so that the bridge drops the chunks the checkpoint covers. Acknowledgements are
 * cumulative (a skipped notification is covered by the next one); an aborted checkpoint
 * acknowledges nothing.
 *
 * <p>Fencing: the reader subscribes to its bridges only with the token the enumerator sends this
 * attempt ({@link ReaderFenceEvent}), so that bridges refuse any older attempt of the same reader.
 */
@Internal
public final class BridgeSourceReader
        extends SourceReaderBase<ChunkRecord, ChunkRecord, BridgeSplit, BridgeSplitState> {
    private static final Logger LOG = LoggerFactory.getLogger(BridgeSourceReader.class);

    private final MultiplexedFetcherManager fetchers;
    private final ReaderFence fence;
    /** Per checkpoint not yet completed or aborted: each split's next sequence at its barrier. */
    private final TreeMap<Long, Map<String, Long>> positionsByCheckpoint = new TreeMap<>();

    /** Creates a reader whose split readers use {@code settings}. */
    public BridgeSourceReader(BridgeSourceSettings settings, Configuration config, SourceReaderContext context) {
        this(new ReaderFence(), new ReaderMemory(settings.readerMemoryBytes()), new AtomicInteger(), settings,
                config, context);
    }

    private BridgeSourceReader(ReaderFence fence, ReaderMemory memory, AtomicInteger connections,
            BridgeSourceSettings settings, Configuration config, SourceReaderContext context) {
        this(new MultiplexedFetcherManager(
                        () -> new MultiplexedBridgeReader(settings, fence, memory, connections), config),
                fence, memory, connections, config, context, context.metricGroup().addGroup("deisa"));
    }

    private BridgeSourceReader(
            MultiplexedFetcherManager fetchers, ReaderFence fence, ReaderMemory memory, AtomicInteger connections,
            Configuration config, SourceReaderContext context, MetricGroup metrics) {
        super(
                fetchers,
                new BridgeRecordEmitter(metrics.counter("chunksIn"), metrics.counter("bytesIn"), memory),
                config,
                context);
        metrics.gauge("readerMemoryBytes", memory::inUse);
        metrics.gauge("bridgeConnections", connections::get);
        this.fetchers = fetchers;
        this.fence = fence;
    }

    /** The enumerator's {@link ReaderFenceEvent}: the token this attempt subscribes with. */
    @Override
    public void handleSourceEvents(SourceEvent event) {
        if (event instanceof ReaderFenceEvent fenceEvent) {
            fence.set(fenceEvent.token());
        } else {
            super.handleSourceEvents(event);
        }
    }

    @Override
    public List<BridgeSplit> snapshotState(long checkpointId) {
        List<BridgeSplit> splits = super.snapshotState(checkpointId);
        Map<String, Long> positions = new HashMap<>();
        for (BridgeSplit split : splits) {
            positions.put(split.splitId(), split.nextSequence());
        }
        positionsByCheckpoint.put(checkpointId, positions);
        return splits;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        Map<String, Long> positions = positionsByCheckpoint.get(checkpointId);
        positionsByCheckpoint.headMap(checkpointId, true).clear();
        if (positions != null) {
            fetchers.acknowledge(positions);
        }
    }

    @Override
    public void notifyCheckpointAborted(long checkpointId) throws Exception {
        super.notifyCheckpointAborted(checkpointId);
        positionsByCheckpoint.remove(checkpointId);
    }

    @Override
    protected void onSplitFinished(Map<String, BridgeSplitState> finished) {
        finished.forEach((id, state) -> LOG.info("Split {} finished at timestep {}", id, state.lastTimestep()));
    }

    @Override
    protected BridgeSplitState initializedState(BridgeSplit split) {
        return new BridgeSplitState(split);
    }

    @Override
    protected BridgeSplit toSplitType(String splitId, BridgeSplitState state) {
        return state.toSplit();
    }
}
