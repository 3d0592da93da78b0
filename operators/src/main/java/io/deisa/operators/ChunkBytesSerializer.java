package io.deisa.operators;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;

/**
 * Serializer of chunk bytes ({@code byte[]}) in keyed state: the chunks an array is assembled from
 * and the chunks of the arrays a window retains.
 *
 * <p>Chunk bytes are never modified once a reader received them (operators and callbacks see them
 * through read-only views), so {@link #copy(byte[])} returns the same array. That is the whole
 * difference from Flink's {@link BytePrimitiveArraySerializer}, and it matters for the heap state
 * backend: while an asynchronous snapshot holds a state value, the first access to it copies the
 * value with its serializer (copy-on-write, Flink's {@code CopyOnWriteStateMap}), and for a
 * {@code MapState} that copy is the whole map, each value copied by the value serializer. With
 * Flink's serializer, the first access to a window after a checkpoint started therefore copied
 * every chunk of the window, and the heap held the window twice until the snapshot was written
 * (docs/benchmarks.md, S5 with checkpoints). With this one, only the map's entries are copied.
 *
 * <p>The serialized form is Flink's for {@code byte[]}: the length as a 4-byte int, then the bytes.
 * State written with {@link BytePrimitiveArraySerializer} is read unchanged (the snapshot declares
 * it compatible as is).
 */
@Internal
public final class ChunkBytesSerializer extends TypeSerializerSingleton<byte[]> {
    private static final long serialVersionUID = 1L;

    /** The serializer; stateless. */
    public static final ChunkBytesSerializer INSTANCE = new ChunkBytesSerializer();

    private static final byte[] EMPTY = new byte[0];

    @Override
    public boolean isImmutableType() {
        return true;
    }

    @Override
    public byte[] createInstance() {
        return EMPTY;
    }

    /** The same array: chunk bytes are immutable. */
    @Override
    public byte[] copy(byte[] from) {
        return from;
    }

    /** The same array as {@code from}; {@code reuse} is not needed. */
    @Override
    public byte[] copy(byte[] from, byte[] reuse) {
        return from;
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(byte[] record, DataOutputView target) throws IOException {
        if (record == null) {
            throw new IllegalArgumentException("Chunk bytes in state must not be null");
        }
        target.writeInt(record.length);
        target.write(record);
    }

    @Override
    public byte[] deserialize(DataInputView source) throws IOException {
        int length = source.readInt();
        if (length < 0) {
            throw new IOException("Corrupt chunk bytes in state: negative length " + length);
        }
        byte[] bytes = new byte[length];
        source.readFully(bytes);
        return bytes;
    }

    @Override
    public byte[] deserialize(byte[] reuse, DataInputView source) throws IOException {
        return deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        int length = source.readInt();
        target.writeInt(length);
        target.write(source, length);
    }

    @Override
    public TypeSerializerSnapshot<byte[]> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Snapshot of {@link ChunkBytesSerializer}; also reads state written with Flink's {@code byte[]} serializer. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<byte[]> {
        /** Used by Flink when it restores the snapshot. */
        public Snapshot() {
            super(() -> INSTANCE);
        }

        @Override
        public TypeSerializerSchemaCompatibility<byte[]> resolveSchemaCompatibility(
                TypeSerializerSnapshot<byte[]> oldSerializerSnapshot) {
            if (oldSerializerSnapshot instanceof BytePrimitiveArraySerializer.BytePrimitiveArraySerializerSnapshot) {
                return TypeSerializerSchemaCompatibility.compatibleAsIs();
            }
            return super.resolveSchemaCompatibility(oldSerializerSnapshot);
        }
    }
}
