package io.deisa.connector.source.enumerator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.deisa.bridge.ArrayMetadata;
import io.deisa.bridge.ContractError;
import io.deisa.bridge.DType;
import io.deisa.bridge.DeisaException;
import io.deisa.bridge.internal.HeadClient;
import io.deisa.connector.source.head.HeadListener;
import io.deisa.connector.source.head.HeadRun;
import io.deisa.connector.source.head.HeadServer;
import io.deisa.connector.source.split.BridgeSplit;
import io.deisa.wire.ArrayDeclaration;
import io.deisa.wire.Registration;
import io.deisa.connector.source.reader.ReaderFenceEvent;
import io.deisa.wire.FeedbackCodec;
import io.deisa.wire.FeedbackTable;
import io.deisa.wire.FrameIO;
import io.deisa.wire.Protocol;
import io.deisa.wire.message.BridgeStats;
import io.deisa.wire.message.Hello;
import io.deisa.wire.message.Refused;
import io.deisa.wire.message.Rejoin;

import org.apache.flink.api.connector.source.ReaderInfo;
import org.apache.flink.api.connector.source.SplitsAssignment;
import org.apache.flink.api.connector.source.mocks.MockSplitEnumeratorContext;
import org.apache.flink.util.FlinkRuntimeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.stream.Collectors;

/**
 * The enumerator with its real head server on a real socket, driven by bridges that speak the real
 * control protocol through {@link HeadClient}.
 */
class BridgeSplitEnumeratorTest {
    private static final String HOST = "127.0.0.1";
    private static final Duration GUARD = Duration.ofSeconds(10);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final String REMOTE = "192.0.2.1";

    /**
     * Counts the work the enumerator hands to the coordinator thread, and lets the test run its own
     * calls there too (the enumerator is single-threaded by contract).
     */
    static final class RecordingContext extends MockSplitEnumeratorContext<BridgeSplit> {
        final Semaphore enumeratorTasksDone = new Semaphore(0);

        RecordingContext(int parallelism) {
            super(parallelism);
        }

        @Override
        public void runInCoordinatorThread(Runnable runnable) {
            super.runInCoordinatorThread(() -> {
                try {
                    runnable.run();
                } finally {
                    enumeratorTasksDone.release();
                }
            });
        }

        /** Waits until {@code count} tasks the enumerator scheduled have run. */
        void awaitEnumeratorTasks(int count) throws InterruptedException {
            assertThat(enumeratorTasksDone.tryAcquire(count, 5, TimeUnit.SECONDS))
                    .as("%d coordinator task(s) of the enumerator ran", count).isTrue();
        }

        /** Runs {@code runnable} in the coordinator thread and waits for it. */
        void runAndWait(Runnable runnable) throws Exception {
            CompletableFuture<Void> done = new CompletableFuture<>();
            super.runInCoordinatorThread(() -> {
                try {
                    runnable.run();
                    done.complete(null);
                } catch (Throwable t) {
                    done.completeExceptionally(t);
                }
            });
            done.get(5, TimeUnit.SECONDS);
        }
    }

    private RecordingContext context;
    private BridgeSplitEnumerator enumerator;
    private ExecutorService bridges;
    private final List<HeadClient> clients = new CopyOnWriteArrayList<>();
    private int port;

    @BeforeEach
    void setUp() throws IOException {
        bridges = Executors.newCachedThreadPool();
        port = io.deisa.bridge.internal.Ports.free();
    }

