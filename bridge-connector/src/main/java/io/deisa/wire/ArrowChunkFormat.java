package io.deisa.wire;

import io.deisa.bridge.ArrayMetadata;
import io.deisa.bridge.DType;

import com.google.flatbuffers.FlatBufferBuilder;
import org.apache.arrow.flatbuf.Buffer;
import org.apache.arrow.flatbuf.Endianness;
import org.apache.arrow.flatbuf.Field;
import org.apache.arrow.flatbuf.FieldNode;
import org.apache.arrow.flatbuf.FloatingPoint;
import org.apache.arrow.flatbuf.Int;
import org.apache.arrow.flatbuf.KeyValue;
import org.apache.arrow.flatbuf.Message;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.flatbuf.MetadataVersion;
import org.apache.arrow.flatbuf.Precision;
import org.apache.arrow.flatbuf.RecordBatch;
import org.apache.arrow.flatbuf.Schema;
import org.apache.arrow.flatbuf.Type;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Arrow IPC encapsulated messages for chunks: one schema message per array (a single non-nullable
 * column of the array's type, the chunk geometry in the schema's custom metadata) and one record
 * batch message per chunk (no validity bitmap, the chunk's little-endian elements as the data
 * buffer). The bytes are exactly what {@code pyarrow.ipc} reads and writes, built with Arrow's own
 * flatbuffer classes and without Arrow's off-heap allocator.
 */
public final class ArrowChunkFormat {
    /** Marks the start of an encapsulated Arrow IPC message. */
    public static final int CONTINUATION = 0xFFFFFFFF;

    static final String KEY_ARRAY = "deisa.array";
    static final String KEY_DTYPE = "deisa.dtype";
    static final String KEY_CHUNK_SHAPE = "deisa.chunk_shape";
    static final String KEY_CHUNKS_PER_DIM = "deisa.chunks_per_dim";
    static final String KEY_CHUNK_POSITION = "deisa.chunk_position";
    static final String KEY_CHUNKS_OF_NODE = "deisa.chunks_of_node";

    /** Upper bound on the flatbuffer metadata of one message. */
    static final int MAX_METADATA = 64 * 1024;

    private ArrowChunkFormat() {}

    /** Rounds up to a multiple of 8, as Arrow requires for message and body sizes. */
    public static long pad8(long size) {
        return (size + 7) & ~7L;
    }

    /** The encapsulated schema message describing {@code declaration}. */
    public static byte[] schemaMessage(ArrayDeclaration declaration) {
        ArrayMetadata md = declaration.metadata();
        FlatBufferBuilder fb = new FlatBufferBuilder(512);
        int nameOffset = fb.createString(declaration.name());
        int typeOffset = arrowType(fb, md.dtype());
        int[] children = {};
        int childrenOffset = Field.createChildrenVector(fb, children);
        Field.startField(fb);
        Field.addName(fb, nameOffset);
        Field.addNullable(fb, false);
        Field.addTypeType(fb, md.dtype().isFloatingPoint() ? Type.FloatingPoint : Type.Int);
        Field.addType(fb, typeOffset);
        Field.addChildren(fb, childrenOffset);
        int field = Field.endField(fb);
        int fields = Schema.createFieldsVector(fb, new int[] {field});
        int metadata = keyValues(fb, Map.of(
                KEY_ARRAY, declaration.name(),
                KEY_DTYPE, md.dtype().numpyName(),
                KEY_CHUNK_SHAPE, join(md.chunkShape()),
                KEY_CHUNKS_PER_DIM, join(md.chunksPerDim()),
                KEY_CHUNK_POSITION, join(md.chunkPosition()),
                KEY_CHUNKS_OF_NODE, Integer.toString(md.chunksOfNode())));
        Schema.startSchema(fb);
        Schema.addEndianness(fb, Endianness.Little);
        Schema.addFields(fb, fields);
        Schema.addCustomMetadata(fb, metadata);
        int schema = Schema.endSchema(fb);
        return encapsulate(fb, MessageHeader.Schema, schema, 0);
    }

