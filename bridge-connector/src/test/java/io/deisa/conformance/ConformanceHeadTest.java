package io.deisa.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.deisa.bridge.ArrayMetadata;
import io.deisa.bridge.Bridge;
import io.deisa.bridge.DType;
import io.deisa.bridge.Feedback;
import io.deisa.bridge.SystemMetadata;
import io.deisa.wire.ArrayDeclaration;
import io.deisa.wire.Frame;
import io.deisa.wire.FrameIO;
import io.deisa.wire.Protocol;
import io.deisa.wire.Registration;
import io.deisa.wire.message.CloseRun;
import io.deisa.wire.message.Hello;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The conformance head against the Java bridge (which must conform) and against scripted bridges
 * that break the protocol in one way each (which the head must name): so the suite cannot pass a
 * client that does not follow {@code docs/PROTOCOL.md}.
 */
@Timeout(120)
class ConformanceHeadTest {
    private static final int TIMESTEPS = 4;

    private static CompletableFuture<List<String>> serve(ConformanceHead head) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return head.run();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Test
    void theJavaBridgeConforms() throws Exception {
        conforms(Long.MIN_VALUE);
    }

    @Test
    void theJavaBridgeRejoinsAHeadThatFailsOver() throws Exception {
        conforms(1);
    }

    private static void conforms(long dropHeadAt) throws Exception {
        int world = 3;
        try (ConformanceHead head = new ConformanceHead(new InetSocketAddress("127.0.0.1", 0), world, TIMESTEPS, 1,
                true, 100, Duration.ofSeconds(90)).dropHeadAt(dropHeadAt)) {
            CompletableFuture<List<String>> verdict = serve(head);
            int master = freePort();
            List<String> problems = new CopyOnWriteArrayList<>();
            List<CompletableFuture<Void>> ranks = new ArrayList<>();
            for (int rank = 0; rank < world; rank++) {
                int r = rank;
                ranks.add(CompletableFuture.runAsync(() -> runJavaClient(r, world, head.port(), master, problems)));
            }
            CompletableFuture.allOf(ranks.toArray(CompletableFuture[]::new)).get(90, TimeUnit.SECONDS);
            assertThat(verdict.get(90, TimeUnit.SECONDS)).isEmpty();
            assertThat(problems).isEmpty();
            assertThat(head.summary()).startsWith("3 bridge(s), 120 chunk(s)");
        }
    }

    private static void runJavaClient(int rank, int world, int headPort, int master, List<String> problems) {
        Map<String, ArrayMetadata> arrays = ConformancePattern.arrays(rank, world);
        SystemMetadata sys = SystemMetadata.builder().worldSize(world).masterAddress("127.0.0.1").masterPort(master)
                .head("127.0.0.1:" + headPort).connectTimeout(Duration.ofSeconds(60)).build();
        try (Bridge bridge = new Bridge(rank, arrays, sys)) {
            for (long t = 0; t < TIMESTEPS; t++) {
                for (Map.Entry<String, ArrayMetadata> array : arrays.entrySet()) {
                    bridge.send(array.getKey(), ByteBuffer.wrap(ConformancePattern.chunk(array.getValue(), rank, t))
                            .order(ByteOrder.LITTLE_ENDIAN), t);
                }
            }
            bridge.close(TIMESTEPS);
            for (long t = 0; t < TIMESTEPS; t++) {
                for (Map.Entry<String, Object> expected : ConformancePattern.feedbackAt(t).entrySet()) {
                    Object got = bridge.get(expected.getKey(), t);
                    Object want = expected.getValue();
                    boolean same = want instanceof double[] d ? java.util.Arrays.equals(d, (double[]) got)
                            : java.util.Objects.equals(want, got);
                    if (!same) {
                        problems.add("bridge " + rank + ": get(" + expected.getKey() + ", " + t + ") = " + got);
                    }
                }
            }
            List<Feedback> queue = bridge.get("long");
            if (queue.size() != TIMESTEPS || !queue.get(TIMESTEPS - 1).value().equals(1000L + TIMESTEPS - 1)) {
                problems.add("bridge " + rank + ": get(long) = " + queue);
            }
        }
    }

    // ------------------------------------------------------------------ scripted, broken bridges

    /** What a scripted bridge writes on its data channel after HELLO and SCHEMA. */
    @FunctionalInterface
    interface Script {
        void write(DataOutputStream out) throws IOException;
    }

    private static final ArrayDeclaration ARRAY = new ArrayDeclaration("a", ArrayMetadata.builder()
            .chunkShape(2).chunksPerDim(1).chunkPosition(0).dtype(DType.FLOAT64).build());

    private static void chunk(DataOutputStream out, long sequence, long timestep, byte[] data) throws IOException {
        ByteBuffer frame = ByteBuffer.allocate(4 + 1 + 18 + data.length).order(ByteOrder.LITTLE_ENDIAN);
        frame.putInt(1 + 18 + data.length).put(Protocol.CHUNK).putShort((short) 0).putLong(sequence).putLong(timestep)
                .put(data);
        out.write(frame.array());
    }

    private static byte[] pattern(long t) {
        return ConformancePattern.chunk(ARRAY.metadata(), 0, t);
    }

    private static void end(DataOutputStream out, long sequence, long timestep) throws IOException {
        ByteBuffer frame = ByteBuffer.allocate(21).order(ByteOrder.LITTLE_ENDIAN);
        frame.putInt(17).put(Protocol.END).putLong(sequence).putLong(timestep);
        out.write(frame.array());
    }