    @AfterEach
    void tearDown() throws Exception {
        clients.forEach(HeadClient::close);
        if (enumerator != null) {
            enumerator.close();
        }
        if (context != null) {
            context.close();
        }
        bridges.shutdownNow();
        assertThat(bridges.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    }

    /** Whether the heads this test starts tell bridges that the job takes checkpoints. */
    private boolean replay;

    private void startEnumerator(int parallelism, Set<String> requested, BridgeEnumeratorState state) {
        context = new RecordingContext(parallelism);
        enumerator = new BridgeSplitEnumerator(context, replay ? replayingHead(port, requested) : head(port, requested),
                state);
        enumerator.start();
    }

    private static BiFunction<HeadListener, HeadRun, HeadServer> replayingHead(int port, Set<String> requested) {
        return (listener, run) -> new HeadServer(HOST, port, requested, 1, 16, Duration.ofMinutes(5), true, run,
                listener);
    }

    /** The real head on {@code HOST:port}, as the source builds it. */
    private static BiFunction<HeadListener, HeadRun, HeadServer> head(int port, Set<String> requested) {
        return head(port, requested, Duration.ofMinutes(5));
    }

    private static BiFunction<HeadListener, HeadRun, HeadServer> head(int port, Set<String> requested, Duration registration) {
        return (listener, run) -> new HeadServer(HOST, port, requested, 1, 16, registration, false, run, listener);
    }

    private void addReader(int subtask, String location) throws Exception {
        context.registerReader(new ReaderInfo(subtask, location));
        context.runAndWait(() -> enumerator.addReader(subtask));
    }

    /** What a test does with a running enumerator, one reader and the job's publisher connected. */
    @FunctionalInterface
    private interface PublisherTest {
        void run(io.deisa.connector.source.head.HeadPublisherClient publisher) throws Exception;
    }

    /** Starts the enumerator (one reader, "temperature" requested), connects a publisher, runs {@code test}. */
    private void withPublisher(PublisherTest test) {
        assertTimeoutPreemptively(GUARD, () -> {
            startEnumerator(1, Set.of("temperature"), BridgeEnumeratorState.initial());
            addReader(0, "localhost");
            try (io.deisa.connector.source.head.HeadPublisherClient publisher =
                    io.deisa.connector.source.head.HeadPublisherClient.connect(HOST, port, TIMEOUT)) {
                test.run(publisher);
            }
        });
    }

    /** Registration of bridge {@code id} owning chunk {@code position} of a 1-d "temperature". */
    private static Registration registration(int id, int worldSize, int position) {
        ArrayMetadata md = ArrayMetadata.builder()
                .dtype(DType.FLOAT64).chunkShape(8).chunksPerDim(worldSize).chunkPosition(position).build();
        return new Registration(id, worldSize, "sim", HOST, 50000 + id, "localhost",
                List.of(new ArrayDeclaration("temperature", md)));
    }

    /** Connects a fake bridge and registers it; completes when the head released it. */
    private CompletableFuture<HeadClient> register(Registration registration) {
        return CompletableFuture.supplyAsync(() -> {
            HeadClient client = HeadClient.connect(registration.bridgeId(), HOST, port, TIMEOUT);
            clients.add(client);
            client.register(registration, TIMEOUT);
            return client;
        }, bridges);
    }

    private List<HeadClient> registerWorld(int worldSize) throws Exception {
        List<CompletableFuture<HeadClient>> futures = new java.util.ArrayList<>();
        for (int id = 0; id < worldSize; id++) {
            futures.add(register(registration(id, worldSize, id)));
        }
        List<HeadClient> registered = new java.util.ArrayList<>();
        for (CompletableFuture<HeadClient> future : futures) {
            registered.add(future.get(5, TimeUnit.SECONDS));
        }
        // the head released the bridges, then handed the world to the coordinator thread
        context.awaitEnumeratorTasks(1);
        return registered;
    }

    private static BridgeSplit split(int id) {
        return new BridgeSplit(id, HOST, 50000 + id, 0);
    }

    /** Split ids per subtask. */
    private static Map<Integer, List<String>> ids(SplitsAssignment<BridgeSplit> assignment) {
        return assignment.assignment().entrySet().stream().collect(Collectors.toMap(
                Map.Entry::getKey,
                e -> e.getValue().stream().map(BridgeSplit::splitId).sorted().collect(Collectors.toList())));
    }

    @Test
    void splitsAreAssignedOnceEveryBridgeRegistered() {
        assertTimeoutPreemptively(GUARD, () -> {
            startEnumerator(2, Set.of("temperature"), BridgeEnumeratorState.initial());
            addReader(0, "localhost");
            addReader(1, "localhost");
            assertThat(context.getSplitsAssignmentSequence()).isEmpty();
            assertThat(context.hasNoMoreSplits(0)).isFalse();

            CompletableFuture<HeadClient> first = register(registration(0, 3, 0));
            CompletableFuture<HeadClient> second = register(registration(1, 3, 1));
            // the world is incomplete: nobody is released
            assertThat(first).isNotDone();
            assertThat(second).isNotDone();
            CompletableFuture<HeadClient> third = register(registration(2, 3, 2));
            for (CompletableFuture<HeadClient> bridge : List.of(first, second, third)) {
                assertThat(bridge.get(5, TimeUnit.SECONDS)).isNotNull();
            }
            context.awaitEnumeratorTasks(1);

            List<SplitsAssignment<BridgeSplit>> sequence = context.getSplitsAssignmentSequence();
            assertThat(sequence).hasSize(1);
            // all local (loopback): balanced, ties to the lowest subtask
            assertThat(ids(sequence.get(0))).isEqualTo(Map.of(
                    0, List.of("bridge-0", "bridge-2"),
                    1, List.of("bridge-1")));
            assertThat(sequence.get(0).assignment().get(1)).containsExactly(split(1));
            assertThat(sequence.get(0).assignment().get(0)).containsExactlyInAnyOrder(split(0), split(2));
            assertThat(context.hasNoMoreSplits(0)).isTrue();
            assertThat(context.hasNoMoreSplits(1)).isTrue();

            BridgeEnumeratorState state = enumerator.snapshotState(1);
            assertThat(state.pendingSplits()).isEmpty();
            assertThat(state.allAssigned()).isTrue();
        });
    }

    @Test
    void worldBeforeReadersIsAssignedWhenTheLastReaderArrives() {
        assertTimeoutPreemptively(GUARD, () -> {
            startEnumerator(2, Set.of("temperature"), BridgeEnumeratorState.initial());
            registerWorld(2);
            assertThat(context.getSplitsAssignmentSequence()).isEmpty();
            BridgeEnumeratorState pending = enumerator.snapshotState(1);
            assertThat(pending.allAssigned()).isFalse();
            assertThat(pending.pendingSplits()).containsExactlyInAnyOrder(split(0), split(1));

            addReader(0, REMOTE);
            assertThat(context.getSplitsAssignmentSequence()).isEmpty();
            assertThat(context.hasNoMoreSplits(0)).isFalse();

            addReader(1, "localhost");
            List<SplitsAssignment<BridgeSplit>> sequence = context.getSplitsAssignmentSequence();
            assertThat(sequence).hasSize(1);
            // the bridges run on this machine: the local reader takes both, the remote one none
            assertThat(ids(sequence.get(0))).isEqualTo(Map.of(1, List.of("bridge-0", "bridge-1")));
            // every reader hears that no more splits come, including the one that got none
            assertThat(context.hasNoMoreSplits(0)).isTrue();
            assertThat(context.hasNoMoreSplits(1)).isTrue();
            BridgeEnumeratorState state = enumerator.snapshotState(2);
            assertThat(state.pendingSplits()).isEmpty();
            assertThat(state.allAssigned()).isTrue();
            assertThat(state.run().world()).extracting(Registration::bridgeId).containsExactly(0, 1);
        });
    }

    @Test
    void splitsOfAFailedReaderGoBackToItWhenItReturns() {
        assertTimeoutPreemptively(GUARD, () -> {
            startEnumerator(2, Set.of(), BridgeEnumeratorState.initial());
            addReader(0, "localhost");
            addReader(1, "localhost");
            registerWorld(2);
            assertThat(ids(context.getSplitsAssignmentSequence().get(0)))
                    .isEqualTo(Map.of(0, List.of("bridge-0"), 1, List.of("bridge-1")));

            BridgeSplit progressed = split(1).withNextSequence(17);
            context.runAndWait(() -> enumerator.addSplitsBack(List.of(progressed), 1));
            assertThat(enumerator.snapshotState(3).pendingSplits()).containsExactly(progressed);
            context.resetNoMoreSplits(1);

            context.runAndWait(() -> enumerator.addReader(1));
            List<SplitsAssignment<BridgeSplit>> sequence = context.getSplitsAssignmentSequence();
            assertThat(sequence).hasSize(2);
            assertThat(sequence.get(1).assignment()).isEqualTo(Map.of(1, List.of(progressed)));
            assertThat(context.hasNoMoreSplits(1)).isTrue();
            assertThat(enumerator.snapshotState(4).pendingSplits()).isEmpty();
        });
    }

    @Test
    void restoredEnumeratorHandsOutItsPendingSplits() {
        assertTimeoutPreemptively(GUARD, () -> {
            BridgeSplit restored = new BridgeSplit(3, HOST, 50003, 99);
            startEnumerator(1, Set.of(), new BridgeEnumeratorState(List.of(restored), true, null));
            assertThat(enumerator.snapshotState(1).pendingSplits()).containsExactly(restored);
            addReader(0, REMOTE);
            assertThat(context.getSplitsAssignmentSequence()).hasSize(1);
            assertThat(context.getSplitsAssignmentSequence().get(0).assignment())
                    .isEqualTo(Map.of(0, List.of(restored)));
            assertThat(context.hasNoMoreSplits(0)).isTrue();
        });
    }

    @Test
    void duplicatePositionIsRejectedWithAContractErrorAndFailsTheJob() {
        assertTimeoutPreemptively(GUARD, () -> {
            startEnumerator(1, Set.of("temperature"), BridgeEnumeratorState.initial());
            addReader(0, "localhost");
            CompletableFuture<HeadClient> first = register(registration(0, 2, 0));
            CompletableFuture<HeadClient> second = register(registration(1, 2, 0));
            // whichever registered second broke the contract; both are told, neither waits forever
            for (CompletableFuture<HeadClient> bridge : List.of(first, second)) {
                assertThatThrownBy(() -> bridge.get(5, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class)
                        .cause()
                        .isInstanceOf(ContractError.class)
                        .hasMessageMatching("Bridges [01] \\(from /127.0.0.1:\\d+\\) and [01] \\(from /127.0.0.1:\\d+\\) "
                                + "both claim chunk position \\[0\\] of array 'temperature'");
            }
            // the head reported the violation: the job fails with the same message
            assertThatThrownBy(context::runNextOneTimeCallable)
                    .isInstanceOf(BridgeSplitEnumerator.BridgeRunException.class)
                    .hasMessageContaining("both claim chunk position [0] of array 'temperature'");
            assertThat(context.getSplitsAssignmentSequence()).isEmpty();
        });
    }

    @Test
    void undeclaredRequestedArrayIsRejected() {
        assertTimeoutPreemptively(GUARD, () -> {
            startEnumerator(1, Set.of("temperature", "velocity"), BridgeEnumeratorState.initial());
            CompletableFuture<HeadClient> only = register(registration(0, 1, 0));
            assertThatThrownBy(() -> only.get(5, TimeUnit.SECONDS))
                    .cause()
                    .isInstanceOf(ContractError.class)
                    .hasMessageContaining("[velocity]")
                    .hasMessageContaining("declared arrays: [temperature]");
            assertThatThrownBy(context::runNextOneTimeCallable)
                    .isInstanceOf(BridgeSplitEnumerator.BridgeRunException.class)
                    .hasMessageContaining("[velocity]");
        });
    }

    @Test
    void bridgeDroppingItsControlConnectionWithoutCloseFailsTheJob() {
        assertTimeoutPreemptively(GUARD, () -> {
            startEnumerator(1, Set.of("temperature"), BridgeEnumeratorState.initial());
            addReader(0, "localhost");
            List<HeadClient> world = registerWorld(3);
            // bridge 0 closes the run properly, then leaves: that is not a failure
            world.get(0).sendClose(41);
            world.get(0).close();
            // bridge 2 vanishes
            world.get(2).close();
            assertThatThrownBy(context::runNextOneTimeCallable)
                    .isInstanceOf(BridgeSplitEnumerator.BridgeRunException.class)
                    .hasMessageMatching("Bridge 2 \\(/127.0.0.1:\\d+\\) disconnected from the analytics head.*")
                    .hasMessageContaining("without close(timestep)");
        });
    }

    @Test
    void abortingBridgeFailsTheJobWithItsReason() {
        assertTimeoutPreemptively(GUARD, () -> {
            startEnumerator(1, Set.of(), BridgeEnumeratorState.initial());
            List<HeadClient> world = registerWorld(2);
            world.get(1).sendAbort("solver diverged at step 12");
            assertThatThrownBy(context::runNextOneTimeCallable)
                    .isInstanceOf(BridgeSplitEnumerator.BridgeRunException.class)
                    .hasMessageMatching("Bridge 1 \\(/127.0.0.1:\\d+\\) left the run abnormally: solver diverged at step 12");
        });
    }

    @Test
    void closingTheEnumeratorTellsBridgesThatTheJobStopped() {
        assertTimeoutPreemptively(GUARD, () -> {
            startEnumerator(1, Set.of(), BridgeEnumeratorState.initial());
            List<HeadClient> world = registerWorld(2);
            List<CompletableFuture<DeisaException>> failures = List.of(new CompletableFuture<>(), new CompletableFuture<>());
            for (int i = 0; i < 2; i++) {
                world.get(i).startListening(failures.get(i)::complete);
            }
            enumerator.close();
            for (int i = 0; i < 2; i++) {
                assertThat(failures.get(i).get(5, TimeUnit.SECONDS))
                        .hasMessageContaining("The analytics job failed")
                        .hasMessageContaining("stopped before bridge " + i + " closed the run");
            }
        });
    }

    @Test
    void headAddressInUseFailsStartNamingTheAddress() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
            context = new RecordingContext(1);
            enumerator = new BridgeSplitEnumerator(
                    context, head(taken.getLocalPort(), Set.of()), BridgeEnumeratorState.initial());
            assertThatThrownBy(enumerator::start)
                    .isInstanceOf(FlinkRuntimeException.class)
                    .hasMessageContaining("cannot listen on " + HOST + ":" + taken.getLocalPort());
        }
    }

