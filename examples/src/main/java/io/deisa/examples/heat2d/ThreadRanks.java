package io.deisa.examples.heat2d;

import io.deisa.bridge.SystemMetadata;
import io.deisa.bridge.internal.Ports;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The heat2d simulation without MPI: one thread per rank, halos through a
 * {@link ThreadHaloExchange}, bridges over the default {@code TcpCommunicator} (rendezvous on
 * 127.0.0.1, a free port).
 */
public final class ThreadRanks {
    private ThreadRanks() {}

    /**
     * Runs every rank of {@code config} against the analytics at {@code head}; returns the results
     * by rank. The first failing rank stops the others and its error is thrown.
     */
    public static List<RankResult> run(Heat2dConfig config, String head, Duration timeout)
            throws InterruptedException {
        Decomposition decomposition = config.decomposition();
        SystemMetadata system = SystemMetadata.builder()
                .worldSize(decomposition.ranks())
                .masterAddress("127.0.0.1")
                .masterPort(Ports.free())
                .head(head)
                .connectTimeout(timeout)
                .build();
        List<HaloExchange> halos = ThreadHaloExchange.group(decomposition);
        ExecutorService threads = Executors.newFixedThreadPool(decomposition.ranks(), runnable -> {
            Thread thread = new Thread(runnable, "heat2d-rank");
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<CompletableFuture<RankResult>> ranks = new ArrayList<>();
            CompletableFuture<Void> firstFailure = new CompletableFuture<>();
            for (int rank = 0; rank < decomposition.ranks(); rank++) {
                Heat2dSimulation simulation = new Heat2dSimulation(config, rank, halos.get(rank));
                CompletableFuture<RankResult> future = CompletableFuture.supplyAsync(() -> simulation.run(system, null), threads);
                future.whenComplete((result, error) -> {
                    if (error != null) {
                        firstFailure.completeExceptionally(error);
                    }
                });
                ranks.add(future);
            }
            CompletableFuture.anyOf(CompletableFuture.allOf(ranks.toArray(CompletableFuture[]::new)), firstFailure).get();
            return ranks.stream().map(CompletableFuture::join).toList();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException && e.getCause().getCause() != null
                    ? e.getCause().getCause() : e.getCause();
            throw cause instanceof RuntimeException runtime ? runtime : new IllegalStateException(cause);
        } finally {
            threads.shutdownNow();
        }
    }
}
