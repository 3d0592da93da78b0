package io.deisa.wire;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.GatheringByteChannel;

/**
 * Writes data-channel frames (bridge to reader) with gathering writes, so that a chunk's bytes go
 * from the bridge's buffer to the socket without another copy.
 *
 * <p>CHUNK frame: {@code u32 length | u8 CHUNK | u16 arrayId | u64 sequence | i64 timestep |
 * Arrow record batch message | data | zero padding to 8}. Not thread-safe.
 */
public final class DataFrameWriter {
    private static final int CHUNK_HEADER = 4 + 1 + 2 + 8 + 8;
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(8);

    private final GatheringByteChannel channel;
    private final ByteBuffer header = ByteBuffer.allocateDirect(64).order(ByteOrder.LITTLE_ENDIAN);

    /** Writes to {@code channel}, which must be in blocking mode. */
    public DataFrameWriter(GatheringByteChannel channel) {
        this.channel = channel;
    }

    /** Writes the SCHEMA frame of array {@code arrayId}. */
    public void writeSchema(int arrayId, byte[] schemaMessage) throws IOException {
        header.clear();
        header.putInt(1 + 2 + schemaMessage.length).put(Protocol.SCHEMA).putShort((short) arrayId);
        header.flip();
        writeAll(header, ByteBuffer.wrap(schemaMessage));
    }

    /**
     * Writes one CHUNK frame.
     *
     * @param batchMessage the array's record batch message from {@link
     *     ArrowChunkFormat#recordBatchMessage}
     * @param data the chunk's little-endian bytes, from position to limit (not consumed)
     */
    public void writeChunk(int arrayId, long sequence, long timestep, byte[] batchMessage, ByteBuffer data)
            throws IOException {
        int length = data.remaining();
        int padding = (int) (ArrowChunkFormat.pad8(length) - length);
        long frameLength = (long) CHUNK_HEADER - 4 + batchMessage.length + length + padding;
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
        writeAll(header, ByteBuffer.wrap(batchMessage), data.duplicate(), ZEROS.duplicate().limit(padding));
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