    /**
     * One bridge of a world of one that registers {@link #ARRAY}, serves its data endpoint with
     * {@code script}, then sends CLOSE(timesteps); returns the head's violations.
     */
    private static List<String> violationsOf(byte[] registerOverride, Script script) throws Exception {
        try (ConformanceHead head = new ConformanceHead(new InetSocketAddress("127.0.0.1", 0), 1, 2, 1, false, 300,
                Duration.ofSeconds(15));
                ServerSocket data = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            CompletableFuture<List<String>> verdict = serve(head);
            try (Socket control = new Socket("127.0.0.1", head.port())) {
                OutputStream out = control.getOutputStream();
                InputStream in = new BufferedInputStream(control.getInputStream());
                FrameIO.write(out, Hello.of(Protocol.CHANNEL_CONTROL));
                if (registerOverride != null) {
                    out.write(registerOverride);
                    out.flush();
                    control.shutdownOutput();
                    return verdict.get(30, TimeUnit.SECONDS);
                }
                FrameIO.write(out, new Registration(0, 1, "sim", "127.0.0.1", data.getLocalPort(), "host", List.of(ARRAY)));
                FrameIO.expectHello(in, Protocol.CHANNEL_CONTROL, "head");
                Frame registered = FrameIO.read(in, Protocol.MAX_CONTROL_FRAME);
                assertThat(registered.type()).isEqualTo(Protocol.REGISTERED);
                try (Socket reader = data.accept()) {
                    InputStream readerIn = new BufferedInputStream(reader.getInputStream());
                    assertThat(FrameIO.readHello(readerIn, "reader")).isEqualTo(Protocol.CHANNEL_DATA);
                    assertThat(FrameIO.read(readerIn, 64).type()).isEqualTo(Protocol.SUBSCRIBE);
                    DataOutputStream dataOut = new DataOutputStream(reader.getOutputStream());
                    FrameIO.write(dataOut, Hello.of(Protocol.CHANNEL_DATA));
                    dataOut.write(frameBytes(ARRAY.encode(new io.deisa.wire.PayloadWriter().putShort(0)).toByteArray(),
                            Protocol.SCHEMA));
                    FrameIO.write(out, new CloseRun(2));
                    script.write(dataOut);
                    dataOut.flush();
                    reader.shutdownOutput();
                    return verdict.get(30, TimeUnit.SECONDS);
                }
            }
        }
    }

    @Test
    void aConformingScriptPasses() throws Exception {
        // with maxSimulationAhead 1 and two timesteps there is nothing to wait for
        assertThat(violationsOf(null, out -> {
            chunk(out, 0, 0, pattern(0));
            chunk(out, 1, 1, pattern(1));
            end(out, 2, 2);
        })).isEmpty();
    }

    @Test
    void aTruncatedRegisterIsNamed() throws Exception {
        byte[] full = frameBytes(new Registration(0, 1, "sim", "127.0.0.1", 1, "h", List.of(ARRAY)).encode(),
                Protocol.REGISTER);
        byte[] truncated = ByteBuffer.wrap(java.util.Arrays.copyOf(full, full.length - 3)).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(0, full.length - 3 - 4).array();
        assertThat(violationsOf(truncated, out -> { }))
                .anySatisfy(v -> assertThat(v).contains("control connection from").contains("Truncated REGISTER"));
    }

    @Test
    void dataOtherThanThePatternIsNamedWithItsByte() throws Exception {
        byte[] wrong = pattern(1);
        wrong[9] ^= 1;
        assertThat(violationsOf(null, out -> {
            chunk(out, 0, 0, pattern(0));
            chunk(out, 1, 1, wrong);
            end(out, 2, 2);
        })).singleElement().asString().endsWith("CHUNK sequence 1 of array 'a' at timestep 1: its data differs from "
                + "the conformance pattern at byte 9");
    }

    @Test
    void aChunkOfTheWrongLengthIsNamed() throws Exception {
        assertThat(violationsOf(null, out -> chunk(out, 0, 0, new byte[12])))
                .anySatisfy(v -> assertThat(v).contains("for array 'a' at timestep 0 carries 12 bytes of data; "
                        + "the array's float64 chunk of shape [2] has 16"));
    }

    @Test
    void aSequenceGapAndATimestepGoingBackAreNamed() throws Exception {
        assertThat(violationsOf(null, out -> {
            chunk(out, 0, 1, pattern(1));
            chunk(out, 2, 0, pattern(0));
            end(out, 3, 2);
        })).anySatisfy(v -> assertThat(v).endsWith("at timestep 0: expected sequence 1"))
                .anySatisfy(v -> assertThat(v).endsWith("after a chunk of timestep 1 (timesteps must not decrease)"));
    }

    @Test
    void aBridgeThatDoesNotWaitForProgressIsCaught() throws Exception {
        assertThat(violationsOf(null, out -> {
            chunk(out, 0, 0, pattern(0));
            chunk(out, 1, 1, pattern(1));
            chunk(out, 2, 2, pattern(2));
            end(out, 3, 2);
        })).anySatisfy(v -> assertThat(v).contains("at timestep 2: arrived before the head sent PROGRESS 0"));
    }

    @Test
    void aTruncatedChunkOrAMissingEndIsNamed() throws Exception {
        assertThat(violationsOf(null, out -> {
            chunk(out, 0, 0, pattern(0));
            out.write(new byte[] {27, 0, 0, 0, Protocol.CHUNK, 0, 0});
        })).anySatisfy(v -> assertThat(v).contains("data channel").contains("CHUNK"));
        assertThat(violationsOf(null, out -> chunk(out, 0, 0, pattern(0))))
                .anySatisfy(v -> assertThat(v).contains("closed its data connection before END"));
    }

    private static byte[] frameBytes(byte[] payload, byte type) {
        ByteBuffer frame = ByteBuffer.allocate(5 + payload.length).order(ByteOrder.LITTLE_ENDIAN);
        frame.putInt(1 + payload.length).put(type).put(payload);
        return frame.array();
    }
}
