package io.deisa.wire;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads data-channel frames written by {@link DataFrameWriter} from a blocking stream (the
 * conformance head, tools and tests; the source reads with {@link DataFrameDecoder}, which shares
 * this class's payload codecs). SCHEMA frames are absorbed (they define array ids); CHUNK frames come
 * back with their bytes read straight into one array; every length is checked before anything is
 * allocated. Not thread-safe.
 */
public final class DataFrameReader {
    /** Bytes before the data of a CHUNK payload: {@code u16 arrayId | u64 sequence | i64 timestep}. */
    static final int CHUNK_PREFIX = 2 + 8 + 8;
    /** Largest SCHEMA payload read: a declaration with an array name and three 32-dimension lists. */
    static final int MAX_SCHEMA = 65_552;

    private final InputStream in;
    private final int maxFrameLength;
    private final String peer;
    private final Map<Integer, ArrayDeclaration> arrays = new HashMap<>();

    /**
     * Reads from {@code in}.
     *
     * @param maxFrameLength frames longer than this are a protocol error
     * @param peer names the bridge in error messages
     */
    public DataFrameReader(InputStream in, int maxFrameLength, String peer) {
        this.in = in;
        this.maxFrameLength = maxFrameLength;
        this.peer = peer;
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
                throw reportedError(reason, peer);
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
        checkSchemaLength(length, peer);
        byte[] body = new byte[length];
        FrameIO.readFully(in, body, "SCHEMA frame");
        return parseSchema(body, arrays, peer);
    }

    private DataFrame readChunk(int length) throws IOException {
        if (length < CHUNK_PREFIX) {
            throw new ProtocolException("CHUNK frame of " + length + " bytes from " + peer + " is too short");
        }
        byte[] prefix = new byte[CHUNK_PREFIX];
        FrameIO.readFully(in, prefix, "CHUNK frame");
        ChunkHeader header = parseChunkHeader(ByteBuffer.wrap(prefix), length - CHUNK_PREFIX, arrays, peer);
        byte[] data = new byte[header.dataBytes()];
        FrameIO.readFully(in, data, header.context());
        return header.toChunk(data);
    }

    private DataFrame readBeginTimestep(int length) throws IOException {
        checkFixedLength(Protocol.BEGIN_TIMESTEP, length, peer);
        byte[] body = new byte[8];
        FrameIO.readFully(in, body, "BEGIN_TIMESTEP frame");
        return parseBeginTimestep(body);
    }

    private DataFrame readEnd(int length) throws IOException {
        checkFixedLength(Protocol.END, length, peer);
        byte[] body = new byte[16];
        FrameIO.readFully(in, body, "END frame");
        return parseEnd(body);
    }

    // ---- payload codecs shared with DataFrameDecoder (the non-blocking reader) ----

    /** Refuses a SCHEMA payload length outside 2..{@link #MAX_SCHEMA}. */
    static void checkSchemaLength(int length, String peer) throws ProtocolException {
        if (length > MAX_SCHEMA || length < 2) {
            throw new ProtocolException("SCHEMA frame of " + length + " bytes from " + peer);
        }
    }

    /** Refuses a BEGIN_TIMESTEP payload other than 8 bytes, or an END payload other than 16. */
    static void checkFixedLength(byte type, int length, String peer) throws ProtocolException {
        int expected = type == Protocol.END ? 16 : 8;
        if (length != expected) {
            throw new ProtocolException(Protocol.frameName(type) + " frame of " + length + " bytes from " + peer);
        }
    }

    /** Decodes a SCHEMA payload and records its array id in {@code arrays}. */
    static DataFrame.Schema parseSchema(byte[] body, Map<Integer, ArrayDeclaration> arrays, String peer)
            throws ProtocolException {
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

    /**
     * Decodes the prefix of a CHUNK payload (read from {@code prefix}'s position) and checks that
     * {@code dataBytes}, the payload's length after the prefix, is the declared array's chunk size.
     */
    static ChunkHeader parseChunkHeader(ByteBuffer prefix, long dataBytes, Map<Integer, ArrayDeclaration> arrays,
            String peer) throws ProtocolException {
        ByteBuffer head = prefix.order(ByteOrder.LITTLE_ENDIAN);
        int arrayId = Short.toUnsignedInt(head.getShort());
        long sequence = head.getLong();
        long timestep = head.getLong();
        ArrayDeclaration array = arrays.get(arrayId);
        if (array == null) {
            throw new ProtocolException("CHUNK frame from " + peer + " uses array id " + arrayId
                    + " which no SCHEMA frame declared");
        }
        long expected = array.metadata().chunkElementCount() * (long) array.metadata().dtype().byteSize();
        if (dataBytes != expected) {
            throw new ProtocolException(chunkContext(peer, array, timestep) + " carries " + dataBytes + " bytes of data; the array's "
                    + array.metadata().dtype().numpyName() + " chunk of shape "
                    + java.util.Arrays.toString(array.metadata().chunkShape()) + " has " + expected);
        }
        return new ChunkHeader(array, sequence, timestep, (int) expected, peer);
    }

    /**
     * The checked prefix of a CHUNK frame, before its data is read.
     *
     * @param dataBytes length of the chunk's data, as declared
     * @param peer names the bridge in errors
     */
    record ChunkHeader(ArrayDeclaration array, long sequence, long timestep, int dataBytes, String peer) {
        /** Names the frame, bridge, array and timestep in errors (built only for an error). */
        String context() {
            return chunkContext(peer, array, timestep);
        }

        DataFrame.Chunk toChunk(byte[] data) {
            return new DataFrame.Chunk(array, sequence, timestep, data);
        }
    }

    private static String chunkContext(String peer, ArrayDeclaration array, long timestep) {
        return "CHUNK frame from " + peer + " for array '" + array.name() + "' at timestep " + timestep;
    }

    /** Decodes a BEGIN_TIMESTEP payload of 8 bytes. */
    static DataFrame.BeginTimestep parseBeginTimestep(byte[] body) {
        return new DataFrame.BeginTimestep(ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN).getLong());
    }

    /** Decodes an END payload of 16 bytes. */
    static DataFrame.End parseEnd(byte[] body) {
        ByteBuffer buffer = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
        return new DataFrame.End(buffer.getLong(), buffer.getLong());
    }

    /** The error an ERROR frame of the data channel reports. */
    static ProtocolException reportedError(byte[] body, String peer) {
        return new ProtocolException(
                peer + " reported an error: " + new String(body, java.nio.charset.StandardCharsets.UTF_8));
    }
}
