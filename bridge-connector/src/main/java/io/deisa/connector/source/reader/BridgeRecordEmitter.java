package io.deisa.connector.source.reader;

import io.deisa.connector.source.ChunkRecord;
import io.deisa.connector.source.split.BridgeSplitState;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.connector.base.source.reader.RecordEmitter;
import org.apache.flink.metrics.Counter;

/**
 * Emits chunks with their timestep as event time, and advances the bridge's split watermark to
 * {@code t - 1} when the bridge starts timestep {@code t} (its BEGIN_TIMESTEP marker, sent before
 * the bridge waits for the analytics, or its first chunk of {@code t}): since a bridge's timesteps never
 * decrease, nothing older can come from it. Since a bridge sends each array at most once per
 * timestep, the watermark moves on to {@code t} as soon as the bridge sent a chunk of every array it
 * declared at {@code t}, without waiting for its next timestep. Flink's minimum over splits is then
 * "every bridge is done with timestep t", and the callbacks of t run right after its last chunk.
 * Chunks already emitted before a restore (sequence below the split's next sequence) are dropped.
 */
@Internal
public final class BridgeRecordEmitter implements RecordEmitter<ChunkRecord, ChunkRecord, BridgeSplitState> {
    private final Counter chunksIn;
    private final Counter bytesIn;
    private final ReaderMemory memory;

    /**
     * Counts emitted chunks and their bytes, and gives each chunk's bytes back to the reader's
     * {@code memory} once it went through the chained operators.
     */
    public BridgeRecordEmitter(Counter chunksIn, Counter bytesIn, ReaderMemory memory) {
        this.chunksIn = chunksIn;
        this.bytesIn = bytesIn;
        this.memory = memory;
    }

    @Override
    public void emitRecord(ChunkRecord chunk, SourceOutput<ChunkRecord> output, BridgeSplitState split) {
        boolean marker = chunk.isTimestepStart();
        if (!marker) {
            memory.release(chunk.data.length);
        }
        if (!marker && chunk.sequence < split.nextSequence()) {
            return; // emitted before the restore
        }
        if (split.beginTimestep(chunk.timestep)) {
            output.emitWatermark(new Watermark(chunk.timestep - 1));
        }
        if (marker) {
            return;
        }
        output.collect(chunk, chunk.timestep);
        split.advance(chunk.sequence, chunk.timestep);
        if (split.lastTimestep() == chunk.timestep && split.chunksAtLastTimestep() == chunk.bridgeArrays) {
            output.emitWatermark(new Watermark(chunk.timestep));
        }
        chunksIn.inc();
        bytesIn.inc(chunk.data.length);
    }
}
