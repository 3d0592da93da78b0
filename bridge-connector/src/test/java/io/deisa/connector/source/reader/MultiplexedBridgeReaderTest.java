package io.deisa.connector.source.reader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.deisa.bridge.ArrayMetadata;
import io.deisa.bridge.DType;
import io.deisa.bridge.internal.ChunkBufferPool;
import io.deisa.bridge.internal.DataEndpoint;
import io.deisa.bridge.internal.OutboundItem;
import io.deisa.connector.source.ChunkRecord;
import io.deisa.connector.source.split.BridgeSplit;
import io.deisa.wire.ArrayDeclaration;
import io.deisa.wire.FrameIO;
import io.deisa.wire.Protocol;
import io.deisa.wire.message.Subscribe;

import org.apache.flink.connector.base.source.reader.RecordsWithSplitIds;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsAddition;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/** The multiplexed reader against real bridge data endpoints and scripted bridges on real sockets. */
class MultiplexedBridgeReaderTest {
    private static final ArrayMetadata SMALL = ArrayMetadata.builder()
            .chunkShape(64, 64).chunksPerDim(1, 1).chunkPosition(0, 0).dtype(DType.FLOAT64).build();
    private static final int SMALL_BYTES = 64 * 64 * 8;
    private static final Duration GUARD = Duration.ofSeconds(60);