    @Test
    void bridgeStatisticsReachTheJobsPublisherForItsMetrics() {
        withPublisher(publisher -> {
            List<HeadClient> world = registerWorld(2);
            world.get(0).sendStats(new BridgeStats(5, 1_000_000, 2_048, 30, 0));
            world.get(1).sendStats(new BridgeStats(7, 3_000_000, 1_024, 70, 2_000_000));
            publisher.progress(4);
            // RUN_STATS travel over a socket: wait until the newest has arrived.
            while (publisher.runProgress(4).bridgesBlockedMillis() != 4) {
                Thread.onSpinWait();
            }
            assertThat(publisher.runProgress(4))
                    .isEqualTo(new io.deisa.connector.source.head.RunProgress(4, 7, 4, 0, 3_072, 70, 2));
            assertThat(publisher.runProgress(4).timestepsAhead()).isEqualTo(3);
        });
    }

    @Test
    void aRegistrationAfterTheWorldIsCompleteIsRefusedCountedAndTheRunGoesOn() {
        withPublisher(publisher -> {
            registerWorld(2);
            assertThatThrownBy(() -> register(registration(1, 2, 1)).get(5, TimeUnit.SECONDS))
                    .cause()
                    .isInstanceOfSatisfying(HeadClient.RefusedException.class,
                            refused -> assertThat(refused.retry()).as("an intruder gives up").isFalse())
                    .hasMessageContaining("refused bridge 1")
                    .hasMessageContaining("whose 2 bridges have all registered")
                    .hasMessageMatching("(?s).*bridge 1 of simulation sim \\(from /127.0.0.1:\\d+\\) does not belong.*");
            while (publisher.runProgress(0).registrationsRefused() != 1) {
                Thread.onSpinWait(); // RUN_STATS arrive within the head's 100 ms flush
            }
            assertThat(context.getOneTimeCallables()).as("the run was not failed").isEmpty();
        });
    }

