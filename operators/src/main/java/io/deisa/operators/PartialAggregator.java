package io.deisa.operators;

import io.deisa.analytics.Chunk;
import io.deisa.connector.source.ChunkRecord;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.InstantiationUtil;
import org.apache.flink.util.OutputTag;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Combines the chunks of aggregated streams where they are read (the pre-shuffle combiner the
 * DataStream API lacks): chained to the source (and the preprocessing), it adds each chunk of an
 * aggregated stream into this reader's accumulator of that stream and timestep, and, once the
 * watermark says this reader is done with a timestep, emits one {@link PartialAggregate} per
 * stream and timestep on the side output {@link #PARTIALS} before it forwards the watermark. So one
 * partial per reader and timestep crosses the network, not one per chunk. Chunks of streams that
 * are also assembled whole go on on the main output; the others stop here.
 *
 * <p>The open accumulators are operator state: a checkpoint holds what the chunks it covers added,
 * and after a restore the replayed chunks complete them, exactly once.
 *
 * <p>Metrics: counters {@code chunksAggregated}, {@code partialsOut}, {@code accumulatorBytesOut}
 * (the bytes of partials, which cross the network to the merge).
 */
@Internal
public final class PartialAggregator extends AbstractStreamOperator<ChunkRecord>
        implements OneInputStreamOperator<ChunkRecord, ChunkRecord> {
    private static final long serialVersionUID = 1L;

    /** Side output of the partials. */
    public static final OutputTag<PartialAggregate> PARTIALS =
            new OutputTag<>("partials", TypeInformation.of(PartialAggregate.class));

    private final ChunkForms forms;

    /** Open accumulators by timestep, then stream key. */
    private transient TreeMap<Long, Map<String, Open>> open;
    private transient ListState<PartialAggregate> openState;
    private transient Counter chunksAggregated;
    private transient Counter partialsOut;
    private transient Counter accumulatorBytesOut;

    /** One accumulator being filled. */
    private static final class Open {
        final ChunkForms.Aggregation aggregation;
        Object accumulator;
        long chunks;
        long gridChunks;

        Open(ChunkForms.Aggregation aggregation, Object accumulator, long chunks, long gridChunks) {
            this.aggregation = aggregation;
            this.accumulator = accumulator;
            this.chunks = chunks;
            this.gridChunks = gridChunks;
        }
    }

    /** Combines the aggregations of {@code forms}. */
    public PartialAggregator(ChunkForms forms) {
        this.forms = forms;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        open = new TreeMap<>();
        openState = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("deisa-open-partials", TypeInformation.of(PartialAggregate.class)));
        for (PartialAggregate restored : openState.get()) {
            ChunkForms.Aggregation aggregation = forms.aggregation(restored.key);
            Object accumulator = InstantiationUtil.deserializeObject(restored.accumulator, getUserCodeClassloader());
            Open existing = open.computeIfAbsent(restored.timestep, t -> new java.util.LinkedHashMap<>())
                    .get(restored.key);
            if (existing == null) {
                open.get(restored.timestep).put(restored.key,
                        new Open(aggregation, accumulator, restored.chunks, restored.gridChunks));
            } else { // state of several readers redistributed onto this one
                existing.accumulator = aggregation.aggregate().merge(existing.accumulator, accumulator);
                existing.chunks += restored.chunks;
            }
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        chunksAggregated = getMetricGroup().counter("chunksAggregated");
        partialsOut = getMetricGroup().counter("partialsOut");
        accumulatorBytesOut = getMetricGroup().counter("accumulatorBytesOut");
    }

    @Override
    public void processElement(StreamRecord<ChunkRecord> element) throws Exception {
        ChunkRecord chunk = element.getValue();
        if (chunk.isTimestepStart()) {
            output.collect(element);
            return;
        }
        List<ChunkForms.Aggregation> aggregations = forms.aggregationsOf(chunk.arrayName);
        if (!aggregations.isEmpty()) {
            Chunk view = new Chunk(nameOf(aggregations), chunk.timestep, chunk.chunkPosition, chunk.chunkShape,
                    chunk.dtype, chunk.data);
            long gridChunks = 1;
            for (int d : chunk.chunksPerDim) {
                gridChunks *= d;
            }
            Map<String, Open> atTimestep = open.computeIfAbsent(chunk.timestep, t -> new java.util.LinkedHashMap<>());
            for (ChunkForms.Aggregation aggregation : aggregations) {
                Open accumulating = atTimestep.get(aggregation.key());
                if (accumulating == null) {
                    accumulating = new Open(aggregation, aggregation.aggregate().createAccumulator(), 0, gridChunks);
                    atTimestep.put(aggregation.key(), accumulating);
                }
                accumulating.accumulator = aggregation.aggregate().add(view, accumulating.accumulator);
                accumulating.chunks++;
            }
            chunksAggregated.inc();
        }
        if (forms.assembles(chunk.arrayName)) {
            output.collect(element);
        }
    }

    private static String nameOf(List<ChunkForms.Aggregation> aggregations) {
        return aggregations.get(0).name();
    }

    /** Emits the partials of every timestep the watermark passed, then forwards it. */
    @Override
    public void processWatermark(Watermark mark) throws Exception {
        Iterator<Map.Entry<Long, Map<String, Open>>> timesteps = open.headMap(mark.getTimestamp(), true)
                .entrySet().iterator();
        while (timesteps.hasNext()) {
            Map.Entry<Long, Map<String, Open>> entry = timesteps.next();
            for (Open accumulating : entry.getValue().values()) {
                PartialAggregate partial = toPartial(entry.getKey(), accumulating);
                output.collect(PARTIALS, new StreamRecord<>(partial, entry.getKey()));
                partialsOut.inc();
                accumulatorBytesOut.inc(partial.accumulator.length);
            }
            timesteps.remove();
        }
        super.processWatermark(mark);
    }

    private PartialAggregate toPartial(long timestep, Open accumulating) {
        byte[] accumulator;
        try {
            accumulator = InstantiationUtil.serializeObject(accumulating.accumulator);
        } catch (IOException e) {
            throw new org.apache.flink.runtime.execution.SuppressRestartsException(
                    new RunFailure("The accumulator of the aggregate of array '"
                            + accumulating.aggregation.name() + "' at timestep " + timestep + " ("
                            + accumulating.aggregation.aggregate().getClass().getName()
                            + ") cannot be Java-serialized to leave the reader: " + e, e));
        }
        return new PartialAggregate(accumulating.aggregation.key(), accumulating.aggregation.name(), timestep,
                getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(), accumulating.chunks,
                accumulating.gridChunks, accumulator);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        List<PartialAggregate> partials = new ArrayList<>();
        for (Map.Entry<Long, Map<String, Open>> entry : open.entrySet()) {
            for (Open accumulating : entry.getValue().values()) {
                partials.add(toPartial(entry.getKey(), accumulating));
            }
        }
        openState.update(partials);
    }
}
