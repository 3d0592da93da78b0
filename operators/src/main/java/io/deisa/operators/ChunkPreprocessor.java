package io.deisa.operators;

import io.deisa.analytics.Chunk;
import io.deisa.bridge.DType;
import io.deisa.connector.source.ChunkRecord;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.streaming.api.operators.StreamingRuntimeContext;
import org.apache.flink.util.Collector;
import org.apache.flink.util.FlinkRuntimeException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Runs the {@link io.deisa.analytics.ChunkFunction}s of {@link
 * io.deisa.analytics.WindowSpec#preprocess} on each chunk where it is read: chained to the source,
 * in the task that reads the chunk's bridge, before any shuffle. For each chunk it emits the raw
 * chunk when something assembles or aggregates it, and one FLOAT64 chunk of the declared output
 * shape, on the same grid position, per preprocessing of its array (named by the preprocessing's
 * stream key). Timestep markers pass through.
 *
 * <p>A result of the wrong length, or an exception, fails the run without restart (it would fail
 * again on the same chunk), with a message naming the array, timestep and chunk position, which
 * the head also passes on to every bridge.
 *
 * <p>Metrics: counters {@code chunksPreprocessed}, {@code preprocessedBytesOut}.
 */
@Internal
public final class ChunkPreprocessor extends RichFlatMapFunction<ChunkRecord, ChunkRecord> {
    private static final long serialVersionUID = 1L;

    private final ChunkForms forms;
    private final String head;
    private transient Counter chunksPreprocessed;
    private transient Counter bytesOut;

    /**
     * Preprocesses the chunks as {@code forms} says; a failure is told to the head at {@code head}
     * ({@code host:port}), for the bridges.
     */
    public ChunkPreprocessor(ChunkForms forms, String head) {
        this.forms = forms;
        this.head = head;
    }

    @Override
    public void open(OpenContext context) {
        chunksPreprocessed = getRuntimeContext().getMetricGroup().counter("chunksPreprocessed");
        bytesOut = getRuntimeContext().getMetricGroup().counter("preprocessedBytesOut");
    }

    @Override
    public void flatMap(ChunkRecord chunk, Collector<ChunkRecord> out) {
        if (chunk.isTimestepStart()) {
            out.collect(chunk);
            return;
        }
        if (forms.assembles(chunk.arrayName) || !forms.aggregationsOf(chunk.arrayName).isEmpty()) {
            out.collect(chunk);
        }
        for (ChunkForms.Preprocessing preprocessing : forms.preprocessingsOf(chunk.arrayName)) {
            if (!forms.assembles(preprocessing.key()) && forms.aggregationsOf(preprocessing.key()).isEmpty()) {
                continue;
            }
            double[] values;
            try {
                values = apply(preprocessing, chunk);
            } catch (SuppressRestartsException e) {
                if (head != null) {
                    RunFailureReport.tell(head, ((StreamingRuntimeContext) getRuntimeContext())
                            .getTaskManagerRuntimeInfo().getConfiguration(), e.getCause().getMessage());
                }
                throw e;
            }
            ByteBuffer bytes = ByteBuffer.allocate(values.length * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            bytes.asDoubleBuffer().put(values);
            out.collect(new ChunkRecord(preprocessing.key(), chunk.timestep, chunk.bridgeId, chunk.sequence,
                    DType.FLOAT64, preprocessing.outputChunkShape(), chunk.chunksPerDim, chunk.chunkPosition,
                    bytes.array(), chunk.bridgeArrays));
            chunksPreprocessed.inc();
            bytesOut.inc(bytes.capacity());
        }
    }

    private static double[] apply(ChunkForms.Preprocessing preprocessing, ChunkRecord chunk) {
        String where = "array '" + chunk.arrayName + "' at timestep " + chunk.timestep + ", chunk position "
                + Arrays.toString(chunk.chunkPosition);
        if (preprocessing.outputChunkShape().length != chunk.chunksPerDim.length) {
            throw new SuppressRestartsException(new RunFailure("The preprocessing of array '"
                    + chunk.arrayName + "' declares the output chunk shape "
                    + Arrays.toString(preprocessing.outputChunkShape()) + " of rank "
                    + preprocessing.outputChunkShape().length + ", but the array's chunk grid "
                    + Arrays.toString(chunk.chunksPerDim) + " has rank " + chunk.chunksPerDim.length
                    + " (WindowSpec.preprocess: the output keeps the chunk grid)"));
        }
        double[] values;
        try {
            values = preprocessing.function().apply(new Chunk(chunk.arrayName, chunk.timestep, chunk.chunkPosition,
                    chunk.chunkShape, chunk.dtype, chunk.data));
        } catch (Exception | Error e) {
            if (Cancellation.isCancellation(e)) {
                throw new FlinkRuntimeException("Cancelled while preprocessing " + where, e);
            }
            throw new SuppressRestartsException(new RunFailure(
                    "The preprocessing of " + where + " failed: " + e, e));
        }
        long expected = 1;
        for (int d : preprocessing.outputChunkShape()) {
            expected *= d;
        }
        if (values == null || values.length != expected) {
            throw new SuppressRestartsException(new RunFailure("The preprocessing of " + where
                    + " returned " + (values == null ? "null" : values.length + " values") + "; the output chunk shape "
                    + Arrays.toString(preprocessing.outputChunkShape()) + " needs " + expected));
        }
        return values;
    }
}