    @Test
    void atTheEndOfTheRunTheHeadStopsListeningBeforeItConfirmsTheEnd() {
        withPublisher(publisher -> {
            registerWorld(2);
            publisher.progress(Long.MAX_VALUE);
            publisher.awaitRunEnded(TIMEOUT);
            assertThatThrownBy(() -> new java.net.Socket(HOST, port).close())
                    .isInstanceOf(java.net.ConnectException.class);
        });
    }

    @Test
    void aWorldThatDoesNotCompleteInTimeFailsTheRunNamingWhoRegistered() {
        assertTimeoutPreemptively(GUARD, () -> {
            context = new RecordingContext(1);
            enumerator = new BridgeSplitEnumerator(
                    context, head(port, Set.of(), Duration.ofMillis(300)), BridgeEnumeratorState.initial());
            enumerator.start();
            CompletableFuture<HeadClient> lonely = register(registration(0, 2, 0));
            while (context.getOneTimeCallables().isEmpty()) {
                Thread.onSpinWait();
            }
            assertThatThrownBy(context::runNextOneTimeCallable)
                    .isInstanceOf(BridgeSplitEnumerator.BridgeRunException.class)
                    .hasMessageMatching("Not every bridge registered at the analytics head 127.0.0.1:\\d+ within PT0.3S "
                            + "\\(deisa.head.registration-timeout\\): only bridge\\(s\\) \\[0 \\(from /127.0.0.1:\\d+\\)\\] "
                            + "of world size 2 registered; missing: \\[1\\]");
            assertThatThrownBy(() -> lonely.get(5, TimeUnit.SECONDS))
                    .cause().isInstanceOf(DeisaException.class).hasMessageContaining("Not every bridge registered");
        });
    }

