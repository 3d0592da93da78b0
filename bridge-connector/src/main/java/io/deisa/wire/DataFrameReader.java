package io.deisa.wire;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads data-channel frames written by {@link DataFrameWriter}. SCHEMA frames are absorbed (they
 * define array ids); CHUNK frames come back with their bytes read straight into one array; every
 * length is checked before anything is allocated. Not thread-safe.
 */
public final class DataFrameReader {
    private static final int CHUNK_PREFIX = 2 + 8 + 8;
    /** Largest SCHEMA payload read: a declaration with an array name and three 32-dimension lists. */
    static final int MAX_SCHEMA = 65_552;

    private final InputStream in;
    private final int maxFrameLength;
    private final String peer;
    private final PayloadBudget budget;
    private final Map<Integer, ArrayDeclaration> arrays = new HashMap<>();

    /**
     * Reads from {@code in}.
     *
     * @param maxFrameLength frames longer than this are a protocol error
     * @param peer names the bridge in error messages
     */
    public DataFrameReader(InputStream in, int maxFrameLength, String peer) {
        this(in, maxFrameLength, peer, bytes -> { });
    }

    /**
     * A reader whose chunk payloads are first acquired from {@code budget}, before they are
     * allocated (the caller releases them once the chunk is processed).
     */
    public DataFrameReader(InputStream in, int maxFrameLength, String peer, PayloadBudget budget) {
        this.in = in;
        this.maxFrameLength = maxFrameLength;
        this.peer = peer;
        this.budget = budget;
    }

    /** Memory a chunk's payload is taken from before it is allocated. */
    @FunctionalInterface
    public interface PayloadBudget {
        /** Waits until {@code bytes} may be allocated, and holds them. */
        void acquire(long bytes) throws IOException;
    }

    /**
     * Reads the next CHUNK, BEGIN_TIMESTEP or END frame (SCHEMA frames are taken in on the way).
     *
     * @throws java.io.EOFException when the connection ends cleanly between frames
     */
    public DataFrame next() throws IOException {
        while (true) {
            DataFrame frame = nextFrameOrSchema();
            if (!(frame instanceof DataFrame.Schema)) {
                return frame;
            }
        }
    }

    /**
     * Reads the next frame, returning SCHEMA frames too, so that a caller can stop after them
     * instead of blocking until a bridge that has nothing to send yet sends its first chunk.
     *
     * @throws java.io.EOFException when the connection ends cleanly between frames
     */
    public DataFrame nextFrameOrSchema() throws IOException {
        try {
            return nextFrame();
        } catch (ProtocolException e) {
            if (e.getMessage().contains(peer)) {
                throw e;
            }
            throw new ProtocolException("Data channel of " + peer + ": " + e.getMessage());
        }
    }

    private DataFrame nextFrame() throws IOException {
        int length = FrameIO.readLength(in, maxFrameLength);
        int typeByte = in.read();
        if (typeByte < 0) {
            throw new ProtocolException("Connection closed in the middle of a frame of " + length + " bytes");
        }
        byte type = (byte) typeByte;
        switch (type) {
            case Protocol.SCHEMA:
                return readSchema(length - 1);
            case Protocol.CHUNK:
                return readChunk(length - 1);
            case Protocol.END:
                return readEnd(length - 1);
            case Protocol.BEGIN_TIMESTEP:
                return readBeginTimestep(length - 1);
            case Protocol.ERROR:
                byte[] reason = new byte[length - 1];
                FrameIO.readFully(in, reason, "ERROR frame");
                throw new ProtocolException(
                        peer + " reported an error: " + new String(reason, java.nio.charset.StandardCharsets.UTF_8));
            default:
                throw new ProtocolException(
                        "Unexpected " + Protocol.frameName(type) + " frame on the data channel of " + peer);
        }
    }

    /**
     * Number of arrays the bridge declared so far (one SCHEMA frame each). A bridge writes all its
     * SCHEMA frames before its first CHUNK frame.
     */
    public int declaredArrays() {
        return arrays.size();
    }

    private DataFrame readSchema(int length) throws IOException {
        if (length > MAX_SCHEMA || length < 2) {
            throw new ProtocolException("SCHEMA frame of " + length + " bytes from " + peer);
        }
        byte[] body = new byte[length];
        FrameIO.readFully(in, body, "SCHEMA frame");
        PayloadReader payload = new PayloadReader(body, "SCHEMA");
        int arrayId = Short.toUnsignedInt(payload.getShort());
        ArrayDeclaration declaration = ArrayDeclaration.decode(payload, "SCHEMA frame from " + peer);
        payload.expectEnd();
        if (arrays.containsKey(arrayId)) {
            throw new ProtocolException("SCHEMA frame from " + peer + " declares array id " + arrayId + " again");
        }
        arrays.put(arrayId, declaration);
        return new DataFrame.Schema(declaration);
    }

    private DataFrame readChunk(int length) throws IOException {
        if (length < CHUNK_PREFIX) {
            throw new ProtocolException("CHUNK frame of " + length + " bytes from " + peer + " is too short");
        }
        byte[] prefix = new byte[CHUNK_PREFIX];
        FrameIO.readFully(in, prefix, "CHUNK frame");
        ByteBuffer head = ByteBuffer.wrap(prefix).order(ByteOrder.LITTLE_ENDIAN);
        int arrayId = Short.toUnsignedInt(head.getShort());
        long sequence = head.getLong();
        long timestep = head.getLong();
        ArrayDeclaration array = arrays.get(arrayId);
        if (array == null) {
            throw new ProtocolException("CHUNK frame from " + peer + " uses array id " + arrayId
                    + " which no SCHEMA frame declared");
        }
        long expected = array.metadata().chunkElementCount() * (long) array.metadata().dtype().byteSize();
        String context = "CHUNK frame from " + peer + " for array '" + array.name() + "' at timestep " + timestep;
        if (length - CHUNK_PREFIX != expected) {
            throw new ProtocolException(context + " carries " + (length - CHUNK_PREFIX) + " bytes of data; the array's "
                    + array.metadata().dtype().numpyName() + " chunk of shape "
                    + java.util.Arrays.toString(array.metadata().chunkShape()) + " has " + expected);
        }
        budget.acquire(expected);
        byte[] data = new byte[(int) expected];
        FrameIO.readFully(in, data, context);
        return new DataFrame.Chunk(array, sequence, timestep, data);
    }

    private DataFrame readBeginTimestep(int length) throws IOException {
        if (length != 8) {
            throw new ProtocolException("BEGIN_TIMESTEP frame of " + length + " bytes from " + peer);
        }
        byte[] body = new byte[8];
        FrameIO.readFully(in, body, "BEGIN_TIMESTEP frame");
        return new DataFrame.BeginTimestep(ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN).getLong());
    }

    private DataFrame readEnd(int length) throws IOException {
        if (length != 16) {
            throw new ProtocolException("END frame of " + length + " bytes from " + peer);
        }
        byte[] body = new byte[16];
        FrameIO.readFully(in, body, "END frame");
        ByteBuffer buffer = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
        return new DataFrame.End(buffer.getLong(), buffer.getLong());
    }
}
