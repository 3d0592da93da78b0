package io.deisa.wire;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.util.HashMap;
import java.util.Map;

/**
 * Decodes the data channel of one bridge from a non-blocking channel, for a reader that serves many
 * bridges from one thread: the bridge's HELLO, then SCHEMA, BEGIN_TIMESTEP, CHUNK and END frames,
 * with the checks and messages of {@link DataFrameReader}. A partial frame is kept between calls.
 *
 * <p>Reads: frame headers and small frames come from a per-connection buffer of {@value
 * #SMALL_BUFFER} bytes; a chunk's data goes from the channel into the chunk's array through the
 * caller's scratch buffer (a direct buffer the reader thread reuses for every connection, so that
 * the JDK adds no temporary buffer of its own and the copy runs from a buffer that is hot in cache).
 *
 * <p>Memory: a chunk's bytes are taken from a {@link Budget} before its array is allocated. When the
 * budget refuses, {@link #poll} returns {@link Status#NEED_MEMORY} without consuming the frame and
 * reads nothing more from the channel, so that the bridge's socket fills and the bridge blocks:
 * back-pressure. Not thread-safe: one per connection, used by the reader's thread.
 */
public final class DataFrameDecoder {
    /** Bytes of the per-connection buffer for frame headers and small frames. */
    public static final int SMALL_BUFFER = 8 * 1024;

    private static final int HEADER = 5;

    /** Memory a chunk's data is taken from before its array is allocated. */
    @FunctionalInterface
    public interface Budget {
        /** Holds {@code bytes} and returns true, or returns false without holding anything. */
        boolean tryAcquire(long bytes);
    }

    /** What {@link #poll} stopped at. */
    public enum Status {
        /** A frame is complete: {@link #frame()}. */
        FRAME,
        /** The channel has no more bytes for now. */
        NEED_BYTES,
        /** The next chunk's bytes were refused by the budget; nothing was consumed. */
        NEED_MEMORY
    }

    private final int maxFrameLength;
    private final String peer;
    private final Budget budget;
    /** Unread bytes between position and limit. */
    private final ByteBuffer small = ByteBuffer.allocate(SMALL_BUFFER).order(ByteOrder.LITTLE_ENDIAN);
    private final Map<Integer, ArrayDeclaration> arrays = new HashMap<>();
    private boolean helloSeen;
    private byte bodyType;
    private byte[] body;
    private int bodyFilled;
    private DataFrameReader.ChunkHeader chunk;
    private DataFrame frame;
    private long bytesRead;

    /**
     * A decoder for one connection.
     *
     * @param maxFrameLength frames longer than this (type byte included) are a protocol error
     * @param peer names the bridge in error messages
     * @param budget memory a chunk's data is taken from
     */
    public DataFrameDecoder(int maxFrameLength, String peer, Budget budget) {
        this.maxFrameLength = maxFrameLength;
        this.peer = peer;
        this.budget = budget;
        small.limit(0);
    }

    /**
     * Reads what {@code channel} has and decodes the next frame. Call again after {@link
     * Status#FRAME}: one call returns at most one frame. HELLO is checked and absorbed.
     *
     * @param scratch a buffer for reads (cleared and overwritten; a direct buffer avoids a copy)
     * @throws EOFException when the bridge closed the connection between two frames
     * @throws PeerRefusedException when the bridge answered the HELLO with an ERROR frame
     * @throws ProtocolException on a malformed frame, a frame cut off, or an ERROR frame; the
     *     message names the bridge
     */
    public Status poll(ReadableByteChannel channel, ByteBuffer scratch) throws IOException {
        try {
            return decode(channel, scratch);
        } catch (ProtocolException e) {
            if (e.getMessage() != null && e.getMessage().contains(peer)) {
                throw e;
            }
            throw new ProtocolException("Data channel of " + peer + ": " + e.getMessage());
        }
    }

    private Status decode(ReadableByteChannel channel, ByteBuffer scratch) throws IOException {
        while (true) {
            if (body != null) {
                int fromSmall = Math.min(small.remaining(), body.length - bodyFilled);
                small.get(body, bodyFilled, fromSmall);
                bodyFilled += fromSmall;
                if (bodyFilled < body.length && !fillBody(channel, scratch)) {
                    return Status.NEED_BYTES;
                }
                if (completeBody()) {
                    return Status.FRAME;
                }
                continue;
            }
            if (small.remaining() < HEADER) {
                if (!readSmall(channel, scratch)) {
                    return Status.NEED_BYTES;
                }
                continue;
            }
            int start = small.position();
            int length = small.getInt(start);
            byte type = small.get(start + 4);
            if (length < 1 || length > maxFrameLength) {
                throw new ProtocolException("Frame length " + Integer.toUnsignedString(length)
                        + " is out of bounds (1.." + maxFrameLength + ") on the data channel of " + peer);
            }
            int payload = length - 1;
            if (helloSeen && type == Protocol.CHUNK) {
                int prefix = DataFrameReader.CHUNK_PREFIX;
                if (payload < prefix) {
                    throw new ProtocolException("CHUNK frame of " + payload + " bytes from " + peer + " is too short");
                }
                if (small.remaining() < HEADER + prefix) {
                    if (!readSmall(channel, scratch)) {
                        return Status.NEED_BYTES;
                    }
                    continue;
                }
                DataFrameReader.ChunkHeader header = DataFrameReader.parseChunkHeader(
                        small.duplicate().position(start + HEADER), payload - prefix, arrays, peer);
                if (!budget.tryAcquire(header.dataBytes())) {
                    return Status.NEED_MEMORY;
                }
                small.position(start + HEADER + prefix);
                chunk = header;
                startBody(Protocol.CHUNK, header.dataBytes());
                continue;
            }
            if (helloSeen) {
                checkPayloadLength(type, payload);
            } else if (payload > Protocol.MAX_CONTROL_FRAME) {
                throw new ProtocolException("Bad HELLO from " + peer + ": a first frame of " + length + " bytes");
            }
            small.position(start + HEADER);
            startBody(type, payload);
        }
    }

