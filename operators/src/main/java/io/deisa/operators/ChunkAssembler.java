package io.deisa.operators;

import io.deisa.connector.source.ChunkRecord;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.IntSerializer;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Assembles the chunks of one distributed array at one timestep, sent by many bridges, into one
 * {@link AssembledArray}.
 *
 * <pre>{@code
 * DataStream<AssembledArray> arrays =
 *         chunks.keyBy(new ArrayTimestepKey()).process(new ChunkAssembler()).name("assemble");
 * }</pre>
 *
 * <p>Keyed by (array, timestep) with {@link ArrayTimestepKey}. The first chunk of a key declares
 * the layout (dtype, chunk shape, grid); every chunk is checked against it, and a chunk with a
 * different layout, a position outside the grid, a wrong byte length or a position that already
 * arrived fails the job with a message naming the array, timestep, position and bridges. When the
 * last chunk arrives the array is emitted (with the chunks' timestamp, the timestep) and all state
 * of the key is cleared.
 *
 * <p>An event-time timer at the timestep fires once no bridge can send data of that timestep any
 * more (the source's watermark passed it). If the array is still incomplete then, some bridge did
 * not send its chunk, and the job fails with the positions received and missing.
 *
 * <p>State per key: each chunk is its own {@code MapState<Integer, byte[]>} entry (RocksDB caps one
 * value at 2 GiB), the sending bridge of each position in a small {@code MapState<Integer,
 * Integer>} (cheap duplicate checks without reading chunk bytes), and an {@link AssemblyProgress}.
 *
 * <p>Metrics: counters {@code chunksIn}, {@code bytesIn}, {@code arraysAssembled}; histogram
 * {@code assemblyLatencyMs} (wall clock from first to last chunk).
 */
@Internal
public class ChunkAssembler
        extends KeyedProcessFunction<Tuple2<String, Long>, ChunkRecord, AssembledArray> {

    private static final long serialVersionUID = 1L;

    /** Number of recent samples the latency histogram keeps. */
    static final int HISTOGRAM_WINDOW = 1000;

    /** Longest list of positions quoted in an error message. */
    private static final int MAX_QUOTED_POSITIONS = 32;

    private transient ValueState<AssemblyProgress> progress;
    private transient MapState<Integer, byte[]> chunks;
    private transient MapState<Integer, Integer> senders;

    private transient Counter chunksIn;
    private transient Counter bytesIn;
    private transient Counter arraysAssembled;
    private transient Histogram assemblyLatencyMs;

    static ValueStateDescriptor<AssemblyProgress> progressDescriptor() {
        return new ValueStateDescriptor<>("progress", TypeInformation.of(AssemblyProgress.class));
    }

    static MapStateDescriptor<Integer, byte[]> chunksDescriptor() {
        return new MapStateDescriptor<>(
                "chunks", IntSerializer.INSTANCE, ChunkBytesSerializer.INSTANCE);
    }

    static MapStateDescriptor<Integer, Integer> sendersDescriptor() {
        return new MapStateDescriptor<>("senders", Types.INT, Types.INT);
    }

    @Override
    public void open(OpenContext openContext) {
        progress = getRuntimeContext().getState(progressDescriptor());
        chunks = getRuntimeContext().getMapState(chunksDescriptor());
        senders = getRuntimeContext().getMapState(sendersDescriptor());

        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        chunksIn = metrics.counter("chunksIn");
        bytesIn = metrics.counter("bytesIn");
        arraysAssembled = metrics.counter("arraysAssembled");
        assemblyLatencyMs =
                metrics.histogram(
                        "assemblyLatencyMs", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
    }

    @Override
    public void processElement(ChunkRecord chunk, Context ctx, Collector<AssembledArray> out)
            throws Exception {
        chunksIn.inc();
        bytesIn.inc(chunk.data == null ? 0 : chunk.data.length);

        AssemblyProgress current = progress.value();
        if (current == null) {
            current = start(chunk, ctx);
        }
        int index = ChunkValidation.linearIndexOf(chunk, current.layout, current.firstBridge);
        Integer earlierSender = senders.get(index);
        if (earlierSender != null) {
            throw new IllegalStateException(
                    "Duplicate chunk of array '"
                            + chunk.arrayName
                            + "' at timestep "
                            + chunk.timestep
                            + ", position "
                            + Arrays.toString(chunk.chunkPosition)
                            + ": sent by bridge "
                            + earlierSender
                            + " and again by bridge "
                            + chunk.bridgeId);
        }
        current.received++;

        if (current.isComplete()) {
            // The last chunk goes straight into the array, without a round trip through state.
            byte[][] ordered = storedChunks(current.layout);
            ordered[index] = chunk.data;
            out.collect(new AssembledArray(chunk.arrayName, chunk.timestep, current.layout, ordered));
            arraysAssembled.inc();
            assemblyLatencyMs.update(System.currentTimeMillis() - current.startedAtMillis);
            clearKey();
        } else {
            senders.put(index, chunk.bridgeId);
            chunks.put(index, chunk.data);
            progress.update(current);
        }
    }

    /** Validates the first chunk of a key and registers the completeness check. */
    private AssemblyProgress start(ChunkRecord chunk, Context ctx) {
        long watermark = ctx.timerService().currentWatermark();
        if (chunk.timestep <= watermark) {
            throw new IllegalStateException(
                    "Late "
                            + ChunkValidation.describe(chunk)
                            + ": every bridge had already finished timestep "
                            + chunk.timestep
                            + " (watermark "
                            + watermark
                            + "). Either the array was already complete and this chunk is a"
                            + " duplicate, or the bridge sent timesteps out of order.");
        }
        ArrayLayout layout = ChunkValidation.layoutOf(chunk);
        ctx.timerService().registerEventTimeTimer(chunk.timestep);
        return new AssemblyProgress(layout, chunk.bridgeId, System.currentTimeMillis());
    }

    /** The chunks stored so far, at their linear index; the others are null. */
    private byte[][] storedChunks(ArrayLayout layout) throws Exception {
        byte[][] ordered = new byte[layout.chunkCount()][];
        for (Map.Entry<Integer, byte[]> entry : chunks.entries()) {
            ordered[entry.getKey()] = entry.getValue();
        }
        return ordered;
    }

    private void clearKey() {
        progress.clear();
        chunks.clear();
        senders.clear();
    }

    /** Fires once timestep {@code timestamp} can no longer change: the array must be complete. */
    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<AssembledArray> out)
            throws Exception {
        AssemblyProgress current = progress.value();
        if (current == null) {
            return; // assembled and cleared already
        }
        Map<Integer, Integer> received = new TreeMap<>();
        for (Map.Entry<Integer, Integer> entry : senders.entries()) {
            received.put(entry.getKey(), entry.getValue());
        }
        ArrayLayout layout = current.layout;
        List<String> receivedPositions = new ArrayList<>();
        received.forEach(
                (index, bridge) -> {
                    if (receivedPositions.size() < MAX_QUOTED_POSITIONS) {
                        String position = Arrays.toString(layout.position(index));
                        receivedPositions.add(position + " (bridge " + bridge + ")");
                    }
                });
        List<String> missingPositions = new ArrayList<>();
        for (int index = 0;
                index < layout.chunkCount() && missingPositions.size() < MAX_QUOTED_POSITIONS;
                index++) {
            if (!received.containsKey(index)) {
                missingPositions.add(Arrays.toString(layout.position(index)));
            }
        }
        String array = ctx.getCurrentKey().f0;
        throw new IllegalStateException(
                "Array '"
                        + array
                        + "' at timestep "
                        + timestamp
                        + " is incomplete: every bridge finished timestep "
                        + timestamp
                        + " but only "
                        + current.received
                        + " of "
                        + layout.chunkCount()
                        + " chunks arrived. Received positions "
                        + quote(receivedPositions, received.size())
                        + "; missing positions "
                        + quote(missingPositions, layout.chunkCount() - received.size())
                        + ". The bridges owning the missing positions did not send their chunk of '"
                        + array
                        + "' for timestep "
                        + timestamp
                        + ".");
    }

    /** "[a, b, ... (n more)]": the first positions of a list of {@code total}. */
    private static String quote(List<String> firstPositions, int total) {
        String more =
                total > firstPositions.size()
                        ? ", ... (" + (total - firstPositions.size()) + " more)"
                        : "";
        return "[" + String.join(", ", firstPositions) + more + "]";
    }
}