    /**
     * The encapsulated record batch message (metadata only) for a chunk of {@code elements}
     * elements of {@code dtype}; the body that follows it is the chunk's bytes padded to 8.
     */
    public static byte[] recordBatchMessage(long elements, DType dtype) {
        long dataLength = elements * dtype.byteSize();
        FlatBufferBuilder fb = new FlatBufferBuilder(256);
        RecordBatch.startNodesVector(fb, 1);
        FieldNode.createFieldNode(fb, elements, 0);
        int nodes = fb.endVector();
        RecordBatch.startBuffersVector(fb, 2);
        // Structs are prepended: the data buffer first, then the (empty) validity buffer.
        Buffer.createBuffer(fb, 0, dataLength);
        Buffer.createBuffer(fb, 0, 0);
        int buffers = fb.endVector();
        RecordBatch.startRecordBatch(fb);
        RecordBatch.addLength(fb, elements);
        RecordBatch.addNodes(fb, nodes);
        RecordBatch.addBuffers(fb, buffers);
        int batch = RecordBatch.endRecordBatch(fb);
        return encapsulate(fb, MessageHeader.RecordBatch, batch, pad8(dataLength));
    }

    private static byte[] encapsulate(FlatBufferBuilder fb, byte headerType, int header, long body) {
        Message.startMessage(fb);
        Message.addVersion(fb, MetadataVersion.V5);
        Message.addHeaderType(fb, headerType);
        Message.addHeader(fb, header);
        Message.addBodyLength(fb, body);
        fb.finish(Message.endMessage(fb));
        byte[] flatbuffer = fb.sizedByteArray();
        int metadataSize = (int) pad8(8 + flatbuffer.length) - 8;
        ByteBuffer out = ByteBuffer.allocate(8 + metadataSize).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(CONTINUATION).putInt(metadataSize).put(flatbuffer);
        return out.array();
    }

    private static int arrowType(FlatBufferBuilder fb, DType dtype) {
        if (dtype.isFloatingPoint()) {
            return FloatingPoint.createFloatingPoint(
                    fb, dtype == DType.FLOAT64 ? Precision.DOUBLE : Precision.SINGLE);
        }
        return Int.createInt(fb, dtype.byteSize() * 8, dtype.isSigned());
    }

    private static int keyValues(FlatBufferBuilder fb, Map<String, String> entries) {
        int[] offsets = entries.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .mapToInt(e -> KeyValue.createKeyValue(
                        fb, fb.createString(e.getKey()), fb.createString(e.getValue())))
                .toArray();
        return Schema.createCustomMetadataVector(fb, offsets);
    }

    private static String join(int[] values) {
        return Arrays.stream(values).mapToObj(Integer::toString).collect(Collectors.joining(","));
    }

    /**
     * Parses an encapsulated Arrow message from {@code bytes} (positioned at the continuation
     * marker) and checks its header type.
     */
    static Message parseMessage(ByteBuffer bytes, byte expectedHeader, String context)
            throws ProtocolException {
        ByteBuffer in = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (in.remaining() < 8 || in.getInt() != CONTINUATION) {
            throw new ProtocolException(context + ": not an Arrow IPC message (no continuation marker)");
        }
        int size = in.getInt();
        if (size < 8 || size > MAX_METADATA || size > in.remaining()) {
            throw new ProtocolException(
                    context + ": Arrow message metadata size " + size + " out of bounds");
        }
        ByteBuffer flatbuffer = in.slice(in.position(), size).order(ByteOrder.LITTLE_ENDIAN);
        try {
            Message message = Message.getRootAsMessage(flatbuffer);
            if (message.headerType() != expectedHeader) {
                throw new ProtocolException(
                        context + ": expected Arrow " + MessageHeader.name(expectedHeader)
                                + " message, got header type " + message.headerType());
            }
            // flatbuffer accessors return null for absent tables: check the header is there
            if (message.header(expectedHeader == MessageHeader.Schema ? new Schema() : new RecordBatch()) == null) {
                throw new ProtocolException(
                        context + ": Arrow " + MessageHeader.name(expectedHeader) + " message without its header");
            }
            return message;
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            throw new ProtocolException(context + ": malformed Arrow message metadata (" + e + ")");
        }
    }

