package io.deisa.connector.source.reader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.deisa.bridge.ArrayMetadata;
import io.deisa.bridge.DType;
import io.deisa.connector.source.ChunkRecord;
import io.deisa.connector.source.split.BridgeSplit;
import io.deisa.wire.ArrayDeclaration;
import io.deisa.wire.DataFrameWriter;
import io.deisa.wire.FrameAssembler;
import io.deisa.wire.MemoryChannel;
import io.deisa.wire.Protocol;
import io.deisa.wire.message.Hello;

import org.apache.flink.connector.base.source.reader.RecordsWithSplitIds;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsAddition;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * 2048 bridges on one reader, on real sockets: the reader serves them all from the calling thread
 * and holds one connection per bridge. The bridges are played by one thread on one selector (a
 * fleet of 2048 listening ports speaking the data channel), so that the test measures the reader,
 * not 2048 bridge threads.
 */
class ThousandsOfBridgesTest {
    private static final int BRIDGES = 2048;
    private static final int TIMESTEPS = 3;
    private static final ArrayMetadata ARRAY = ArrayMetadata.builder()
            .chunkShape(8, 8).chunksPerDim(1, 1).chunkPosition(0, 0).dtype(DType.FLOAT64).build();
    /** HELLO (5 + 7 bytes) and SUBSCRIBE (5 + 20 bytes) from the reader. */
    private static final int READER_OPENING = 12 + 25;
    private static final int END_ACK = 5;