    private static FeedbackTable.Entry mean(long timestep) {
        return new FeedbackTable.Entry("mean", timestep, FeedbackCodec.encode(timestep * 1.5));
    }

    private static List<Long> timesteps(List<FeedbackTable.Entry> entries) {
        return entries.stream().map(FeedbackTable.Entry::timestep).collect(Collectors.toList());
    }

    private static void awaitProgress(HeadClient bridge, long timestep) {
        while (bridge.progress() < timestep) {
            Thread.onSpinWait(); // PROGRESS travels over a socket
        }
    }

    /**
     * The job's coordinator fails over: the enumerator is closed and a new one restored from its
     * checkpoint on the same address. The bridges rejoin the new head without an error, the feedback
     * of the checkpoint is there at once, and a value published after the checkpoint (which the
     * bridges may have read) is answered only once the restored job published it again.
     */
    @Test
    void aHeadRecreatedFromTheCheckpointTakesItsBridgesBackWithTheirFeedback() {
        replay = true;
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            startEnumerator(1, Set.of("temperature"), BridgeEnumeratorState.initial());
            addReader(0, "localhost");
            List<DeisaException> failures = new CopyOnWriteArrayList<>();
            List<HeadClient> world;
            BridgeEnumeratorState checkpoint;
            try (io.deisa.connector.source.head.HeadPublisherClient publisher =
                    io.deisa.connector.source.head.HeadPublisherClient.connect(HOST, port, TIMEOUT)) {
                world = registerWorld(2);
                world.forEach(bridge -> bridge.startListening(failures::add));
                publisher.publish(mean(1));
                publisher.progress(1);
                awaitProgress(world.get(0), 1);
                checkpoint = enumerator.snapshotState(7);
                publisher.publish(mean(2));
                publisher.progress(2);
                awaitProgress(world.get(0), 2);
                assertThat(timesteps(world.get(0).query("mean", true, 0, TIMEOUT))).containsExactly(1L, 2L);
            }
            assertThat(checkpoint.run().world()).extracting(Registration::bridgeId).containsExactly(0, 1);
            assertThat(timesteps(checkpoint.run().feedback())).containsExactly(1L);

            enumerator.close();
            enumerator = null;
            context.close();
            startEnumerator(1, Set.of("temperature"), checkpoint);

            CompletableFuture<List<FeedbackTable.Entry>> second = CompletableFuture.supplyAsync(() -> {
                try {
                    return world.get(0).query("mean", false, 2, Duration.ofSeconds(20));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, bridges);
            try (io.deisa.connector.source.head.HeadPublisherClient restored =
                    io.deisa.connector.source.head.HeadPublisherClient.connect(HOST, port, TIMEOUT)) {
                restored.publish(mean(1)); // the restored job republishes its retained feedback
                restored.progress(1);
                assertThat(timesteps(world.get(1).query("mean", false, 1, Duration.ofSeconds(20))))
                        .as("the checkpoint's feedback").containsExactly(1L);
                restored.publish(mean(2)); // the callback of timestep 2 ran again
                restored.progress(2);
                assertThat(timesteps(second.get(20, TimeUnit.SECONDS)))
                        .as("held back until the job's progress reached 2 again, never read as missing")
                        .containsExactly(2L);
            }
            assertThat(failures).as("no bridge saw an error").isEmpty();
            assertThat(context.getOneTimeCallables()).as("the run was not failed").isEmpty();
        });
    }

