package io.deisa.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deisa.bridge.ArrayMetadata;
import io.deisa.bridge.DType;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.FloatingPointVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Our Arrow IPC messages against Arrow Java's own reader and writer: what the bridge sends is a
 * valid Arrow stream, and a stream written by an Arrow library (as a pyarrow client would) is
 * accepted by our parser and by the source's frame reader.
 */
class ArrowCompatibilityTest {
    private static final int[] SHAPE = {3, 5};
    private static final int ELEMENTS = 15;
    private static final byte[] EOS = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0, 0, 0, 0};

    private final BufferAllocator allocator = new RootAllocator();

    @AfterEach
    void closeAllocator() {
        // fails on leaked Arrow buffers
        allocator.close();
    }

    private static ArrayDeclaration declaration(DType dtype) {
        return new ArrayDeclaration("temperature", ArrayMetadata.builder()
                .dtype(dtype).chunkShape(SHAPE).chunksPerDim(2, 2).chunkPosition(1, 0).chunksOfNode(2).build());
    }

    /** Raw value of element {@code i} of chunk {@code k}: negative and positive, out of 8-bit range. */
    private static long raw(int k, int i) {
        return (i - 7) * 37L + k * 1000L;
    }

    private static double floating(int k, int i) {
        return raw(k, i) * 0.5 + 0.25;
    }

    /** The value Arrow should report for {@link #raw} stored as {@code dtype}. */
    private static long expectedInteger(DType dtype, long v) {
        switch (dtype) {
            case INT8: return (byte) v;
            case INT16: return (short) v;
            case INT32: return (int) v;
            case INT64: return v;
            case UINT8: return v & 0xFFL;
            case UINT16: return v & 0xFFFFL;
            case UINT32: return v & 0xFFFF_FFFFL;
            case UINT64: return v;
            default: throw new AssertionError(dtype);
        }
    }

    /** The chunk's little-endian bytes. */
    private static byte[] chunk(DType dtype, int k) {
        ByteBuffer out = ByteBuffer.allocate(ELEMENTS * dtype.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < ELEMENTS; i++) {
            long v = raw(k, i);
            switch (dtype) {
                case FLOAT32: out.putFloat((float) floating(k, i)); break;
                case FLOAT64: out.putDouble(floating(k, i)); break;
                default:
                    switch (dtype.byteSize()) {
                        case 1: out.put((byte) v); break;
                        case 2: out.putShort((short) v); break;
                        case 4: out.putInt((int) v); break;
                        default: out.putLong(v);
                    }
            }
        }
        return out.array();
    }

    private static ArrowType arrowType(DType dtype) {
        if (dtype == DType.FLOAT64) {
            return new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
        }
        if (dtype == DType.FLOAT32) {
            return new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
        }
        return new ArrowType.Int(dtype.byteSize() * 8, dtype.isSigned());
    }

    /**
     * Writes a SCHEMA frame and two CHUNK frames with the bridge's writer, then removes our frame
     * headers (length, type, array id, sequence, timestep) and appends Arrow's end-of-stream marker.
     */
    private static byte[] arrowStreamAsTheBridgeWritesIt(ArrayDeclaration array) throws IOException {
        MemoryChannel channel = new MemoryChannel();
        DataFrameWriter writer = new DataFrameWriter(channel);
        DType dtype = array.metadata().dtype();
        writer.writeSchema(0, ArrowChunkFormat.schemaMessage(array));
        byte[] batch = ArrowChunkFormat.recordBatchMessage(ELEMENTS, dtype);
        for (int k = 0; k < 2; k++) {
            ByteBuffer data = ByteBuffer.allocateDirect(ELEMENTS * dtype.byteSize()).put(chunk(dtype, k)).flip();
            writer.writeChunk(0, k, 10 + k, batch, data);
        }
        ByteBuffer frames = ByteBuffer.wrap(channel.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        ByteArrayOutputStream arrow = new ByteArrayOutputStream();
        while (frames.hasRemaining()) {
            int length = frames.getInt();
            byte type = frames.get();
            int header = type == Protocol.SCHEMA ? 1 + 2 : 1 + 2 + 8 + 8;
            assertThat(type).isIn(Protocol.SCHEMA, Protocol.CHUNK);
            arrow.write(frames.array(), frames.position() - 1 + header, length - header);
            frames.position(frames.position() - 1 + length);
        }
        arrow.write(EOS, 0, EOS.length);
        return arrow.toByteArray();
    }

    @Test
    void arrowJavaReadsWhatTheBridgeWritesForEveryDtype() throws IOException {
        for (DType dtype : DType.values()) {
            ArrayDeclaration array = declaration(dtype);
            byte[] stream = arrowStreamAsTheBridgeWritesIt(array);
            // the body of 1-byte chunks (15 bytes) is padded: the stream length is a multiple of 8
            assertThat(stream.length % 8).as("%s stream length", dtype).isZero();
            try (ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(stream), allocator)) {
                VectorSchemaRoot root = reader.getVectorSchemaRoot();
                Schema schema = root.getSchema();
                assertThat(schema.getFields()).hasSize(1);
                Field field = schema.getFields().get(0);
                assertThat(field.getName()).isEqualTo("temperature");
                assertThat(field.isNullable()).isFalse();
                assertThat(field.getType()).as("%s", dtype).isEqualTo(arrowType(dtype));
                assertThat(schema.getCustomMetadata()).containsAllEntriesOf(Map.of(
                        "deisa.array", "temperature",
                        "deisa.dtype", dtype.numpyName(),
                        "deisa.chunk_shape", "3,5",
                        "deisa.chunks_per_dim", "2,2",
                        "deisa.chunk_position", "1,0",
                        "deisa.chunks_of_node", "2"));

                for (int k = 0; k < 2; k++) {
                    assertThat(reader.loadNextBatch()).as("%s batch %d", dtype, k).isTrue();
                    assertThat(root.getRowCount()).isEqualTo(ELEMENTS);
                    FieldVector vector = root.getVector(0);
                    assertThat(vector.getNullCount()).isZero();
                    for (int i = 0; i < ELEMENTS; i++) {
                        if (dtype.isFloatingPoint()) {
                            double expected = dtype == DType.FLOAT32 ? (float) floating(k, i) : floating(k, i);
                            assertThat(((FloatingPointVector) vector).getValueAsDouble(i))
                                    .as("%s[%d] of batch %d", dtype, i, k).isEqualTo(expected);
                        } else {
                            assertThat(((BaseIntVector) vector).getValueAsLong(i))
                                    .as("%s[%d] of batch %d", dtype, i, k)
                                    .isEqualTo(expectedInteger(dtype, raw(k, i)));
                        }
                    }
                }
                assertThat(reader.loadNextBatch()).as("end of stream").isFalse();
            }
        }
    }

    @Test
    void unsignedValuesAreNotSignExtended() throws IOException {
        // raw(0, 0) = -259: as uint8 that is 253, as int8 -3
        assertThat(expectedInteger(DType.UINT8, raw(0, 0))).isEqualTo(253);
        try (ArrowStreamReader reader = new ArrowStreamReader(
                new ByteArrayInputStream(arrowStreamAsTheBridgeWritesIt(declaration(DType.UINT8))), allocator)) {
            assertThat(reader.loadNextBatch()).isTrue();
            assertThat(((BaseIntVector) reader.getVectorSchemaRoot().getVector(0)).getValueAsLong(0)).isEqualTo(253);
        }
    }

    /** An IPC stream with one batch written by Arrow Java, with our schema metadata. */
    private byte[] arrowWrites(DType dtype, Map<String, String> metadata, ArrowType type) throws IOException {
        Field field = new Field("temperature", new FieldType(false, type, null), List.of());
        Schema schema = new Schema(List.of(field), metadata);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
                ArrowStreamWriter writer = new ArrowStreamWriter(root, null, Channels.newChannel(out))) {
            FieldVector vector = root.getVector(0);
            vector.allocateNew();
            for (int i = 0; i < ELEMENTS; i++) {
                if (dtype.isFloatingPoint()) {
                    ((FloatingPointVector) vector).setSafeWithPossibleTruncate(i, floating(0, i));
                } else {
                    ((BaseIntVector) vector).setWithPossibleTruncate(i, raw(0, i));
                }
            }
            root.setRowCount(ELEMENTS);
            writer.start();
            writer.writeBatch();
            writer.end();
        }
        return out.toByteArray();
    }

    private static Map<String, String> metadataOf(DType dtype) {
        Map<String, String> metadata = new HashMap<>();
        metadata.put(ArrowChunkFormat.KEY_ARRAY, "temperature");
        metadata.put(ArrowChunkFormat.KEY_DTYPE, dtype.numpyName());
        metadata.put(ArrowChunkFormat.KEY_CHUNK_SHAPE, "3,5");
        metadata.put(ArrowChunkFormat.KEY_CHUNKS_PER_DIM, "2,2");
        metadata.put(ArrowChunkFormat.KEY_CHUNK_POSITION, "1,0");
        metadata.put(ArrowChunkFormat.KEY_CHUNKS_OF_NODE, "2");
        return metadata;
    }

    @Test
    void ourParserReadsWhatArrowJavaWritesForEveryDtype() throws IOException {
        for (DType dtype : DType.values()) {
            byte[] stream = arrowWrites(dtype, metadataOf(dtype), arrowType(dtype));
            String context = "Arrow Java stream of " + dtype;

            ByteBuffer bytes = ByteBuffer.wrap(stream);
            ArrayDeclaration parsed = ArrowChunkFormat.parseSchema(bytes, context);
            assertThat(parsed).as("%s", dtype).isEqualTo(declaration(dtype));

            int schemaSize = ArrowChunkFormat.messageSize(bytes);
            ByteBuffer batch = ByteBuffer.wrap(stream, schemaSize, stream.length - schemaSize).slice();
            ArrowChunkFormat.BatchLayout layout = ArrowChunkFormat.parseRecordBatch(batch, parsed, context);
            assertThat(layout.dataLength()).isEqualTo((long) ELEMENTS * dtype.byteSize());
            int bodyStart = schemaSize + ArrowChunkFormat.messageSize(batch);
            byte[] data = Arrays.copyOfRange(
                    stream, bodyStart + (int) layout.dataOffset(), bodyStart + (int) (layout.dataOffset() + layout.dataLength()));
            assertThat(data).as("%s", dtype).isEqualTo(chunk(dtype, 0));
            // after the body: Arrow's end-of-stream marker
            assertThat(Arrays.copyOfRange(stream, bodyStart + (int) layout.bodyLength(), stream.length)).isEqualTo(EOS);
        }
    }

    @Test
    void ourFrameReaderAcceptsArrowJavaMessagesWithTheirValidityBuffer() throws IOException {
        for (DType dtype : new DType[] {DType.FLOAT64, DType.INT16, DType.UINT8}) {
            byte[] stream = arrowWrites(dtype, metadataOf(dtype), arrowType(dtype));
            ByteBuffer bytes = ByteBuffer.wrap(stream);
            int schemaSize = ArrowChunkFormat.messageSize(bytes);
            ByteBuffer batchBuffer = ByteBuffer.wrap(stream, schemaSize, stream.length - schemaSize).slice();
            int batchSize = ArrowChunkFormat.messageSize(batchBuffer);
            int bodyLength = stream.length - schemaSize - batchSize - EOS.length;

            // wrap Arrow's messages in our SCHEMA and CHUNK frames, as a pyarrow client would
            ByteBuffer frames = ByteBuffer.allocate(stream.length + 64).order(ByteOrder.LITTLE_ENDIAN);
            frames.putInt(1 + 2 + schemaSize).put(Protocol.SCHEMA).putShort((short) 7).put(stream, 0, schemaSize);
            frames.putInt(1 + 2 + 8 + 8 + batchSize + bodyLength).put(Protocol.CHUNK).putShort((short) 7)
                    .putLong(0).putLong(42).put(stream, schemaSize, batchSize + bodyLength);
            frames.putInt(1 + 16).put(Protocol.END).putLong(1).putLong(42);

            DataFrameReader reader = new DataFrameReader(
                    new ByteArrayInputStream(frames.array(), 0, frames.position()), 1 << 20, "pyarrow client");
            DataFrame.Chunk chunk = (DataFrame.Chunk) reader.next();
            assertThat(chunk.array()).isEqualTo(declaration(dtype));
            assertThat(chunk.timestep()).isEqualTo(42);
            assertThat(chunk.data()).as("%s", dtype).isEqualTo(chunk(dtype, 0));
            assertThat(reader.next()).isEqualTo(new DataFrame.End(1, 42));
        }
    }

    @Test
    void arrowSchemaWhoseFieldTypeContradictsTheDtypeIsRejected() throws IOException {
        byte[] stream = arrowWrites(DType.FLOAT64, metadataOf(DType.INT64), arrowType(DType.FLOAT64));
        assertThatThrownBy(() -> ArrowChunkFormat.parseSchema(ByteBuffer.wrap(stream), "client X"))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("client X")
                .hasMessageContaining("does not match dtype int64");
        byte[] unsigned = arrowWrites(DType.UINT32, metadataOf(DType.INT32), arrowType(DType.UINT32));
        assertThatThrownBy(() -> ArrowChunkFormat.parseSchema(ByteBuffer.wrap(unsigned), "client X"))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("does not match dtype int32");
    }

    @Test
    void arrowSchemaWithoutDeisaMetadataIsRejected() throws IOException {
        Map<String, String> metadata = metadataOf(DType.FLOAT64);
        metadata.remove(ArrowChunkFormat.KEY_CHUNK_SHAPE);
        byte[] stream = arrowWrites(DType.FLOAT64, metadata, arrowType(DType.FLOAT64));
        assertThatThrownBy(() -> ArrowChunkFormat.parseSchema(ByteBuffer.wrap(stream), "client Y"))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("client Y")
                .hasMessageContaining("lacks metadata key deisa.chunk_shape");
    }

    @Test
    void recordBatchOfTheWrongLengthIsRejected() throws IOException {
        byte[] stream = arrowWrites(DType.FLOAT64, metadataOf(DType.FLOAT64), arrowType(DType.FLOAT64));
        int schemaSize = ArrowChunkFormat.messageSize(ByteBuffer.wrap(stream));
        ByteBuffer batch = ByteBuffer.wrap(stream, schemaSize, stream.length - schemaSize).slice();
        ArrayDeclaration bigger = new ArrayDeclaration("temperature", ArrayMetadata.builder()
                .dtype(DType.FLOAT64).chunkShape(4, 5).chunksPerDim(2, 2).chunkPosition(1, 0).build());
        assertThatThrownBy(() -> ArrowChunkFormat.parseRecordBatch(batch, bigger, "client Z"))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("client Z")
                .hasMessageContaining("has 15 elements, expected 20");
        // a schema message is not a record batch
        assertThatThrownBy(() -> ArrowChunkFormat.parseRecordBatch(ByteBuffer.wrap(stream), bigger, "client Z"))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("expected Arrow RecordBatch message");
    }
}
