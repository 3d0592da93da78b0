package io.deisa.bench.micro;

import io.deisa.bridge.ArrayMetadata;
import io.deisa.bridge.DType;
import io.deisa.wire.ArrayDeclaration;
import io.deisa.wire.DataFrame;
import io.deisa.wire.DataFrameReader;
import io.deisa.wire.DataFrameWriter;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.util.Arrays;

/**
 * The data channel between a bridge and a source reader, without the network: one CHUNK frame of
 * an N×N {@code FLOAT64} chunk encoded with {@link DataFrameWriter#writeChunk} (what the bridge's
 * {@code DataEndpoint} sender does for every chunk) and decoded with {@link DataFrameReader#next()}
 * (what the conformance head does; the source reader decodes the same frames without blocking,
 * with {@code DataFrameDecoder}).
 *
 * <ul>
 *   <li>{@code encode}: the frame header and the chunk's direct buffer gathered into a preallocated direct buffer. The one copy of the
 *       chunk stands for the copy into the kernel's socket buffer that a real gathering write
 *       makes.
 *   <li>{@code encodeDiscard}: the same frame written to a channel that drops the bytes: the
 *       framing cost alone, which should not depend on the chunk size.
 *   <li>{@code decode}: one CHUNK frame read from an in-memory stream (the stand-in for the
 *       socket's {@code BufferedInputStream}): the length checked against the declared
 *       array, and the chunk's bytes read into a fresh
 *       {@code byte[]} (one allocation and one copy).
 * </ul>
 *
 * <p>Scores are average times in µs per frame; one frame carries {@code chunkSide² × 8} bytes of
 * chunk data (512 KiB for 256, 8 MiB for 1024), so {@code bytes / score} is the throughput in MB/s
 * (10<sup>6</sup> bytes per second). Compare with {@link MemoryCopyBenchmark} of the same size.
 */
public class WireChunkBenchmark extends ChunkSideBenchmark {
    private static final int ARRAY_ID = 0;

    private ByteBuffer chunk;
    private BufferSinkChannel sink;
    private DataFrameWriter writer;
    private DataFrameWriter discardingWriter;
    private long sequence;

    private RewindableInputStream frames;
    private int chunkFrameOffset;
    private DataFrameReader reader;

    /** Builds the chunk, the writers and a stream holding one encoded chunk. */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        ArrayMetadata metadata = ArrayMetadata.builder()
                .chunkShape(chunkSide, chunkSide)
                .chunksPerDim(Fixtures.GRID)
                .dtype(DType.FLOAT64)
                .chunkPosition(0, 1)
                .build();
        ArrayDeclaration declaration = new ArrayDeclaration(Fixtures.ARRAY, metadata);
        chunk = Fixtures.littleEndianDirect(Fixtures.values(chunkSide, 1));

        int chunkFrameBytes = chunkFrameBytes(chunk.remaining());
        sink = new BufferSinkChannel(ByteBuffer.allocateDirect(chunkFrameBytes));
        writer = new DataFrameWriter(sink);
        discardingWriter = new DataFrameWriter(new DiscardChannel());

        // The stream a reader sees: the SCHEMA frame, then one CHUNK frame that decode() rereads.
        BufferSinkChannel encoded =
                new BufferSinkChannel(ByteBuffer.allocate(1024 + chunkFrameBytes));
        DataFrameWriter streamWriter = new DataFrameWriter(encoded);
        streamWriter.writeSchema(ARRAY_ID, declaration);
        chunkFrameOffset = encoded.position();
        streamWriter.writeChunk(ARRAY_ID, 0, Fixtures.TIMESTEP, chunk);
        if (encoded.position() - chunkFrameOffset != chunkFrameBytes) {
            throw new IllegalStateException("CHUNK frame is " + (encoded.position() - chunkFrameOffset)
                    + " bytes, expected " + chunkFrameBytes);
        }
        frames = new RewindableInputStream(encoded.written());
        reader = new DataFrameReader(frames, Integer.MAX_VALUE - 64, "benchmark bridge");