    @Test
    void aRejoinWithAnotherRegistrationIsRefusedWithoutRetry() {
        replay = true;
        assertTimeoutPreemptively(GUARD, () -> {
            HeadRun run = new HeadRun("run-9", "sim", List.of(registration(0, 1, 0)), List.of());
            startEnumerator(1, Set.of("temperature"), new BridgeEnumeratorState(List.of(), true, run));
            Registration moved = new Registration(0, 1, "sim", HOST, 60000, "localhost",
                    registration(0, 1, 0).arrays());
            try (java.net.Socket socket = new java.net.Socket(HOST, port)) {
                FrameIO.write(socket.getOutputStream(), Hello.of(Protocol.CHANNEL_CONTROL));
                FrameIO.write(socket.getOutputStream(), new Rejoin("run-9", false, 3, moved));
                java.io.InputStream in = new java.io.BufferedInputStream(socket.getInputStream());
                FrameIO.expectHello(in, Protocol.CHANNEL_CONTROL, "head");
                Refused refused = Refused.decode(FrameIO.read(in, Protocol.MAX_CONTROL_FRAME));
                assertThat(refused.retry()).isFalse();
                assertThat(refused.reason()).matches("bridge 0 \\(from /127.0.0.1:\\d+\\) rejoins run run-9 with a "
                        + "registration that differs from the one the run holds \\(data endpoint 127.0.0.1:50000\\)");
            }
            assertThat(context.getOneTimeCallables()).as("the run was not failed").isEmpty();
        });
    }

