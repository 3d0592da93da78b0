package io.deisa.connector.source.reader;

import io.deisa.connector.source.ChunkRecord;
import io.deisa.connector.source.split.BridgeSplit;
import io.deisa.connector.source.split.BridgeSplitState;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.source.reader.SourceReaderBase;
import org.apache.flink.metrics.MetricGroup;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * The source reader: one fetcher thread per assigned bridge, per-bridge watermarks, and the next
 * sequence number of every bridge in its checkpointed split state.
 */
@Internal
public final class BridgeSourceReader
        extends SourceReaderBase<ChunkRecord, ChunkRecord, BridgeSplit, BridgeSplitState> {
    private static final Logger LOG = LoggerFactory.getLogger(BridgeSourceReader.class);

    /** Creates a reader whose split readers use {@code settings}. */
    public BridgeSourceReader(BridgeSourceSettings settings, Configuration config, SourceReaderContext context) {
        this(settings, config, context, context.metricGroup().addGroup("deisa"));
    }

    private BridgeSourceReader(
            BridgeSourceSettings settings, Configuration config, SourceReaderContext context, MetricGroup metrics) {
        super(
                new PerSplitFetcherManager(() -> new BridgeSplitReader(settings), config),
                new BridgeRecordEmitter(metrics.counter("chunksIn"), metrics.counter("bytesIn")),
                config,
                context);
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
