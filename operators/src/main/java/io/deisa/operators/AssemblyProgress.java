package io.deisa.operators;

import org.apache.flink.annotation.Internal;

/**
 * What {@link ChunkAssembler} remembers about one (array, timestep) while its chunks arrive: the
 * layout declared by the first chunk, who sent it, how many chunks have arrived and since when.
 *
 * <p>A small Flink POJO kept in a {@code ValueState}; the chunks themselves live in a separate
 * {@code MapState}.
 */
@Internal
public class AssemblyProgress {
    /** Layout declared by the first chunk; every later chunk must match it. */
    public ArrayLayout layout;
    /** Bridge that sent the first chunk. */
    public int firstBridge;
    /** Number of distinct chunks received so far. */
    public int received;
    /** Wall-clock time of the first chunk, in epoch milliseconds. */
    public long startedAtMillis;

    /** For Flink's POJO serializer. */
    public AssemblyProgress() {}

    /** Progress after no chunk at all: the caller counts the first chunk itself. */
    public AssemblyProgress(ArrayLayout layout, int firstBridge, long startedAtMillis) {
        this.layout = layout;
        this.firstBridge = firstBridge;
        this.startedAtMillis = startedAtMillis;
    }

    /** Whether every chunk of the grid has arrived. */
    public boolean isComplete() {
        return received == layout.chunkCount();
    }
}
