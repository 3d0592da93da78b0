package io.deisa.wire;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.GatheringByteChannel;

/**
 * Writes data-channel frames (bridge to reader) with gathering writes, so that a chunk's bytes go
 * from the bridge's buffer to the socket without another copy.
 *
 * <p>SCHEMA frame: {@code u32 length | u8 SCHEMA | u16 arrayId | array declaration} (as in
 * REGISTER, {@link ArrayDeclaration}). CHUNK frame: {@code u32 length | u8 CHUNK | u16 arrayId |
 * u64 sequence | i64 timestep | data}, the data being the chunk's elements, little-endian, row-major,
 * exactly {@code product(chunkShape) × itemsize} bytes. Not thread-safe.
 */
public final class DataFrameWriter {
    private static final int CHUNK_HEADER = 4 + 1 + 2 + 8 + 8;

    private final GatheringByteChannel channel;
    private final ByteBuffer header = ByteBuffer.allocateDirect(64).order(ByteOrder.LITTLE_ENDIAN);

    /** Writes to {@code channel}, which must be in blocking mode. */
    public DataFrameWriter(GatheringByteChannel channel) {
        this.channel = channel;
    }

    /** Writes the SCHEMA frame of array {@code arrayId}. */
    public void writeSchema(int arrayId, ArrayDeclaration declaration) throws IOException {
        byte[] payload = declaration.encode(new PayloadWriter().putShort(arrayId)).toByteArray();
        header.clear();
        header.putInt(1 + payload.length).put(Protocol.SCHEMA);
        header.flip();
        writeAll(header, ByteBuffer.wrap(payload));
    }

    /**
     * Writes one CHUNK frame.
     *
     * @param data the chunk's little-endian bytes, from position to limit (not consumed)
     */
    public void writeChunk(int arrayId, long sequence, long timestep, ByteBuffer data) throws IOException {
        int length = data.remaining();
        long frameLength = (long) CHUNK_HEADER - 4 + length;
        if (frameLength > Integer.MAX_VALUE) {
            throw new IOException("Chunk of " + length + " bytes is too large for one frame");
        }
        header.clear();
        header.putInt((int) frameLength)
                .put(Protocol.CHUNK)
                .putShort((short) arrayId)
                .putLong(sequence)
                .putLong(timestep);
        header.flip();
        writeAll(header, data.duplicate());
    }

    /** Writes a BEGIN_TIMESTEP frame: the bridge starts {@code timestep}. */
    public void writeBeginTimestep(long timestep) throws IOException {
        header.clear();
        header.putInt(1 + 8).put(Protocol.BEGIN_TIMESTEP).putLong(timestep);
        header.flip();
        writeAll(header);
    }

    /** Writes the END frame after the last chunk. */
    public void writeEnd(long sequence, long lastTimestep) throws IOException {
        header.clear();
        header.putInt(1 + 8 + 8).put(Protocol.END).putLong(sequence).putLong(lastTimestep);
        header.flip();
        writeAll(header);
    }

    private void writeAll(ByteBuffer... buffers) throws IOException {
        long left = 0;
        for (ByteBuffer buffer : buffers) {
            left += buffer.remaining();
        }
        while (left > 0) {
            left -= channel.write(buffers);
        }
    }
}