    @Test
    void twoThousandBridgesAreReadToTheirEndByOneThread() {
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            try (Fleet fleet = new Fleet(BRIDGES)) {
                Thread bridges = new Thread(fleet::serve, "fleet of " + BRIDGES + " bridges");
                bridges.start();
                AtomicInteger connections = new AtomicInteger();
                ReaderFence fence = new ReaderFence();
                fence.set(1);
                BridgeSourceSettings settings = new BridgeSourceSettings(Duration.ofSeconds(30), Duration.ofSeconds(30),
                        Duration.ofMillis(50), Integer.MAX_VALUE - 64, 1L << 30);
                Map<String, List<Double>> firsts = new HashMap<>();
                Set<String> finished = new HashSet<>();
                int peakConnections = 0;
                try (MultiplexedBridgeReader reader =
                        new MultiplexedBridgeReader(settings, fence, new ReaderMemory(1L << 30), connections)) {
                    List<BridgeSplit> splits = new ArrayList<>();
                    for (int b = 0; b < BRIDGES; b++) {
                        splits.add(new BridgeSplit(b, "127.0.0.1", fleet.port(b), 0));
                    }
                    reader.handleSplitsChanges(new SplitsAddition<>(splits));
                    while (finished.size() < BRIDGES) {
                        RecordsWithSplitIds<ChunkRecord> batch = reader.fetch();
                        peakConnections = Math.max(peakConnections, connections.get());
                        String split;
                        while ((split = batch.nextSplit()) != null) {
                            ChunkRecord record;
                            while ((record = batch.nextRecordFromSplit()) != null) {
                                if (!record.isTimestepStart()) {
                                    firsts.computeIfAbsent(split, k -> new ArrayList<>()).add(
                                            ByteBuffer.wrap(record.data).order(ByteOrder.LITTLE_ENDIAN).getDouble(0));
                                }
                            }
                        }
                        finished.addAll(batch.finishedSplits());
                    }
                }
                bridges.join(30_000);
                assertThat(fleet.failure).isNull();
                assertThat(peakConnections).isEqualTo(BRIDGES);
                assertThat(connections).hasValue(0);
                assertThat(fleet.endAcks).hasValue(BRIDGES);
                for (int b = 0; b < BRIDGES; b++) {
                    assertThat(firsts.get(BridgeSplit.splitId(b))).containsExactly(b * 10.0, b * 10.0 + 1, b * 10.0 + 2);
                }
            }
        });
    }

    /** 2048 bridges' data endpoints served by one thread. */
    private static final class Fleet implements AutoCloseable {
        private final Selector selector = Selector.open();
        private final List<ServerSocketChannel> servers = new ArrayList<>();
        private final AtomicInteger endAcks = new AtomicInteger();
        private final int count;
        private volatile Throwable failure;

        Fleet(int count) throws IOException {
            this.count = count;
            for (int b = 0; b < count; b++) {
                ServerSocketChannel server = ServerSocketChannel.open();
                server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
                server.configureBlocking(false);
                server.register(selector, SelectionKey.OP_ACCEPT, b);
                servers.add(server);
            }
        }

        int port(int bridge) throws IOException {
            return ((InetSocketAddress) servers.get(bridge).getLocalAddress()).getPort();
        }

        /** One bridge's connection: what it read, and its stream of frames to write. */
        private static final class Peer {
            final int bridge;
            final ByteBuffer in = ByteBuffer.allocate(READER_OPENING + END_ACK);
            ByteBuffer out;

            Peer(int bridge) {
                this.bridge = bridge;
            }
        }

        void serve() {
            try {
                while (endAcks.get() < count) {
                    selector.select(1_000);
                    for (SelectionKey key : selector.selectedKeys()) {
                        if (key.isAcceptable()) {
                            SocketChannel channel = ((ServerSocketChannel) key.channel()).accept();
                            if (channel != null) {
                                channel.configureBlocking(false);
                                channel.register(selector, SelectionKey.OP_READ, new Peer((Integer) key.attachment()));
                            }
                            continue;
                        }
                        Peer peer = (Peer) key.attachment();
                        SocketChannel channel = (SocketChannel) key.channel();
                        if (key.isReadable()) {
                            if (channel.read(peer.in) < 0) {
                                throw new IOException("the reader closed bridge " + peer.bridge + " early");
                            }
                            if (peer.out == null && peer.in.position() >= READER_OPENING) {
                                peer.out = stream(peer.bridge);
                                key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                            }
                            if (peer.in.position() == READER_OPENING + END_ACK) {
                                endAcks.incrementAndGet();
                                key.cancel();
                                channel.close();
                                continue;
                            }
                        }
                        if (key.isValid() && key.isWritable()) {
                            channel.write(peer.out);
                            if (!peer.out.hasRemaining()) {
                                key.interestOps(SelectionKey.OP_READ);
                            }
                        }
                    }
                    selector.selectedKeys().clear();
                }
            } catch (Throwable e) {
                failure = e;
            }
        }

        /** HELLO, SCHEMA, then per timestep BEGIN_TIMESTEP and a chunk of value 10 b + t, then END. */
        private static ByteBuffer stream(int bridge) throws IOException {
            MemoryChannel bytes = new MemoryChannel();
            bytes.write(FrameAssembler.frame(Hello.of(Protocol.CHANNEL_DATA)));
            DataFrameWriter frames = new DataFrameWriter(bytes);
            frames.writeSchema(0, new ArrayDeclaration("field", ARRAY));
            for (int t = 0; t < TIMESTEPS; t++) {
                ByteBuffer data = ByteBuffer.allocate(8 * 8 * 8).order(ByteOrder.LITTLE_ENDIAN);
                while (data.hasRemaining()) {
                    data.putDouble(bridge * 10.0 + t);
                }
                frames.writeBeginTimestep(t);
                frames.writeChunk(0, t, t, data.flip());
            }
            frames.writeEnd(TIMESTEPS, TIMESTEPS - 1);
            return ByteBuffer.wrap(bytes.toByteArray());
        }

        @Override
        public void close() throws IOException {
            for (SelectionKey key : selector.keys()) {
                key.channel().close();
            }
            selector.close();
            for (ServerSocketChannel server : servers) {
                server.close();
            }
        }
    }
}
