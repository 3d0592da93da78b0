package io.deisa.connector.source;

import io.deisa.connector.source.enumerator.BridgeEnumeratorState;
import io.deisa.connector.source.enumerator.BridgeEnumeratorStateSerializer;
import io.deisa.connector.source.enumerator.BridgeSplitEnumerator;
import io.deisa.connector.source.head.HeadServer;
import io.deisa.connector.source.reader.BridgeSourceReader;
import io.deisa.connector.source.reader.BridgeSourceSettings;
import io.deisa.connector.source.split.BridgeSplit;
import io.deisa.connector.source.split.BridgeSplitSerializer;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.io.SimpleVersionedSerializer;

import java.util.Set;
import java.util.TreeSet;

/**
 * The Flink source that reads chunks from simulation bridges: one split per bridge, per-bridge
 * watermarks where the timestep is the event time, and the head endpoint (where bridges register)
 * hosted by the split enumerator on the JobManager.
 *
 * <pre>{@code
 * Configuration conf = new Configuration();
 * conf.set(BridgeSourceOptions.HEAD, "0.0.0.0:29600");
 * DataStream<ChunkRecord> chunks = env.fromSource(
 *     new BridgeSource(conf, Set.of("temperature")), WatermarkStrategy.noWatermarks(), "bridges");
 * }</pre>
 *
 * <p>The source is unbounded (it runs as long as the simulation) but ends once every bridge has
 * closed the run, which finishes the job.
 */
@PublicEvolving
public final class BridgeSource
        implements Source<ChunkRecord, BridgeSplit, BridgeEnumeratorState>, ResultTypeQueryable<ChunkRecord> {
    private static final long serialVersionUID = 1L;

    private final Configuration configuration;
    private final TreeSet<String> requestedArrays;

    /**
     * A source configured by {@link BridgeSourceOptions} in {@code configuration}, for analytics
     * that request {@code requestedArrays} (checked against what the bridges declare).
     */
    public BridgeSource(Configuration configuration, Set<String> requestedArrays) {
        this.configuration = new Configuration(configuration);
        this.requestedArrays = new TreeSet<>(requestedArrays);
        HeadAddress.parse(configuration.get(BridgeSourceOptions.HEAD));
    }

    @Override
    public Boundedness getBoundedness() {
        return Boundedness.CONTINUOUS_UNBOUNDED;
    }

    @Override
    public SourceReader<ChunkRecord, BridgeSplit> createReader(SourceReaderContext readerContext) {
        BridgeSourceSettings settings = new BridgeSourceSettings(
                configuration.get(BridgeSourceOptions.READER_CONNECT_TIMEOUT),
                configuration.get(BridgeSourceOptions.FRAME_TIMEOUT),
                configuration.get(BridgeSourceOptions.POLL_TIMEOUT),
                configuration.get(BridgeSourceOptions.MAX_FRAME_BYTES),
                configuration.get(BridgeSourceOptions.READER_MEMORY).getBytes());
        return new BridgeSourceReader(settings, configuration, readerContext);
    }

    @Override
    public SplitEnumerator<BridgeSplit, BridgeEnumeratorState> createEnumerator(
            SplitEnumeratorContext<BridgeSplit> context) {
        return restoreEnumerator(context, BridgeEnumeratorState.initial());
    }

    @Override
    public SplitEnumerator<BridgeSplit, BridgeEnumeratorState> restoreEnumerator(
            SplitEnumeratorContext<BridgeSplit> context, BridgeEnumeratorState checkpoint) {
        HeadAddress head = HeadAddress.parse(configuration.get(BridgeSourceOptions.HEAD));
        return new BridgeSplitEnumerator(
                context,
                (listener, run) -> new HeadServer(head.host(), head.port(), requestedArrays,
                        configuration.get(BridgeSourceOptions.MAX_SIMULATION_AHEAD),
                        configuration.get(BridgeSourceOptions.FEEDBACK_QUEUE_SIZE),
                        configuration.get(BridgeSourceOptions.REGISTRATION_TIMEOUT),
                        configuration.get(BridgeSourceOptions.REPLAY), run, listener),
                checkpoint);
    }

    @Override
    public SimpleVersionedSerializer<BridgeSplit> getSplitSerializer() {
        return new BridgeSplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<BridgeEnumeratorState> getEnumeratorCheckpointSerializer() {
        return new BridgeEnumeratorStateSerializer();
    }

    @Override
    public TypeInformation<ChunkRecord> getProducedType() {
        return TypeInformation.of(ChunkRecord.class);
    }
}