    /** Total size (marker, length and metadata) of the encapsulated message at {@code bytes}. */
    static int messageSize(ByteBuffer bytes) {
        return 8 + bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN).getInt(bytes.position() + 4);
    }

    /** Decodes a schema message written by {@link #schemaMessage}. */
    public static ArrayDeclaration parseSchema(ByteBuffer bytes, String context)
            throws ProtocolException {
        Message message = parseMessage(bytes, MessageHeader.Schema, context);
        try {
            Schema schema = (Schema) message.header(new Schema());
            Map<String, String> meta = new HashMap<>();
            for (int i = 0; i < schema.customMetadataLength(); i++) {
                KeyValue kv = schema.customMetadata(i);
                meta.put(kv.key(), kv.value());
            }
            if (schema.fieldsLength() != 1) {
                throw new ProtocolException(
                        context + ": chunk schema must have exactly one field, has "
                                + schema.fieldsLength());
            }
            String name = required(meta, KEY_ARRAY, context);
            DType dtype = DType.of(required(meta, KEY_DTYPE, context));
            checkFieldType(schema.fields(0), dtype, context);
            ArrayMetadata metadata = ArrayMetadata.builder()
                    .dtype(dtype)
                    .chunkShape(ints(required(meta, KEY_CHUNK_SHAPE, context), context))
                    .chunksPerDim(ints(required(meta, KEY_CHUNKS_PER_DIM, context), context))
                    .chunkPosition(ints(required(meta, KEY_CHUNK_POSITION, context), context))
                    .chunksOfNode(Integer.parseInt(meta.getOrDefault(KEY_CHUNKS_OF_NODE, "1")))
                    .build();
            return new ArrayDeclaration(name, metadata);
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new ProtocolException(context + ": invalid chunk schema: " + e.getMessage());
        }
    }

    private static void checkFieldType(Field field, DType dtype, String context)
            throws ProtocolException {
        boolean matches;
        if (dtype.isFloatingPoint()) {
            FloatingPoint fp = field.typeType() == Type.FloatingPoint
                    ? (FloatingPoint) field.type(new FloatingPoint()) : null;
            matches = fp != null
                    && fp.precision() == (dtype == DType.FLOAT64 ? Precision.DOUBLE : Precision.SINGLE);
        } else {
            Int type = field.typeType() == Type.Int ? (Int) field.type(new Int()) : null;
            matches = type != null
                    && type.bitWidth() == dtype.byteSize() * 8
                    && type.isSigned() == dtype.isSigned();
        }
        if (!matches) {
            throw new ProtocolException(
                    context + ": Arrow field type does not match dtype " + dtype.numpyName());
        }
    }

    private static String required(Map<String, String> meta, String key, String context)
            throws ProtocolException {
        String value = meta.get(key);
        if (value == null) {
            throw new ProtocolException(context + ": chunk schema lacks metadata key " + key);
        }
        return value;
    }

    private static int[] ints(String csv, String context) throws ProtocolException {
        try {
            return Arrays.stream(csv.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new ProtocolException(context + ": bad integer list '" + csv + "' in chunk schema");
        }
    }

    /**
     * Where the chunk's bytes are in the body of a record batch message, checked against the
     * expected element count and type.
     *
     * @param dataOffset offset of the data buffer in the body
     * @param dataLength length of the data buffer
     * @param bodyLength total body length
     */
    public record BatchLayout(long dataOffset, long dataLength, long bodyLength) {}

    /** Decodes and validates a record batch message for a chunk of {@code declaration}. */
    public static BatchLayout parseRecordBatch(
            ByteBuffer bytes, ArrayDeclaration declaration, String context) throws ProtocolException {
        Message message = parseMessage(bytes, MessageHeader.RecordBatch, context);
        try {
            RecordBatch batch = (RecordBatch) message.header(new RecordBatch());
            ArrayMetadata md = declaration.metadata();
            long elements = md.chunkElementCount();
            if (batch.length() != elements) {
                throw new ProtocolException(
                        context + ": chunk of array '" + declaration.name() + "' has " + batch.length()
                                + " elements, expected " + elements);
            }
            if (batch.compression() != null) {
                throw new ProtocolException(context + ": compressed record batches are not supported");
            }
            if (batch.nodesLength() != 1 || batch.nodes(0).nullCount() != 0) {
                throw new ProtocolException(
                        context + ": a chunk must be one column without nulls");
            }
            if (batch.buffersLength() != 2) {
                throw new ProtocolException(
                        context + ": expected 2 buffers (validity, data), got " + batch.buffersLength());
            }
            Buffer data = batch.buffers(1);
            long expected = elements * md.dtype().byteSize();
            long body = message.bodyLength();
            if (data.length() != expected || data.offset() < 0 || data.offset() + data.length() > body) {
                throw new ProtocolException(
                        context + ": data buffer [" + data.offset() + ", +" + data.length()
                                + ") does not hold the expected " + expected + " bytes in a body of "
                                + body);
            }
            return new BatchLayout(data.offset(), data.length(), body);
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            throw new ProtocolException(context + ": malformed record batch (" + e + ")");
        }
    }
}
