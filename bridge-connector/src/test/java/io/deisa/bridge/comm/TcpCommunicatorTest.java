package io.deisa.bridge.comm;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TcpCommunicatorTest {
    private static final String HOST = "127.0.0.1";
    private static final Duration GUARD = Duration.ofSeconds(30);
    private static final Duration LONG = Duration.ofSeconds(20);

    private ExecutorService pool;
    private int port;

    /** What one rank does with its communicator. */
    private interface RankBody<T> {
        T run(Communicator comm);
    }

    @BeforeEach
    void setUp() throws IOException {
        pool = Executors.newCachedThreadPool();
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void fourRanksRunBarriersAndBroadcastsFromDifferentRoots() {
        byte[] big = new byte[3 << 20];
        new Random(42).nextBytes(big);

        List<CompletableFuture<List<byte[]>>> ranks = start(4, LONG, comm -> {
            comm.barrier();
            List<byte[]> received = new ArrayList<>();
            received.add(comm.broadcast(comm.rank() == 0 ? "from root 0".getBytes(UTF_8) : null, 0));
            received.add(comm.broadcast(comm.rank() == 2 ? "root two speaks".getBytes(UTF_8) : null, 2));
            received.add(comm.broadcast(comm.rank() == 3 ? big : null, 3));
            received.add(comm.broadcast(comm.rank() == 1 ? new byte[0] : null, 1));
            comm.barrier();
            return received;
        });

        assertTimeoutPreemptively(GUARD, () -> {
            for (CompletableFuture<List<byte[]>> rank : ranks) {
                List<byte[]> received = rank.join();
                assertThat(new String(received.get(0), UTF_8)).isEqualTo("from root 0");
                assertThat(new String(received.get(1), UTF_8)).isEqualTo("root two speaks");
                assertThat(received.get(2)).isEqualTo(big);
                assertThat(received.get(3)).isEmpty();
            }
        });
    }

    @Test
    void worldOfOneNeedsNoSocket() {
        try (TcpCommunicator comm = TcpCommunicator.connect(1, 0, null, 0, Duration.ofSeconds(1))) {
            assertThat(comm.rank()).isZero();
            assertThat(comm.worldSize()).isEqualTo(1);
            comm.barrier();
            byte[] data = {1, 2, 3};
            assertThat(comm.broadcast(data, 0)).containsExactly(1, 2, 3);
        }
    }

    @Test
    void rankZeroTimesOutWhenAPeerNeverStarts() {
        Duration timeout = Duration.ofMillis(700);

        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            long start = System.nanoTime();
            assertThatThrownBy(() -> TcpCommunicator.connect(2, 0, HOST, port, timeout))
                    .isInstanceOf(RendezvousException.class)
                    .hasMessageContaining("rank 0")
                    .hasMessageContaining("world size 2")
                    .hasMessageContaining(HOST + ":" + port)
                    .hasMessageContaining("PT0.7S")
                    .hasMessageContaining("ranks [1] did not join");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(timeout, timeout.plusSeconds(3));
        });
    }

    @Test
    void joinedRanksAlsoGetTheTimeout() {
        List<CompletableFuture<Void>> ranks = start(3, Duration.ofSeconds(2), 2, comm -> null);

        assertTimeoutPreemptively(GUARD, () -> {
            for (int rank = 0; rank < 2; rank++) {
                assertThat(failure(ranks.get(rank)))
                        .isInstanceOf(RendezvousException.class)
                        .hasMessageContaining("rank " + rank + ":")
                        .hasMessageContaining("world size 3")
                        .hasMessageContaining(HOST + ":" + port)
                        .hasMessageContaining("PT2S");
            }
            assertThat(failure(ranks.get(0))).hasMessageContaining("ranks [2] did not join");
        });
    }

    @Test
    void peerTimesOutWhenRankZeroNeverStarts() {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () ->
                assertThatThrownBy(() -> TcpCommunicator.connect(2, 1, HOST, port, Duration.ofMillis(500)))
                        .isInstanceOf(RendezvousException.class)
                        .hasMessageContaining("rank 1")
                        .hasMessageContaining("world size 2")
                        .hasMessageContaining(HOST + ":" + port)
                        .hasMessageContaining("PT0.5S")
                        .hasMessageContaining("rank 0 was not reachable"));
    }

    @Test
    void duplicateRankIsRejectedOnEverySide() {
        CompletableFuture<TcpCommunicator> rank0 = connectAsync(3, 0, LONG);
        CompletableFuture<TcpCommunicator> first = connectAsync(3, 1, LONG);
        CompletableFuture<TcpCommunicator> second = connectAsync(3, 1, LONG);

        assertTimeoutPreemptively(GUARD, () -> {
            assertThat(failure(rank0)).isExactlyInstanceOf(CommunicatorException.class)
                    .hasMessageContaining("rank 1 joined twice");
            assertThat(failure(first)).isInstanceOf(CommunicatorException.class).hasMessageContaining("joined twice");
            assertThat(failure(second)).isInstanceOf(CommunicatorException.class).hasMessageContaining("joined twice");
        });
    }

    @Test
    void worldSizeMismatchIsRejectedOnBothSides() {
        CompletableFuture<TcpCommunicator> rank0 = connectAsync(2, 0, LONG);
        CompletableFuture<TcpCommunicator> rank1 = connectAsync(3, 1, LONG);

        assertTimeoutPreemptively(GUARD, () -> {
            assertThat(failure(rank0)).isInstanceOf(CommunicatorException.class)
                    .hasMessageContaining("rank 1 expects world size 3 but the world size is 2");
            assertThat(failure(rank1)).isInstanceOf(CommunicatorException.class)
                    .hasMessageContaining("rank 1 expects world size 3 but the world size is 2");
        });
    }

    @Test
    void wrongMagicIsRejectedOnBothSides() throws Exception {
        CompletableFuture<TcpCommunicator> rank0 = connectAsync(2, 0, LONG);

        Frame answer = rawHello(new Handshake(0xCAFEBABE, Handshake.VERSION, 1, 2));

        assertThat(answer.type()).isEqualTo(FrameType.ABORT);
        assertThat(answer.text()).contains("wrong magic 0xcafebabe");
        assertTimeoutPreemptively(GUARD, () ->
                assertThat(failure(rank0)).isInstanceOf(CommunicatorException.class).hasMessageContaining("wrong magic"));
    }

    @Test
    void wrongVersionAndOutOfRangeRanksAreRejected() throws Exception {
        CompletableFuture<TcpCommunicator> rank0 = connectAsync(2, 0, LONG);
        assertThat(rawHello(new Handshake(Handshake.MAGIC, 99, 1, 2)).text()).contains("protocol version 99");
        assertTimeoutPreemptively(GUARD, () -> assertThat(failure(rank0)).hasMessageContaining("version 99"));

        CompletableFuture<TcpCommunicator> again = connectAsync(2, 0, LONG);
        assertThat(rawHello(Handshake.of(5, 2)).text()).contains("rank 5 is outside [1, 2)");
        assertTimeoutPreemptively(GUARD, () -> assertThat(failure(again)).hasMessageContaining("rank 5"));
    }

    @Test
    void peerClosingDuringABarrierFailsTheOthersNamingIt() {
        List<CompletableFuture<Void>> ranks = start(4, LONG, comm -> {
            if (comm.rank() == 3) {
                comm.close();
            } else {
                comm.barrier();
            }
            return null;
        });

        assertTimeoutPreemptively(GUARD, () -> {
            ranks.get(3).join();
            for (int rank = 0; rank < 3; rank++) {
                assertThat(failure(ranks.get(rank)))
                        .isInstanceOf(CommunicatorException.class)
                        .hasMessageContaining("rank 3 closed its connection");
            }
        });
    }

    @Test
    void mismatchedCollectivesAreReported() {
        List<CompletableFuture<Void>> ranks = start(2, LONG, comm -> {
            if (comm.rank() == 0) {
                comm.barrier();
            } else {
                comm.broadcast(null, 0);
            }
            return null;
        });

        assertTimeoutPreemptively(GUARD, () -> {
            for (CompletableFuture<Void> rank : ranks) {
                assertThat(failure(rank)).isInstanceOf(CommunicatorException.class)
                        .hasMessageContaining("mismatched collectives: expected BARRIER #1 from rank 1 but got "
                                + "BROADCAST #1 (root 0)");
            }
        });
    }

    @Test
    void invalidRootBreaksTheCommunicatorForEveryRank() {
        List<CompletableFuture<Void>> ranks = start(2, LONG, comm -> {
            if (comm.rank() == 1) {
                assertThatThrownBy(() -> comm.broadcast(new byte[1], 7))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("root 7");
                assertThatThrownBy(comm::barrier).isInstanceOf(CommunicatorException.class)
                        .hasMessageContaining("earlier failure");
            } else {
                comm.barrier();
            }
            return null;
        });

        assertTimeoutPreemptively(GUARD, () -> {
            ranks.get(1).join();
            assertThat(failure(ranks.get(0))).isInstanceOf(CommunicatorException.class)
                    .hasMessageContaining("rank 1 aborted the communicator")
                    .hasMessageContaining("root 7");
        });
    }

    @Test
    void closeFromAnotherThreadUnblocksAWaitingCollective() {
        CompletableFuture<TcpCommunicator> rank1 = connectAsync(2, 1, LONG);
        TcpCommunicator rank0 = TcpCommunicator.connect(2, 0, HOST, port, LONG);
        CompletableFuture<Void> barrier = CompletableFuture.runAsync(rank0::barrier, pool);

        rank0.close();
        rank0.close();

        assertTimeoutPreemptively(GUARD, () -> {
            assertThat(failure(barrier)).isInstanceOf(CommunicatorException.class).hasMessageContaining("rank 0");
            rank1.join().close();
        });
    }

    @Test
    void rejectsInvalidArguments() {
        assertThatThrownBy(() -> TcpCommunicator.connect(0, 0, HOST, port, LONG))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("worldSize");
        assertThatThrownBy(() -> TcpCommunicator.connect(2, 2, HOST, port, LONG))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rank 2");
        assertThatThrownBy(() -> TcpCommunicator.connect(2, 0, HOST, 0, LONG))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("masterPort");
        assertThatThrownBy(() -> TcpCommunicator.connect(2, 0, null, port, LONG))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("masterAddress");
        assertThatThrownBy(() -> TcpCommunicator.connect(2, 0, HOST, port, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
    }

    /** Runs {@code body} on ranks {@code 0..worldSize-1}, each in its own thread, then closes. */
    private <T> List<CompletableFuture<T>> start(int worldSize, Duration timeout, RankBody<T> body) {
        return start(worldSize, timeout, worldSize, body);
    }

    /** Like {@link #start(int, Duration, RankBody)} but only ranks below {@code started} start. */
    private <T> List<CompletableFuture<T>> start(int worldSize, Duration timeout, int started, RankBody<T> body) {
        List<CompletableFuture<T>> ranks = new ArrayList<>();
        for (int rank = 0; rank < started; rank++) {
            int r = rank;
            ranks.add(CompletableFuture.supplyAsync(() -> {
                try (Communicator comm = TcpCommunicator.connect(worldSize, r, HOST, port, timeout)) {
                    return body.run(comm);
                }
            }, pool));
        }
        return ranks;
    }

    private CompletableFuture<TcpCommunicator> connectAsync(int worldSize, int rank, Duration timeout) {
        return CompletableFuture.supplyAsync(() -> TcpCommunicator.connect(worldSize, rank, HOST, port, timeout), pool);
    }

    /** Connects like a peer, sends a HELLO carrying {@code handshake} and returns rank 0's answer. */
    private Frame rawHello(Handshake handshake) throws Exception {
        return assertTimeoutPreemptively(GUARD, () -> {
            while (true) {
                try (FrameChannel channel = new FrameChannel(new Socket(HOST, port))) {
                    channel.send(new Frame(FrameType.HELLO, 0, 0, handshake.encode()));
                    return channel.receive(FrameChannel.MAX_PAYLOAD);
                } catch (java.net.ConnectException notYetListening) {
                    Thread.onSpinWait();
                }
            }
        });
    }

    /** Waits for a future that must fail and returns its exception. */
    private static Throwable failure(CompletableFuture<?> future) {
        try {
            Object value = future.join();
            throw new AssertionError("expected a failure but got " + value);
        } catch (CompletionException e) {
            return e.getCause();
        }
    }
}