        // Absorbs the SCHEMA frame and checks that the round trip is exact.
        DataFrame first = reader.next();
        byte[] expected = new byte[chunk.remaining()];
        chunk.duplicate().get(expected);
        if (!(first instanceof DataFrame.Chunk decoded)
                || !Arrays.equals(decoded.data(), expected)
                || decoded.timestep() != Fixtures.TIMESTEP) {
            throw new IllegalStateException("The decoded chunk differs from the encoded one: " + first);
        }
    }

    /** Size of a CHUNK frame, as {@link DataFrameWriter#writeChunk} lays it out. */
    private static int chunkFrameBytes(int dataBytes) {
        long header = 4 + 1 + 2 + 8 + 8;
        return Math.toIntExact(header + dataBytes);
    }

    /** Encodes one CHUNK frame into a preallocated direct buffer (one copy of the chunk). */
    @Benchmark
    public int encode() throws IOException {
        sink.reset();
        writer.writeChunk(ARRAY_ID, sequence++, Fixtures.TIMESTEP, chunk);
        return sink.position();
    }

    /** Encodes one CHUNK frame into a channel that drops it: the framing cost without the copy. */
    @Benchmark
    public long encodeDiscard() throws IOException {
        discardingWriter.writeChunk(ARRAY_ID, sequence++, Fixtures.TIMESTEP, chunk);
        return sequence;
    }

    /** Decodes one CHUNK frame into a fresh {@code byte[]} (one allocation, one copy). */
    @Benchmark
    public DataFrame decode() throws IOException {
        frames.rewindTo(chunkFrameOffset);
        return reader.next();
    }

    /**
     * A blocking gathering channel that copies everything written into one preallocated buffer, so
     * that a frame costs exactly one copy of its bytes; {@link #reset()} makes it reusable.
     */
    private static final class BufferSinkChannel extends BufferByBufferChannel {
        private final ByteBuffer target;

        BufferSinkChannel(ByteBuffer target) {
            this.target = target;
        }

        void reset() {
            target.clear();
        }

        int position() {
            return target.position();
        }

        /** A copy of the bytes written since the last reset. */
        byte[] written() {
            byte[] copy = new byte[target.position()];
            target.duplicate().flip().get(copy);
            return copy;
        }

        @Override
        public int write(ByteBuffer source) {
            int written = source.remaining();
            target.put(source);
            return written;
        }
    }

    /** A channel that accepts everything and keeps nothing: the buffers are consumed, not read. */
    private static final class DiscardChannel extends BufferByBufferChannel {
        @Override
        public int write(ByteBuffer source) {
            int written = source.remaining();
            source.position(source.limit());
            return written;
        }
    }

    /** An open, blocking gathering channel that writes the buffers of a gathering write one by one. */
    private abstract static class BufferByBufferChannel implements GatheringByteChannel {
        @Override
        public long write(ByteBuffer[] sources, int offset, int length) throws IOException {
            long written = 0;
            for (int i = offset; i < offset + length; i++) {
                written += write(sources[i]);
            }
            return written;
        }

        @Override
        public long write(ByteBuffer[] sources) throws IOException {
            return write(sources, 0, sources.length);
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {}
    }

    /**
     * An unsynchronized in-memory stream over a byte array that can jump back to any offset, so the
     * same frame can be decoded over and over by one {@link DataFrameReader}.
     */
    private static final class RewindableInputStream extends InputStream {
        private final byte[] bytes;
        private int position;

        RewindableInputStream(byte[] bytes) {
            this.bytes = bytes;
        }

        void rewindTo(int offset) {
            position = offset;
        }

        @Override
        public int read() {
            return position < bytes.length ? bytes[position++] & 0xff : -1;
        }

        @Override
        public int read(byte[] destination, int offset, int length) {
            if (length == 0) {
                return 0;
            }
            int available = bytes.length - position;
            if (available <= 0) {
                return -1;
            }
            int count = Math.min(length, available);
            System.arraycopy(bytes, position, destination, offset, count);
            position += count;
            return count;
        }

        @Override
        public long skip(long count) {
            long skipped = Math.max(0, Math.min(count, bytes.length - position));
            position += (int) skipped;
            return skipped;
        }

        @Override
        public int available() {
            return bytes.length - position;
        }
    }
}
