package io.deisa.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deisa.bridge.ArrayMetadata;
import io.deisa.bridge.DType;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

class DataFrameRoundTripTest {
    @TempDir Path dir;

    static ArrayDeclaration declaration(DType dtype, int rows, int cols) {
        return new ArrayDeclaration("temperature", ArrayMetadata.builder()
                .chunkShape(rows, cols).chunksPerDim(2, 3).chunkPosition(1, 2).dtype(dtype).build());
    }

    /** Writes schema + chunks + end with the bridge's writer and returns the bytes. */
    byte[] write(ArrayDeclaration array, long[] timesteps, ByteBuffer data) throws IOException {
        Path file = dir.resolve("frames-" + System.nanoTime());
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            DataFrameWriter writer = new DataFrameWriter(channel);
            writer.writeSchema(0, array);
            for (int i = 0; i < timesteps.length; i++) {
                writer.writeChunk(0, i, timesteps[i], data);
            }
            writer.writeEnd(timesteps.length, timesteps[timesteps.length - 1]);
        }
        return Files.readAllBytes(file);
    }

    @Test
    void chunksOfEveryDtypeRoundTripWithTheirGeometry() throws IOException {
        for (DType dtype : DType.values()) {
            for (int cols : new int[] {1, 3, 7}) {
              for (int rows : new int[] {1, 2}) {
                ArrayDeclaration array = declaration(dtype, rows, cols);
                int bytes = rows * cols * dtype.byteSize();
                ByteBuffer data = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < bytes; i++) {
                    data.put((byte) (i * 7 + 1));
                }
                data.flip();
                byte[] expected = new byte[bytes];
                data.duplicate().get(expected);

                DataFrameReader reader = new DataFrameReader(
                        new ByteArrayInputStream(write(array, new long[] {5, 6}, data)), 1 << 20, "bridge 3");
                for (long t = 5; t <= 6; t++) {
                    DataFrame.Chunk chunk = (DataFrame.Chunk) reader.next();
                    assertThat(chunk.timestep()).isEqualTo(t);
                    assertThat(chunk.sequence()).isEqualTo(t - 5);
                    assertThat(chunk.array()).isEqualTo(array);
                    assertThat(chunk.data()).as("%s x %d", dtype, cols).isEqualTo(expected);
                }
                assertThat(reader.next()).isEqualTo(new DataFrame.End(2, 6));
                assertThatThrownBy(reader::next).isInstanceOf(EOFException.class);
              }
            }
        }
    }

    @Test
    void truncatedAndOversizedFramesAreProtocolErrors() throws IOException {
        ArrayDeclaration array = declaration(DType.FLOAT64, 4, 4);
        ByteBuffer data = ByteBuffer.allocate(128);
        byte[] frames = write(array, new long[] {0}, data);
        for (int cut : new int[] {3, 10, 60, frames.length - 30}) {
            DataFrameReader reader = new DataFrameReader(
                    new ByteArrayInputStream(Arrays.copyOf(frames, cut)), 1 << 20, "bridge 1");
            assertThatThrownBy(() -> {
                reader.next();
                reader.next();
            }).isInstanceOf(ProtocolException.class).hasMessageContaining("bridge 1").as("cut at %d", cut);
        }
        DataFrameReader small = new DataFrameReader(new ByteArrayInputStream(frames), 64, "bridge 1");
        assertThatThrownBy(small::next).isInstanceOf(ProtocolException.class).hasMessageContaining("out of bounds");
    }

    @Test
    void aChunkWhoseLengthIsNotTheDeclaredArraysIsRefusedNamingIt() throws IOException {
        ArrayDeclaration array = declaration(DType.FLOAT32, 2, 2);
        byte[] frames = write(array, new long[] {7}, ByteBuffer.allocate(12));
        DataFrameReader reader = new DataFrameReader(new ByteArrayInputStream(frames), 1 << 20, "bridge 4");
        assertThatThrownBy(reader::next).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("bridge 4")
                .hasMessageContaining("'temperature' at timestep 7 carries 12 bytes of data")
                .hasMessageContaining("float32 chunk of shape [2, 2] has 16");
    }

    @Test
    void aSchemaWithTrailingBytesOrARepeatedArrayIdIsRefused() throws IOException {
        ArrayDeclaration array = declaration(DType.INT16, 1, 3);
        byte[] payload = array.encode(new PayloadWriter().putShort(0)).toByteArray();
        ByteBuffer stream = ByteBuffer.allocate(64 + 2 * payload.length).order(ByteOrder.LITTLE_ENDIAN);
        stream.putInt(1 + payload.length + 1).put(Protocol.SCHEMA).put(payload).put((byte) 0);
        DataFrameReader trailing = new DataFrameReader(
                new ByteArrayInputStream(Arrays.copyOf(stream.array(), stream.position())), 1 << 20, "bridge 2");
        assertThatThrownBy(trailing::next).isInstanceOf(ProtocolException.class).hasMessageContaining("bridge 2");

        stream.clear();
        for (int i = 0; i < 2; i++) {
            stream.putInt(1 + payload.length).put(Protocol.SCHEMA).put(payload);
        }
        DataFrameReader twice = new DataFrameReader(
                new ByteArrayInputStream(Arrays.copyOf(stream.array(), stream.position())), 1 << 20, "bridge 2");
        assertThatThrownBy(twice::next).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("declares array id 0 again");
    }
}
