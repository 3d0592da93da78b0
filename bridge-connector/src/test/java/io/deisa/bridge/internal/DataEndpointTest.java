package io.deisa.bridge.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.deisa.bridge.ArrayMetadata;
import io.deisa.bridge.Bridge;
import io.deisa.bridge.DType;
import io.deisa.bridge.DeisaException;
import io.deisa.bridge.SystemMetadata;
import io.deisa.wire.ArrayDeclaration;
import io.deisa.wire.DataFrame;
import io.deisa.wire.DataFrameReader;
import io.deisa.wire.FrameIO;
import io.deisa.wire.PeerRefusedException;
import io.deisa.wire.Protocol;
import io.deisa.wire.message.Ack;
import io.deisa.wire.message.Subscribe;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;

/** A bridge's data endpoint against readers on real sockets. */
class DataEndpointTest {
    /** 1024 x 1024 float64: 8 MiB, more than the sockets buffer, so a reader that stops reading blocks a write. */
    private static final ArrayMetadata BIG = ArrayMetadata.builder()
            .chunkShape(1024, 1024).chunksPerDim(1, 1).chunkPosition(0, 0).dtype(DType.FLOAT64).build();
    private static final Duration GUARD = Duration.ofSeconds(30);

    private final List<AutoCloseable> open = new ArrayList<>();
    private final List<DeisaException> failures = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable closeable : open) {
            closeable.close();
        }
    }

    private DataEndpoint endpoint(int bridgeId) throws IOException {
        DataEndpoint endpoint = new DataEndpoint(bridgeId, List.of(new ArrayDeclaration("field", BIG)),
                new ChunkBufferPool(1L << 30), failures::add);
        open.add(endpoint);
        return endpoint;
    }

    private static OutboundItem.Chunk chunk(long sequence, long timestep, double value) {
        ByteBuffer data = ByteBuffer.allocateDirect(1024 * 1024 * 8).order(ByteOrder.LITTLE_ENDIAN);
        while (data.hasRemaining()) {
            data.putDouble(value);
        }
        return new OutboundItem.Chunk(0, sequence, timestep, data.clear());
    }

    /** The fencing token of the next reader attempt: each subscription is a newer attempt. */
    private long nextFence = 1_000;

    /** Connects as a reader (a newer attempt than the last) and subscribes; the caller reads the answer. */
    private InputStream subscribe(DataEndpoint endpoint, int bridgeId, long fromSequence) throws IOException {
        return subscribe(endpoint, bridgeId, fromSequence, nextFence++);
    }

    private InputStream subscribe(DataEndpoint endpoint, int bridgeId, long fromSequence, long fence)
            throws IOException {
        Socket socket = new Socket("127.0.0.1", endpoint.port());
        open.add(socket);
        FrameIO.sendHello(socket.getOutputStream(), Protocol.CHANNEL_DATA);
        FrameIO.write(socket.getOutputStream(), new Subscribe(bridgeId, fromSequence, fence));
        return new BufferedInputStream(socket.getInputStream());
    }

    @Test
    void aStaleReaderAttemptIsRefusedAndTheNewerOneKeepsItsBridge() {
        assertTimeoutPreemptively(GUARD, () -> {
            DataEndpoint endpoint = endpoint(5);
            endpoint.enqueue(chunk(0, 0, 1.5));
            InputStream newer = subscribe(endpoint, 5, 0, 2_000);
            FrameIO.expectHello(newer, Protocol.CHANNEL_DATA, "bridge 5");
            DataFrameReader frames = new DataFrameReader(newer, Integer.MAX_VALUE - 64, "bridge 5");
            assertThat(((DataFrame.Chunk) frames.next()).sequence()).isEqualTo(0);

            InputStream stale = subscribe(endpoint, 5, 0, 1_999);
            assertThatThrownBy(() -> FrameIO.expectHello(stale, Protocol.CHANNEL_DATA, "bridge 5"))
                    .isInstanceOf(PeerRefusedException.class)
                    .hasMessageContaining("bridge 5 is read by a newer reader attempt (fencing token 2000); "
                            + "this attempt's token 1999 is stale");

            endpoint.enqueue(chunk(1, 1, 2.5));
            assertThat(((DataFrame.Chunk) frames.next()).sequence()).as("the newer attempt still reads").isEqualTo(1);
        });
    }

    @Test
    void anIdleSenderIsWokenAtOnceByANewReaderAndByANewChunk() {
        // Well under the sender's idle wait: only an explicit wake-up answers within it.
        Duration atOnce = Duration.ofNanos(DataEndpoint.IDLE_PARK_NANOS / 2);
        assertTimeoutPreemptively(GUARD, () -> {
            // A bridge id no other test uses: the sender thread is found by its name.
            DataEndpoint endpoint = endpoint(44);
            InputStream first = subscribe(endpoint, 44, 0);
            FrameIO.expectHello(first, Protocol.CHANNEL_DATA, "bridge 44");
            // Nothing queued: once it wrote the schema, the sender waits for work.
            awaitSenderIdle(endpoint, 44);

            InputStream second = subscribe(endpoint, 44, 0);
            assertTimeoutPreemptively(atOnce, () -> FrameIO.expectHello(second, Protocol.CHANNEL_DATA, "bridge 44"),
                    "the idle sender takes a newer reader at once");
            DataFrameReader frames = new DataFrameReader(second, Integer.MAX_VALUE - 64, "bridge 44");
            awaitSenderIdle(endpoint, 44);

            endpoint.enqueue(chunk(0, 0, 4.5));
            DataFrame.Chunk chunk = assertTimeoutPreemptively(atOnce, () -> (DataFrame.Chunk) frames.next(),
                    "the idle sender writes a new chunk at once");
            assertThat(chunk.sequence()).isZero();
            assertThat(ByteBuffer.wrap(chunk.data()).order(ByteOrder.LITTLE_ENDIAN).getDouble(0)).isEqualTo(4.5);
            assertThat(failures).isEmpty();
        });
    }

    /** Waits until bridge {@code bridgeId}'s sender thread is parked on {@code endpoint}, waiting for work. */
    private static void awaitSenderIdle(DataEndpoint endpoint, int bridgeId) {
        String name = "deisa-bridge-" + bridgeId + "-sender";
        while (Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().equals(name) && t.isAlive()
                && t.getState() == Thread.State.TIMED_WAITING && LockSupport.getBlocker(t) == endpoint)) {
            Thread.onSpinWait();
        }
    }

    @Test
    void aNewReaderIsServedAtOnceWhileTheOldOneNoLongerReads() {
        assertTimeoutPreemptively(GUARD, () -> {
            DataEndpoint endpoint = endpoint(3);
            endpoint.beginTimestep(0, 0);
            endpoint.enqueue(chunk(0, 0, 1.5));
            endpoint.beginTimestep(1, 1);
            endpoint.enqueue(chunk(1, 1, 2.5));
            // The first reader reads its HELLO, then stops reading: the sender blocks in a write.
            FrameIO.expectHello(subscribe(endpoint, 3, 0), Protocol.CHANNEL_DATA, "bridge 3");

            InputStream second = subscribe(endpoint, 3, 0);
            FrameIO.expectHello(second, Protocol.CHANNEL_DATA, "bridge 3");
            DataFrameReader frames = new DataFrameReader(second, Integer.MAX_VALUE - 64, "bridge 3");
            List<String> chunks = new ArrayList<>();
            while (chunks.size() < 2) {
                // A BEGIN_TIMESTEP already written to the first reader is not repeated: skip markers.
                if (frames.next() instanceof DataFrame.Chunk c) {
                    chunks.add("chunk " + c.sequence() + " t=" + c.timestep() + " first="
                            + ByteBuffer.wrap(c.data()).order(ByteOrder.LITTLE_ENDIAN).getDouble(0));
                }
            }
            // Whatever the first reader had received, the second gets every chunk from sequence 0 on.
            assertThat(chunks).containsExactly("chunk 0 t=0 first=1.5", "chunk 1 t=1 first=2.5");
            assertThat(failures).isEmpty();
        });
    }

    @Test
    void aReaderAskingForChunksNoLongerHeldIsRefusedAndTheBridgeFails() {
        assertTimeoutPreemptively(GUARD, () -> {
            DataEndpoint endpoint = endpoint(2);
            endpoint.enqueue(chunk(0, 0, 1.0));
            InputStream first = subscribe(endpoint, 2, 0);
            FrameIO.expectHello(first, Protocol.CHANNEL_DATA, "bridge 2");
            DataFrameReader frames = new DataFrameReader(first, Integer.MAX_VALUE - 64, "bridge 2");
            assertThat(frames.next()).isInstanceOf(DataFrame.Chunk.class);
            endpoint.awaitWritten(0);

            // The queue is empty: the oldest chunk the bridge holds is the next one, sequence 1.
            assertThatThrownBy(() -> FrameIO.expectHello(subscribe(endpoint, 2, 0), Protocol.CHANNEL_DATA, "bridge 2"))
                    .isInstanceOf(PeerRefusedException.class)
                    .hasMessageContaining("bridge 2 cannot replay chunks from sequence 0: the oldest it still holds is 1");
            assertThat(failures).singleElement().extracting(Throwable::getMessage)
                    .isEqualTo("Analytics lost chunks of bridge 2: bridge 2 cannot replay chunks from sequence 0: "
                            + "the oldest it still holds is 1");
        });
    }

    @Test
    void aBridgeGivenADataEndpointAsHeadFailsAtOnceNamingIt() {
        assertTimeoutPreemptively(GUARD, () -> {
            DataEndpoint endpoint = endpoint(7);
            SystemMetadata system = SystemMetadata.builder().worldSize(1).head("127.0.0.1:" + endpoint.port())
                    .masterAddress("127.0.0.1").masterPort(Ports.free()).connectTimeout(Duration.ofSeconds(120)).build();
            assertThatThrownBy(() -> new Bridge(0, Map.of("field", BIG), system).close())
                    .isInstanceOf(DeisaException.class)
                    .hasMessageContaining("this is the data endpoint of bridge 7 (port " + endpoint.port()
                            + "), not the analytics head");
        });
    }

    @Test
    void retainedChunksAreReplayedToARestoredReaderUntilAnAcknowledgementCoversThem() {
        assertTimeoutPreemptively(GUARD, () -> {
            DataEndpoint endpoint = endpoint(4);
            endpoint.retainUntilAcknowledged();
            for (int s = 0; s < 3; s++) {
                endpoint.enqueue(chunk(s, s, s + 0.5));
            }
            Socket first = new Socket("127.0.0.1", endpoint.port());
            open.add(first);
            FrameIO.sendHello(first.getOutputStream(), Protocol.CHANNEL_DATA);
            FrameIO.write(first.getOutputStream(), new Subscribe(4, 0, nextFence++));
            InputStream in = new BufferedInputStream(first.getInputStream());
            FrameIO.expectHello(in, Protocol.CHANNEL_DATA, "bridge 4");
            DataFrameReader frames = new DataFrameReader(in, Integer.MAX_VALUE - 64, "bridge 4");
            for (int s = 0; s < 3; s++) {
                assertThat(((DataFrame.Chunk) frames.next()).sequence()).isEqualTo(s);
            }
            endpoint.awaitWritten(2);
            assertThat(endpoint.retainedBytes()).as("all three kept").isEqualTo(3L * 8 * 1024 * 1024);

            // A checkpoint covers chunk 0: it is dropped, the others stay.
            FrameIO.write(first.getOutputStream(), new Ack(1));
            while (endpoint.retainedBytes() != 2L * 8 * 1024 * 1024) {
                Thread.onSpinWait();
            }

            // A reader restored from a checkpoint at sequence 2 gets chunk 2 again, and only it.
            InputStream restored = subscribe(endpoint, 4, 2);
            FrameIO.expectHello(restored, Protocol.CHANNEL_DATA, "bridge 4");
            DataFrameReader replay = new DataFrameReader(restored, Integer.MAX_VALUE - 64, "bridge 4");
            DataFrame.Chunk again = (DataFrame.Chunk) replay.next();
            assertThat(again.sequence()).isEqualTo(2);
            assertThat(ByteBuffer.wrap(again.data()).order(ByteOrder.LITTLE_ENDIAN).getDouble(0)).isEqualTo(2.5);
            // Chunk 1 is covered by the restored reader's checkpoint: only chunk 2 is kept again.
            while (endpoint.retainedBytes() != 8L * 1024 * 1024) {
                Thread.onSpinWait();
            }
            assertThat(failures).isEmpty();
        });
    }

    /**
     * A bridge waiting for the analytics before it copies the first chunk of timestep 1 has sent
     * only BEGIN_TIMESTEP 1 after the chunks of 0. A reader restored from a checkpoint that covers
     * every chunk of 0 must get that BEGIN_TIMESTEP again, or its watermark never passes 0, the
     * analytics never finish 0, and the bridge waits for ever.
     */
    @Test
    void aBeginTimestepNotCoveredByTheCheckpointIsReplayed() {
        assertTimeoutPreemptively(GUARD, () -> {
            DataEndpoint endpoint = endpoint(6);
            endpoint.retainUntilAcknowledged();
            endpoint.enqueue(chunk(0, 0, 0.5));
            endpoint.beginTimestep(1, 1);
            InputStream first = subscribe(endpoint, 6, 0);
            FrameIO.expectHello(first, Protocol.CHANNEL_DATA, "bridge 6");
            DataFrameReader frames = new DataFrameReader(first, Integer.MAX_VALUE - 64, "bridge 6");
            assertThat(((DataFrame.Chunk) frames.next()).sequence()).isEqualTo(0);
            assertThat(frames.next()).isEqualTo(new DataFrame.BeginTimestep(1));

            InputStream restored = subscribe(endpoint, 6, 1); // the checkpoint covers chunk 0
            FrameIO.expectHello(restored, Protocol.CHANNEL_DATA, "bridge 6");
            DataFrameReader replay = new DataFrameReader(restored, Integer.MAX_VALUE - 64, "bridge 6");
            assertThat(replay.next()).isEqualTo(new DataFrame.BeginTimestep(1));
            assertThat(failures).isEmpty();
        });
    }
}