    @Test
    void aBridgeThatNoHeadTakesBackFailsNamingTheHeadTheRunAndTheTimeout() {
        replay = true;
        assertTimeoutPreemptively(GUARD, () -> {
            startEnumerator(1, Set.of("temperature"), BridgeEnumeratorState.initial());
            addReader(0, "localhost");
            HeadClient bridge = HeadClient.connect(0, HOST, port, TIMEOUT, Duration.ofMillis(500));
            clients.add(bridge);
            String runId = bridge.register(registration(0, 1, 0), TIMEOUT).runId();
            CompletableFuture<DeisaException> failure = new CompletableFuture<>();
            bridge.startListening(failure::complete);
            enumerator.close();
            enumerator = null;
            assertThat(failure.get(5, TimeUnit.SECONDS).getMessage()).matches(
                    "Bridge 0 lost the analytics head at 127.0.0.1:" + port + " \\(.*\\) and no head of run " + runId
                            + " took it back within the connect timeout of PT0.5S; last: .*");
        });
    }

    @Test
    void everyReaderAttemptGetsALargerFencingTokenBeforeAnySplit() {
        assertTimeoutPreemptively(GUARD, () -> {
            startEnumerator(1, Set.of(), BridgeEnumeratorState.initial());
            addReader(0, "localhost");
            addReader(0, "localhost"); // the reader failed and a new attempt registered
            List<Long> tokens = context.getSentSourceEvent().get(0).stream()
                    .map(event -> ((ReaderFenceEvent) event).token()).collect(Collectors.toList());
            assertThat(tokens).hasSize(2);
            assertThat(tokens.get(1)).isGreaterThan(tokens.get(0));
        });
    }