    private void checkPayloadLength(byte type, int payload) throws ProtocolException {
        switch (type) {
            case Protocol.SCHEMA -> DataFrameReader.checkSchemaLength(payload, peer);
            case Protocol.BEGIN_TIMESTEP, Protocol.END -> DataFrameReader.checkFixedLength(type, payload, peer);
            case Protocol.ERROR -> { }
            default -> throw new ProtocolException(
                    "Unexpected " + Protocol.frameName(type) + " frame on the data channel of " + peer);
        }
    }

    private void startBody(byte type, int bytes) {
        bodyType = type;
        body = new byte[bytes];
        bodyFilled = 0;
    }

    /** Decodes the filled body; true when it is a frame for the caller (HELLO is absorbed). */
    private boolean completeBody() throws ProtocolException {
        byte[] payload = body;
        byte type = bodyType;
        body = null;
        if (!helloSeen) {
            byte channel;
            try {
                channel = FrameIO.checkHello(new Frame(type, payload), peer);
            } catch (PeerRefusedException e) {
                throw e;
            } catch (ProtocolException e) {
                throw e.getMessage().contains(peer) ? e : new ProtocolException("Bad HELLO from " + peer + ": " + e.getMessage());
            }
            if (channel != Protocol.CHANNEL_DATA) {
                throw new ProtocolException(peer + " opened channel " + channel + " where channel "
                        + Protocol.CHANNEL_DATA + " was expected");
            }
            helloSeen = true;
            return false;
        }
        frame = switch (type) {
            case Protocol.CHUNK -> chunk.toChunk(payload);
            case Protocol.SCHEMA -> DataFrameReader.parseSchema(payload, arrays, peer);
            case Protocol.BEGIN_TIMESTEP -> DataFrameReader.parseBeginTimestep(payload);
            case Protocol.END -> DataFrameReader.parseEnd(payload);
            default -> throw DataFrameReader.reportedError(payload, peer);
        };
        chunk = null;
        return true;
    }

    /** Reads the body's remaining bytes from the channel; true once it is full. */
    private boolean fillBody(ReadableByteChannel channel, ByteBuffer scratch) throws IOException {
        while (bodyFilled < body.length) {
            scratch.clear();
            scratch.limit(Math.min(scratch.capacity(), body.length - bodyFilled));
            int read = channel.read(scratch);
            if (read < 0) {
                throw new ProtocolException("Connection closed in the middle of a "
                        + (chunk != null ? chunk.context() : Protocol.frameName(bodyType) + " frame from " + peer)
                        + " (" + bodyFilled + " of " + body.length + " bytes received)");
            }
            if (read == 0) {
                return false;
            }
            scratch.flip();
            scratch.get(body, bodyFilled, read);
            bodyFilled += read;
            bytesRead += read;
        }
        return true;
    }

    /** Reads more bytes into the small buffer; false when the channel has none now. */
    private boolean readSmall(ReadableByteChannel channel, ByteBuffer scratch) throws IOException {
        small.compact();
        try {
            scratch.clear();
            scratch.limit(Math.min(scratch.capacity(), small.remaining()));
            int read = channel.read(scratch);
            if (read < 0) {
                if (small.position() == 0) {
                    throw new EOFException(peer + " closed the connection");
                }
                throw new ProtocolException("Connection closed in the middle of a frame from " + peer);
            }
            scratch.flip();
            small.put(scratch);
            bytesRead += Math.max(read, 0);
            return read > 0;
        } finally {
            small.flip();
        }
    }

    /** The frame {@link #poll} returned {@link Status#FRAME} for. */
    public DataFrame frame() {
        return frame;
    }

    /** Whether the bridge's HELLO arrived. */
    public boolean helloSeen() {
        return helloSeen;
    }

    /** Whether part of a frame was received and the rest has not. */
    public boolean inFrame() {
        return body != null || small.hasRemaining();
    }

    /** Number of arrays the bridge declared so far (one SCHEMA frame each). */
    public int declaredArrays() {
        return arrays.size();
    }

    /** Bytes read from the channel so far. */
    public long bytesRead() {
        return bytesRead;
    }
}
