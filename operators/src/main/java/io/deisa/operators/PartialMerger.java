package io.deisa.operators;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.InstantiationUtil;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Merges the readers' {@link PartialAggregate}s of one aggregated stream and timestep, keyed by
 * ({@code key}, {@code timestep}) with {@link PartialKey}. An event-time timer at the timestep
 * fires once every reader's watermark passed it, so every reader has sent its partial: the
 * partials are merged in the order of the readers' subtask indexes (the same result whatever order
 * they arrived in), checked to cover every chunk of the grid exactly once, and the aggregate's
 * result is emitted for the callbacks as an {@link AssembledArray} carrying {@link
 * AssembledArray#aggregate}.
 *
 * <p>A timestep whose partials do not cover the grid fails the job naming the array, the timestep
 * and the counts.
 *
 * <p>Metrics: counters {@code aggregatesMerged}, {@code partialsIn}.
 */
@Internal
public final class PartialMerger extends KeyedProcessFunction<Tuple2<String, Long>, PartialAggregate, AssembledArray> {
    private static final long serialVersionUID = 1L;

    private final ChunkForms forms;
    private transient ListState<PartialAggregate> partials;
    private transient Counter aggregatesMerged;
    private transient Counter partialsIn;

    /** Merges the aggregations of {@code forms}. */
    public PartialMerger(ChunkForms forms) {
        this.forms = forms;
    }

    @Override
    public void open(OpenContext context) {
        partials = getRuntimeContext().getListState(
                new ListStateDescriptor<>("partials", TypeInformation.of(PartialAggregate.class)));
        aggregatesMerged = getRuntimeContext().getMetricGroup().counter("aggregatesMerged");
        partialsIn = getRuntimeContext().getMetricGroup().counter("partialsIn");
    }

    @Override
    public void processElement(PartialAggregate partial, Context ctx, Collector<AssembledArray> out) throws Exception {
        partials.add(partial);
        partialsIn.inc();
        ctx.timerService().registerEventTimeTimer(partial.timestep);
    }

    @Override
    public void onTimer(long timestep, OnTimerContext ctx, Collector<AssembledArray> out) throws Exception {
        List<PartialAggregate> received = new ArrayList<>();
        partials.get().forEach(received::add);
        partials.clear();
        received.sort(Comparator.comparingInt((PartialAggregate p) -> p.subtask));
        PartialAggregate first = received.get(0);
        ChunkForms.Aggregation aggregation = forms.aggregation(first.key);
        ClassLoader loader = getRuntimeContext().getUserCodeClassLoader();
        Object merged = null;
        long chunks = 0;
        for (PartialAggregate partial : received) {
            Object accumulator = InstantiationUtil.deserializeObject(partial.accumulator, loader);
            merged = merged == null ? accumulator : aggregation.aggregate().merge(merged, accumulator);
            chunks += partial.chunks;
        }
        if (chunks != first.gridChunks) {
            throw new IllegalStateException("The aggregate of array '" + first.name + "' at timestep " + timestep
                    + " covers " + chunks + " chunk(s) of its grid of " + first.gridChunks + " (from " + received.size()
                    + " reader partial(s)): " + (chunks < first.gridChunks ? "chunks are missing" : "chunks were added twice"));
        }
        Object result = aggregation.aggregate().getResult(merged);
        out.collect(AssembledArray.ofAggregate(first.key, timestep, InstantiationUtil.serializeObject(result)));
        aggregatesMerged.inc();
    }
}