    /**
     * The checkpoint may catch the world registered at the head before the enumerator made its
     * splits: the restored enumerator makes them, since the restored head does not announce the
     * world again.
     */
    @Test
    void aCheckpointedWorldWithoutItsSplitsIsStillAssigned() {
        replay = true;
        assertTimeoutPreemptively(GUARD, () -> {
            HeadRun run = new HeadRun("run-3", "sim", List.of(registration(0, 2, 0), registration(1, 2, 1)), List.of());
            startEnumerator(1, Set.of("temperature"), new BridgeEnumeratorState(List.of(), false, run));
            addReader(0, "localhost");
            assertThat(context.getSplitsAssignmentSequence()).hasSize(1);
            assertThat(ids(context.getSplitsAssignmentSequence().get(0)))
                    .isEqualTo(Map.of(0, List.of("bridge-0", "bridge-1")));
            assertThat(context.hasNoMoreSplits(0)).isTrue();
        });
    }

    /**
     * A restored job may finish before every bridge rejoined its head (the bridges wait in
     * close(timestep) for the final feedback): the head keeps listening for them, gives them the
     * final table, and only then stops listening and confirms the end.
     */
    @Test
    void aBridgeThatRejoinsAfterTheRestoredRunEndedStillGetsTheFinalFeedback() {
        replay = true;
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            startEnumerator(1, Set.of("temperature"), BridgeEnumeratorState.initial());
            addReader(0, "localhost");
            HeadClient bridge = register(registration(0, 1, 0)).get(5, TimeUnit.SECONDS);
            context.awaitEnumeratorTasks(1);
            List<DeisaException> failures = new CopyOnWriteArrayList<>();
            BridgeEnumeratorState checkpoint = enumerator.snapshotState(1);
            enumerator.close();
            enumerator = null;
            context.close();
            startEnumerator(1, Set.of("temperature"), checkpoint);
            try (io.deisa.connector.source.head.HeadPublisherClient restored =
                    io.deisa.connector.source.head.HeadPublisherClient.connect(HOST, port, TIMEOUT)) {
                restored.publish(mean(4));
                restored.progress(Long.MAX_VALUE);
                // The bridge notices the lost head only now, so it most likely rejoins after the end.
                bridge.startListening(failures::add);
                assertThat(timesteps(bridge.awaitFinalTable())).containsExactly(4L);
                restored.awaitRunEnded(Duration.ofSeconds(15));
            }
            assertThat(failures).isEmpty();
        });
    }
}
