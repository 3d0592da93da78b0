package io.deisa.bridge.comm;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
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
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

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
        port = io.deisa.bridge.internal.Ports.free();
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

    @ParameterizedTest(name = "{0} rank(s)")
    @ValueSource(ints = {1, 2, 4})
    void equalCallsPassTheCheckAndTheCommunicatorGoesOn(int worldSize) {
        List<CompletableFuture<String>> ranks = start(worldSize, LONG, comm -> {
            comm.checkSameCall("new Bridge(...) #1");
            comm.checkSameCall("get(\"x\", 3) #2");
            comm.checkSameCall("get(\"x\") #3");
            byte[] answer = comm.broadcast(comm.rank() == 0 ? "after".getBytes(UTF_8) : null, 0);
            comm.checkSameCall("close(9) #4 \u00e9\u6f22"); // non-ASCII is compared as UTF-8
            comm.barrier();
            return new String(answer, UTF_8);
        });

        assertTimeoutPreemptively(GUARD, () -> {
            for (CompletableFuture<String> rank : ranks) {
                assertThat(rank.join()).isEqualTo("after");
            }
        });
    }

    /** Calls that differ in one part, and rank 0 as the odd one out. */
    static Stream<Arguments> differingCalls() {
        String others = "get(\"x\", 3) #7";
        return Stream.of(
                Arguments.of("key", 2, "get(\"y\", 3) #7", others),
                Arguments.of("timestep", 2, "get(\"x\", 4) #7", others),
                Arguments.of("operation", 3, "close(3) #7", others),
                Arguments.of("sequence: a rank skipped a call", 1, "get(\"x\", 3) #6", others),
                Arguments.of("rank 0 is the odd one out", 0, "get(\"x\") #7", others));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("differingCalls")
    void differingCallsFailEveryRankWithTheSameMessage(String what, int oddRank, String oddCall, String othersCall) {
        List<CompletableFuture<Void>> ranks = start(4, LONG, comm -> {
            comm.checkSameCall("new Bridge(...) #1");
            String call = comm.rank() == oddRank ? oddCall : othersCall;
            Throwable mismatch = catchThrowable(() -> comm.checkSameCall(call));
            // The communicator is broken afterwards: later collectives fail at once, on every rank.
            assertThatThrownBy(comm::barrier).isInstanceOf(CommunicatorException.class)
                    .hasMessageContaining("earlier failure").hasMessageContaining("collective calls differ");
            throw (RuntimeException) mismatch;
        });

        String expected = oddRank == 0
                ? "collective calls differ: rank 0 called " + oddCall + " but rank 1 called " + othersCall
                : "collective calls differ: rank 0 called " + othersCall + " but rank " + oddRank + " called "
                        + oddCall;
        assertTimeoutPreemptively(GUARD, () -> {
            for (CompletableFuture<Void> rank : ranks) {
                assertThat(failure(rank)).isExactlyInstanceOf(CollectiveMismatchException.class).hasMessage(expected);
            }
        });
    }

    @Test
    void twoRanksDifferingFromRankZeroNameTheLowest() {
        List<CompletableFuture<Void>> ranks = start(4, LONG, comm -> {
            comm.checkSameCall(comm.rank() >= 2 ? "close(5) #3 on rank " + comm.rank() : "get(\"x\") #3");
            return null;
        });

        assertTimeoutPreemptively(GUARD, () -> {
            for (CompletableFuture<Void> rank : ranks) {
                assertThat(failure(rank)).isInstanceOf(CollectiveMismatchException.class).hasMessage(
                        "collective calls differ: rank 0 called get(\"x\") #3 but rank 2 called close(5) #3 on rank 2");
            }
        });
    }

    @Test
    void aCheckAgainstABarrierIsAMismatchedCollective() {
        List<CompletableFuture<Void>> ranks = start(2, LONG, comm -> {
            if (comm.rank() == 0) {
                comm.checkSameCall("close(1) #2");
            } else {
                comm.barrier();
            }
            return null;
        });

        assertTimeoutPreemptively(GUARD, () -> {
            for (CompletableFuture<Void> rank : ranks) {
                assertThat(failure(rank)).isInstanceOf(CommunicatorException.class)
                        .hasMessageContaining("mismatched collectives: expected CHECK #1 from rank 1 but got BARRIER #1");
            }
        });
    }

    @Test
    void aNullCallBreaksTheCommunicatorForEveryRank() {
        List<CompletableFuture<Void>> ranks = start(3, LONG, comm -> {
            comm.checkSameCall(comm.rank() == 1 ? null : "get(\"x\") #1");
            return null;
        });

        assertTimeoutPreemptively(GUARD, () -> {
            assertThat(failure(ranks.get(1))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("needs a call");
            for (int rank : new int[] {0, 2}) {
                assertThat(failure(ranks.get(rank))).isInstanceOf(CommunicatorException.class)
                        .hasMessageContaining("rank 1").hasMessageContaining("needs a call");
            }
        });
    }

    @Test
    void theDefaultCheckPassesEqualCallsAndReportsDifferencesOnEveryRank() {
        List<CompletableFuture<List<String>>> ranks = start(4, LONG, tcp -> {
            Communicator comm = new BroadcastOnly(tcp);
            List<String> seen = new ArrayList<>();
            comm.checkSameCall("new Bridge(...) #1");
            for (String[] calls : new String[][] {
                    {"get(\"x\", 3) #2", "get(\"x\", 3) #2", "get(\"x\", 4) #2", "get(\"x\", 3) #2"},
                    {"close(9) #3", "get(\"x\") #3", "get(\"x\") #3", "get(\"x\") #3"}}) {
                try {
                    comm.checkSameCall(calls[comm.rank()]);
                    seen.add("passed");
                } catch (CollectiveMismatchException e) {
                    seen.add(e.getMessage());
                }
            }
            comm.checkSameCall("close(9) #4"); // the broadcasts completed: the communicator still works
            seen.add("passed");
            return seen;
        });

        assertTimeoutPreemptively(GUARD, () -> {
            for (CompletableFuture<List<String>> rank : ranks) {
                assertThat(rank.join()).containsExactly(
                        "collective calls differ: rank 0 called get(\"x\", 3) #2 but rank 2 called get(\"x\", 4) #2",
                        "collective calls differ: rank 0 called close(9) #3 but rank 1 called get(\"x\") #3",
                        "passed");
            }
        });
    }

    /** A communicator that keeps {@link Communicator#checkSameCall}'s default implementation. */
    private record BroadcastOnly(Communicator delegate) implements Communicator {
        @Override
        public int rank() {
            return delegate.rank();
        }

        @Override
        public int worldSize() {
            return delegate.worldSize();
        }

        @Override
        public void barrier() {
            delegate.barrier();
        }

        @Override
        public byte[] broadcast(byte[] data, int root) {
            return delegate.broadcast(data, root);
        }

        @Override
        public void close() {
            delegate.close();
        }
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
