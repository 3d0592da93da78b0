package io.deisa.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.deisa.bridge.ArrayMetadata;
import io.deisa.bridge.DType;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Deterministic fuzzing of the decoders that face the network: mutated valid frames must only
 * ever produce a decoded value or an {@link IOException} ({@link ProtocolException} or {@link
 * EOFException}), never an unchecked exception, and never allocate more than the frame they read
 * (measured with the JVM's per-thread allocation counter).
 */
class WireFuzzTest {
    private static final int MAX_FRAME = 1 << 20;
    /** Room for exceptions and strings on top of the frame itself. */
    private static final long SLACK = 128 << 10;
    /** The same for the frame reader, whose decodes are measured the first time they run. */
    private static final long READER_SLACK = 512 << 10;
    private static final int RANDOM_ITERATIONS = 2000;
    /** Bytes from the start of each frame that the exhaustive sweep mutates. */
    private static final int HEADER_SWEEP = 64;
    private static final int[] INTERESTING = {
        0, 1, -1, 2, 7, 8, 16, 17, 0xFF, 0xFFFF, 0x10000, 0x7FFF_FFFF, 0x8000_0000, MAX_FRAME, MAX_FRAME + 1,
        MAX_FRAME - 1, DataFrameReader.MAX_SCHEMA + 1, 0xFFFF_FFFF
    };

    private static com.sun.management.ThreadMXBean threads;

    @BeforeAll
    static void allocationCounter() {
        threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertThat(threads.isThreadAllocatedMemorySupported()).isTrue();
        threads.setThreadAllocatedMemoryEnabled(true);
    }

    /** Plain check (the sweeps run tens of thousands of times; AssertJ would dominate). */
    private static void checkAllocation(long bytes, long limit, String what) {
        if (bytes >= limit) {
            fail("%s allocated %d bytes, limit %d", what, bytes, limit);
        }
    }

    private static long allocated() {
        return threads.getCurrentThreadAllocatedBytes();
    }

    /** A bridge's data stream: two SCHEMA frames, three CHUNK frames and END. */
    static byte[] validDataStream() throws IOException {
        ArrayDeclaration temperature = new ArrayDeclaration("temperature", ArrayMetadata.builder()
                .dtype(DType.FLOAT64).chunkShape(2, 2).chunksPerDim(2, 2).chunkPosition(1, 0).build());
        ArrayDeclaration mask = new ArrayDeclaration("mask", ArrayMetadata.builder()
                .dtype(DType.UINT8).chunkShape(3).chunksPerDim(1).chunkPosition(0).build());
        MemoryChannel channel = new MemoryChannel();
        DataFrameWriter writer = new DataFrameWriter(channel);
        writer.writeSchema(0, temperature);
        writer.writeSchema(1, mask);
        ByteBuffer temperatureData = ByteBuffer.allocate(32);
        for (int i = 0; i < 32; i++) {
            temperatureData.put((byte) i);
        }
        temperatureData.flip();
        writer.writeChunk(0, 0, 0, temperatureData);
        writer.writeChunk(1, 1, 0, ByteBuffer.wrap(new byte[] {1, 0, 1}));
        writer.writeChunk(0, 2, 1, temperatureData);
        writer.writeEnd(3, 1);
        return channel.toByteArray();
    }

    /** Offsets where frames start, found by walking the lengths. */
    private static List<Integer> frameStarts(byte[] stream) {
        List<Integer> starts = new ArrayList<>();
        ByteBuffer in = ByteBuffer.wrap(stream).order(ByteOrder.LITTLE_ENDIAN);
        while (in.remaining() >= 4) {
            starts.add(in.position());
            in.position(in.position() + 4 + in.getInt(in.position()));
        }
        return starts;
    }

    private static byte[] putInt(byte[] input, int offset, int value) {
        byte[] copy = input.clone();
        for (int i = 0; i < 4 && offset + i < copy.length; i++) {
            copy[offset + i] = (byte) (value >>> (8 * i));
        }
        return copy;
    }

    /** One to three random mutations, biased towards the headers of frames. */
    private static byte[] mutate(byte[] valid, List<Integer> starts, Random random) {
        byte[] bytes = valid.clone();
        int operations = 1 + random.nextInt(3);
        for (int op = 0; op < operations && bytes.length > 0; op++) {
            int base = starts.get(random.nextInt(starts.size()));
            int offset = random.nextBoolean()
                    ? Math.min(bytes.length - 1, base + random.nextInt(80))
                    : random.nextInt(bytes.length);
            switch (random.nextInt(6)) {
                case 0:
                    bytes[offset] ^= (byte) (1 + random.nextInt(255));
                    break;
                case 1:
                    bytes = putInt(bytes, offset, INTERESTING[random.nextInt(INTERESTING.length)]);
                    break;
                case 2:
                    bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length));
                    break;
                case 3: {
                    byte[] inserted = new byte[1 + random.nextInt(16)];
                    random.nextBytes(inserted);
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    out.write(bytes, 0, offset);
                    out.write(inserted, 0, inserted.length);
                    out.write(bytes, offset, bytes.length - offset);
                    bytes = out.toByteArray();
                    break;
                }
                case 4: {
                    int end = Math.min(bytes.length, offset + 1 + random.nextInt(32));
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    out.write(bytes, 0, offset);
                    out.write(bytes, end, bytes.length - end);
                    bytes = out.toByteArray();
                    break;
                }
                default:
                    bytes = putInt(bytes, offset, random.nextInt());
            }
        }
        return bytes;
    }

    private static final class Outcomes {
        int decoded;
        int protocolErrors;
        int endOfStream;
    }

    /**
     * Reads {@code input} to its end or first error, checking what is thrown and that no frame
     * allocates more than the largest accepted frame (plus room for one-time linkage of code paths:
     * a frame read into two arrays of its size would still exceed it).
     */
    private static void readAll(byte[] input, String what, Outcomes outcomes) {
        readAll(input, what, outcomes, true);
    }

    private static void readAll(byte[] input, String what, Outcomes outcomes, boolean measure) {
        long limit = measure ? MAX_FRAME + READER_SLACK : Long.MAX_VALUE;
        DataFrameReader reader = new DataFrameReader(new ByteArrayInputStream(input), MAX_FRAME, "bridge 9");
        for (int frames = 0; frames < 32; frames++) {
            long before = allocated();
            try {
                DataFrame frame = reader.next();
                checkAllocation(allocated() - before, limit, what);
                outcomes.decoded++;
                if (frame instanceof DataFrame.End) {
                    return;
                }
                DataFrame.Chunk chunk = (DataFrame.Chunk) frame;
                if (chunk.data().length != chunk.array().metadata().chunkByteSize()) {
                    fail("%s: chunk of %d bytes for %s", what, chunk.data().length, chunk.array());
                }
            } catch (ProtocolException e) {
                checkAllocation(allocated() - before, limit, what);
                if (e.getMessage() == null || !e.getMessage().contains("bridge 9")) {
                    fail("%s: message does not name the peer: %s", what, e.getMessage());
                }
                outcomes.protocolErrors++;
                return;
            } catch (EOFException e) {
                outcomes.endOfStream++;
                return;
            } catch (IOException e) {
                fail("%s: unexpected IOException type %s", what, e);
            } catch (RuntimeException | Error e) {
                throw new AssertionError(what + " escaped as an unchecked " + e, e);
            }
        }
        fail("%s: more than 32 frames from a stream of %d bytes", what, input.length);
    }

    @Test
    void dataFrameReaderSurvivesEveryInterestingIntInEveryHeader() throws IOException {
        byte[] valid = validDataStream();
        Outcomes outcomes = new Outcomes();
        readAll(valid, "the valid stream", outcomes);
        assertThat(outcomes.decoded).isEqualTo(4);
        // every offset of the frame headers and of the first bytes of every payload (array
        // declarations, chunk headers); deeper bytes are left to the random mutations
        java.util.TreeSet<Integer> offsets = new java.util.TreeSet<>();
        for (int start : frameStarts(valid)) {
            for (int i = 0; i < HEADER_SWEEP && start + i < valid.length; i++) {
                offsets.add(start + i);
            }
        }
        assertThat(offsets.size()).isGreaterThan(250);
        for (int offset : offsets) {
            for (int value : INTERESTING) {
                readAll(putInt(valid, offset, value), "int " + value + " at " + offset, outcomes);
            }
        }
        assertThat(outcomes.protocolErrors).isPositive();
        assertThat(outcomes.decoded).isPositive();
    }

    @Test
    void dataFrameReaderSurvivesRandomMutations() throws IOException {
        byte[] valid = validDataStream();
        List<Integer> starts = frameStarts(valid);
        assertThat(starts).hasSize(6);
        Random random = new Random(0xDE15AL);
        Outcomes outcomes = new Outcomes();
        for (int i = 0; i < RANDOM_ITERATIONS; i++) {
            readAll(mutate(valid, starts, random), "random mutation " + i, outcomes);
        }
        assertThat(outcomes.protocolErrors).isGreaterThan(RANDOM_ITERATIONS / 4);
        assertThat(outcomes.decoded).isPositive();
    }

    @Test
    void truncationRightAfterAFrameLengthIsReportedAsSuch() throws IOException {
        byte[] valid = validDataStream();
        DataFrameReader reader =
                new DataFrameReader(new ByteArrayInputStream(Arrays.copyOf(valid, 4)), MAX_FRAME, "bridge 9");
        assertThatThrownBy(reader::next)
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("bridge 9")
                .hasMessageContaining("closed in the middle of a");
    }

    /**
     * Decodes a REGISTER frame read from {@code input}, checking what is thrown and allocated (the
     * second time, as in {@link #readAll(byte[], String, Outcomes)}).
     */
    private static void readRegistration(byte[] input, String what, Outcomes outcomes) {
        readRegistration(input, what, new Outcomes(), false);
        readRegistration(input, what, outcomes, true);
    }

    private static void readRegistration(byte[] input, String what, Outcomes outcomes, boolean measure) {
        long limit = measure ? MAX_FRAME + SLACK : Long.MAX_VALUE;
        long before = allocated();
        Frame frame;
        try {
            frame = FrameIO.read(new ByteArrayInputStream(input), MAX_FRAME);
        } catch (ProtocolException | EOFException e) {
            checkAllocation(allocated() - before, limit, "reading " + what);
            outcomes.endOfStream++;
            return;
        } catch (IOException e) {
            throw new AssertionError(what + ": unexpected " + e, e);
        } catch (RuntimeException | Error e) {
            throw new AssertionError(what + " escaped FrameIO.read as an unchecked " + e, e);
        }
        long afterRead = allocated();
        checkAllocation(afterRead - before, limit, "reading " + what);
        try {
            Registration registration = Registration.decode(frame);
            if (registration.arrays().size() > frame.payload().length) {
                fail("%s: %d arrays from %d bytes", what, registration.arrays().size(), frame.payload().length);
            }
            outcomes.decoded++;
        } catch (ProtocolException e) {
            outcomes.protocolErrors++;
        } catch (RuntimeException | Error e) {
            throw new AssertionError(what + " escaped Registration.decode as an unchecked " + e, e);
        }
        if (measure) {
            // decoding allocates in proportion to the payload, whatever counts it claims
            checkAllocation(allocated() - afterRead, 16L * frame.payload().length + (64 << 10),
                    "decoding " + what + " (payload of " + frame.payload().length + " bytes)");
        }
    }

    private static byte[] registerFrame() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FrameIO.write(out, Protocol.REGISTER, RegistrationTest.sample().encode());
        return out.toByteArray();
    }

    @Test
    void registrationDecodeSurvivesEveryInterestingIntAtEveryOffset() throws IOException {
        byte[] valid = registerFrame();
        Outcomes outcomes = new Outcomes();
        readRegistration(valid, "the valid frame", outcomes);
        assertThat(outcomes.decoded).isEqualTo(1);
        for (int offset = 0; offset < valid.length; offset++) {
            for (int value : INTERESTING) {
                readRegistration(putInt(valid, offset, value), "int " + value + " at " + offset, outcomes);
            }
        }
        assertThat(outcomes.protocolErrors).isPositive();
    }

    @Test
    void registrationDecodeSurvivesRandomMutations() throws IOException {
        byte[] valid = registerFrame();
        Random random = new Random(0xB1D6EL);
        Outcomes outcomes = new Outcomes();
        for (int i = 0; i < RANDOM_ITERATIONS; i++) {
            readRegistration(mutate(valid, List.of(0), random), "random mutation " + i, outcomes);
        }
        assertThat(outcomes.protocolErrors).isGreaterThan(RANDOM_ITERATIONS / 4);
        assertThat(outcomes.decoded).isPositive();
    }
}