    private final List<AutoCloseable> open = new ArrayList<>();
    private final List<Exception> bridgeFailures = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable closeable : open) {
            closeable.close();
        }
    }

    private static BridgeSourceSettings settings(Duration frameTimeout, long memoryBytes) {
        return new BridgeSourceSettings(Duration.ofSeconds(5), frameTimeout, Duration.ofMillis(50),
                Integer.MAX_VALUE - 64, memoryBytes);
    }

    private MultiplexedBridgeReader reader(BridgeSourceSettings settings, ReaderMemory memory, List<BridgeSplit> splits) {
        ReaderFence fence = new ReaderFence();
        fence.set(7);
        MultiplexedBridgeReader reader = new MultiplexedBridgeReader(settings, fence, memory, connections);
        open.add(reader);
        reader.handleSplitsChanges(new SplitsAddition<>(splits));
        return reader;
    }

    private DataEndpoint endpoint(int bridgeId, ArrayMetadata array) throws IOException {
        DataEndpoint endpoint = new DataEndpoint(bridgeId, List.of(new ArrayDeclaration("field", array)),
                new ChunkBufferPool(1L << 30), bridgeFailures::add);
        open.add(endpoint);
        return endpoint;
    }

    private static OutboundItem.Chunk chunk(long sequence, long timestep, double value, int bytes) {
        ByteBuffer data = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
        while (data.hasRemaining()) {
            data.putDouble(value);
        }
        return new OutboundItem.Chunk(0, sequence, timestep, data.clear());
    }

    private static double first(ChunkRecord record) {
        return ByteBuffer.wrap(record.data).order(ByteOrder.LITTLE_ENDIAN).getDouble(0);
    }

    /** What the fetches returned, per split, and the splits that finished. */
    private static final class Fetched {
        final Map<String, List<ChunkRecord>> chunks = new HashMap<>();
        final Set<String> finished = new HashSet<>();
        int fetches;

        void add(RecordsWithSplitIds<ChunkRecord> batch) {
            fetches++;
            String split;
            while ((split = batch.nextSplit()) != null) {
                ChunkRecord record;
                while ((record = batch.nextRecordFromSplit()) != null) {
                    if (!record.isTimestepStart()) {
                        chunks.computeIfAbsent(split, k -> new ArrayList<>()).add(record);
                    }
                }
            }
            finished.addAll(batch.finishedSplits());
        }

        int chunkCount() {
            return chunks.values().stream().mapToInt(List::size).sum();
        }
    }

    private static Fetched fetchUntil(MultiplexedBridgeReader reader, Fetched fetched, Predicate<Fetched> done)
            throws IOException {
        while (!done.test(fetched)) {
            fetched.add(reader.fetch());
        }
        return fetched;
    }

    @Test
    void oneThreadReadsManyBridgesInOrderAcknowledgesAndFinishesThem() {
        assertTimeoutPreemptively(GUARD, () -> {
            int bridges = 64;
            int timesteps = 5;
            List<DataEndpoint> endpoints = new ArrayList<>();
            List<BridgeSplit> splits = new ArrayList<>();
            for (int b = 0; b < bridges; b++) {
                DataEndpoint endpoint = endpoint(b, SMALL);
                endpoint.retainUntilAcknowledged();
                endpoints.add(endpoint);
                splits.add(new BridgeSplit(b, "127.0.0.1", endpoint.port(), 0));
                for (int t = 0; t < timesteps; t++) {
                    endpoint.beginTimestep(t, t);
                    endpoint.enqueue(chunk(t, t, b * 1000 + t, SMALL_BYTES));
                }
            }
            MultiplexedBridgeReader reader = reader(settings(Duration.ofSeconds(30), 1L << 30), new ReaderMemory(1L << 30), splits);
            Fetched fetched = fetchUntil(reader, new Fetched(), f -> f.chunkCount() == bridges * timesteps);

            assertThat(connections.get()).isEqualTo(bridges);
            for (int b = 0; b < bridges; b++) {
                List<ChunkRecord> chunks = fetched.chunks.get(BridgeSplit.splitId(b));
                assertThat(chunks).extracting(c -> c.sequence).containsExactly(0L, 1L, 2L, 3L, 4L);
                for (ChunkRecord c : chunks) {
                    assertThat(c.bridgeId).isEqualTo(b);
                    assertThat(c.arrayName).isEqualTo("field");
                    assertThat(c.bridgeArrays).isEqualTo(1);
                    assertThat(c.data).hasSize(SMALL_BYTES);
                    assertThat(first(c)).isEqualTo(b * 1000 + c.timestep);
                }
            }

            // A checkpoint covering sequences 0..2 of every bridge: each drops 3 chunks, keeps 2.
            Map<String, Long> positions = new HashMap<>();
            splits.forEach(s -> positions.put(s.splitId(), 3L));
            reader.acknowledge(positions);
            for (DataEndpoint endpoint : endpoints) {
                while (endpoint.retainedBytes() != 2L * SMALL_BYTES) {
                    reader.fetch();
                }
            }

            List<CompletableFuture<Void>> finishing = new ArrayList<>();
            for (DataEndpoint endpoint : endpoints) {
                finishing.add(CompletableFuture.runAsync(() -> {
                    try {
                        endpoint.finish(timesteps, timesteps - 1, () -> null);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            fetchUntil(reader, fetched, f -> f.finished.size() == bridges);
            CompletableFuture.allOf(finishing.toArray(CompletableFuture[]::new)).get();
            assertThat(connections.get()).as("connections closed after END_ACK").isZero();
            assertThat(bridgeFailures).isEmpty();
        });
    }

    @Test
    void aChunkWaitsForReaderMemoryAndTheBridgeIsReadOnceItIsReleased() {
        assertTimeoutPreemptively(GUARD, () -> {
            int big = 1024 * 1024 * 8;
            ArrayMetadata array = ArrayMetadata.builder()
                    .chunkShape(1024, 1024).chunksPerDim(1, 1).chunkPosition(0, 0).dtype(DType.FLOAT64).build();
            List<BridgeSplit> splits = new ArrayList<>();
            for (int b = 0; b < 2; b++) {
                DataEndpoint endpoint = endpoint(b, array);
                endpoint.enqueue(chunk(0, 0, b + 0.5, big));
                splits.add(new BridgeSplit(b, "127.0.0.1", endpoint.port(), 0));
            }
            ReaderMemory memory = new ReaderMemory(big + 1);
            MultiplexedBridgeReader reader = reader(settings(Duration.ofSeconds(30), big + 1), memory, splits);

            Fetched fetched = fetchUntil(reader, new Fetched(), f -> f.chunkCount() == 1);
            assertThat(memory.inUse()).isEqualTo(big);
            // The other bridge's chunk does not fit: many fetches return nothing while the first is held.
            for (int i = 0; i < 20; i++) {
                fetched.add(reader.fetch());
            }
            assertThat(fetched.chunkCount()).as("chunks read while memory is full").isEqualTo(1);

            memory.release(big);
            fetchUntil(reader, fetched, f -> f.chunkCount() == 2);
            assertThat(fetched.chunks.values()).allSatisfy(chunks -> assertThat(chunks).hasSize(1));
            assertThat(memory.inUse()).isEqualTo(big);
        });
    }

    @Test
    void aSilentBridgeThatReadsNothingDoesNotDelayTheOthers() {
        assertTimeoutPreemptively(GUARD, () -> {
            ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
            open.add(silent);
            List<BridgeSplit> splits = new ArrayList<>(List.of(new BridgeSplit(9, "127.0.0.1", silent.getLocalPort(), 0)));
            for (int b = 0; b < 3; b++) {
                DataEndpoint endpoint = endpoint(b, SMALL);
                for (int t = 0; t < 3; t++) {
                    endpoint.enqueue(chunk(t, t, t, SMALL_BYTES));
                }
                splits.add(new BridgeSplit(b, "127.0.0.1", endpoint.port(), 0));
            }
            MultiplexedBridgeReader reader = reader(settings(Duration.ofSeconds(30), 1L << 30), new ReaderMemory(1L << 30), splits);
            CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
                try {
                    return silent.accept(); // connected, never answers, never reads
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            Fetched fetched = new Fetched();
            while (!accepted.isDone()) {
                fetched.add(reader.fetch()); // the reader connects in its fetches
            }
            open.add(accepted.get());

            fetchUntil(reader, fetched, f -> f.chunkCount() == 9);
            assertThat(fetched.chunks).containsOnlyKeys(BridgeSplit.splitId(0), BridgeSplit.splitId(1), BridgeSplit.splitId(2));
            Map<String, Long> positions = new HashMap<>();
            for (int i = 0; i < 1000; i++) {
                positions.put(BridgeSplit.splitId(9), (long) i);
                reader.acknowledge(positions); // never blocks on the bridge that does not read
            }
        });
    }

    @Test
    void aBridgeThatStopsInTheMiddleOfAFrameIsNamedAfterTheFrameTimeout() {
        assertTimeoutPreemptively(GUARD, () -> {
            ScriptedBridge bridge = new ScriptedBridge(4);
            MultiplexedBridgeReader reader = reader(settings(Duration.ofMillis(300), 1L << 30), new ReaderMemory(1L << 30),
                    List.of(new BridgeSplit(4, "127.0.0.1", bridge.port(), 0)));
            bridge.acceptAndHello(reader);
            bridge.schema();
            byte[] chunk = bridge.chunkFrame(0, 3);
            bridge.write(java.util.Arrays.copyOf(chunk, chunk.length / 2));
            assertThatThrownBy(() -> fetchUntil(reader, new Fetched(), f -> false))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("bridge 4 (127.0.0.1:" + bridge.port() + ") stopped in the middle of a frame: "
                            + "no byte for PT0.3S (deisa.source.frame-timeout");
        });
    }

    @Test
    void aBridgeThatDiesMidChunkOrBetweenFramesIsNamed() {
        assertTimeoutPreemptively(GUARD, () -> {
            ScriptedBridge midChunk = new ScriptedBridge(5);
            MultiplexedBridgeReader reader = reader(settings(Duration.ofSeconds(30), 1L << 30), new ReaderMemory(1L << 30),
                    List.of(new BridgeSplit(5, "127.0.0.1", midChunk.port(), 0)));
            midChunk.acceptAndHello(reader);
            midChunk.schema();
            byte[] chunk = midChunk.chunkFrame(0, 2);
            midChunk.write(java.util.Arrays.copyOf(chunk, 100));
            midChunk.kill();
            assertThatThrownBy(() -> fetchUntil(reader, new Fetched(), f -> false))
                    .hasMessageContaining("Connection closed in the middle of a CHUNK frame from bridge 5 (127.0.0.1:"
                            + midChunk.port() + ") for array 'field' at timestep 2");

            ScriptedBridge between = new ScriptedBridge(6);
            MultiplexedBridgeReader second = reader(settings(Duration.ofSeconds(30), 1L << 30), new ReaderMemory(1L << 30),
                    List.of(new BridgeSplit(6, "127.0.0.1", between.port(), 0)));
            between.acceptAndHello(second);
            between.schema();
            between.write(between.chunkFrame(0, 2));
            Fetched fetched = fetchUntil(second, new Fetched(), f -> f.chunkCount() == 1);
            assertThat(first(fetched.chunks.get(BridgeSplit.splitId(6)).get(0))).isEqualTo(6.0);
            between.kill();
            assertThatThrownBy(() -> fetchUntil(second, fetched, f -> false))
                    .hasMessageContaining("bridge 6 (127.0.0.1:" + between.port() + ") closed its data connection before "
                            + "close(timestep): the bridge process died or left abnormally (last chunk: sequence 0, timestep 2)");
        });
    }

    @Test
    void aBridgeRefusingTheSubscriptionFailsTheReaderWithoutRestarts() {
        assertTimeoutPreemptively(GUARD, () -> {
            DataEndpoint endpoint = endpoint(3, SMALL);
            Socket newer = new Socket("127.0.0.1", endpoint.port());
            open.add(newer);
            FrameIO.sendHello(newer.getOutputStream(), Protocol.CHANNEL_DATA);
            FrameIO.write(newer.getOutputStream(), new Subscribe(3, 0, 100));
            FrameIO.expectHello(newer.getInputStream(), Protocol.CHANNEL_DATA, "bridge 3");

            MultiplexedBridgeReader reader = reader(settings(Duration.ofSeconds(30), 1L << 30), new ReaderMemory(1L << 30),
                    List.of(new BridgeSplit(3, "127.0.0.1", endpoint.port(), 0)));
            assertThatThrownBy(() -> fetchUntil(reader, new Fetched(), f -> false))
                    .isInstanceOf(SuppressRestartsException.class)
                    .hasStackTraceContaining("bridge 3 is read by a newer reader attempt (fencing token 100); "
                            + "this attempt's token 7 is stale");
        });
    }

    @Test
    void nothingListeningIsNamedWithTheAddress() {
        assertTimeoutPreemptively(GUARD, () -> {
            int port;
            try (ServerSocket closed = new ServerSocket(0)) {
                port = closed.getLocalPort();
            }
            MultiplexedBridgeReader reader = reader(settings(Duration.ofSeconds(30), 1L << 30), new ReaderMemory(1L << 30),
                    List.of(new BridgeSplit(8, "127.0.0.1", port, 0)));
            assertThatThrownBy(() -> fetchUntil(reader, new Fetched(), f -> false))
                    .isInstanceOf(IOException.class)
                    .hasMessageStartingWith("Cannot read chunks from bridge 8 (127.0.0.1:" + port + "): ");
        });
    }

    /** A bridge played frame by frame on a real socket, to stop or die where a test wants. */
    private final class ScriptedBridge {
        private final int bridgeId;
        private final ServerSocket server;
        private Socket socket;
        private OutputStream out;

        ScriptedBridge(int bridgeId) throws IOException {
            this.bridgeId = bridgeId;
            this.server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
            open.add(server);
        }

        int port() {
            return server.getLocalPort();
        }

        /**
         * Accepts the reader (which connects in its fetches, run here meanwhile), checks its HELLO
         * and SUBSCRIBE, and answers HELLO.
         */
        void acceptAndHello(MultiplexedBridgeReader reader) throws Exception {
            CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
                try {
                    return server.accept();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            while (!accepted.isDone()) {
                reader.fetch();
            }
            socket = accepted.get();
            open.add(socket);
            FrameIO.expectHello(socket.getInputStream(), Protocol.CHANNEL_DATA, "reader");
            Subscribe subscribe = Subscribe.decode(FrameIO.read(socket.getInputStream(), 1 << 16));
            assertThat(subscribe.bridgeId()).isEqualTo(bridgeId);
            out = socket.getOutputStream();
            FrameIO.sendHello(out, Protocol.CHANNEL_DATA);
        }

        void schema() throws IOException {
            try (var channel = new io.deisa.wire.MemoryChannel()) {
                new io.deisa.wire.DataFrameWriter(channel).writeSchema(0, new ArrayDeclaration("field", SMALL));
                write(channel.toByteArray());
            }
        }

        byte[] chunkFrame(long sequence, long timestep) throws IOException {
            try (var channel = new io.deisa.wire.MemoryChannel()) {
                ByteBuffer data = ByteBuffer.allocate(SMALL_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                while (data.hasRemaining()) {
                    data.putDouble(bridgeId);
                }
                new io.deisa.wire.DataFrameWriter(channel).writeChunk(0, sequence, timestep, data.flip());
                return channel.toByteArray();
            }
        }

        void write(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        /** Closes the connection abruptly (the process died). */
        void kill() throws IOException {
            socket.close();
        }
    }
}
