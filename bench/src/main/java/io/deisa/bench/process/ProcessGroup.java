package io.deisa.bench.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The processes of one benchmark run, each logging to its own file in the run directory. They are
 * awaited together with one deadline; when one fails or the deadline passes, all are killed and
 * the error names the process, its exit code and the end of its log.
 */
public final class ProcessGroup implements AutoCloseable {
    private record Member(String name, Process process, Path log) {}

    private final Path directory;
    private final List<Member> members = new ArrayList<>();

    /** A group whose logs go to {@code directory}. */
    public ProcessGroup(Path directory) {
        this.directory = directory;
    }

    /** Starts {@code command} as process {@code name} (log: {@code <name>.log}). */
    public void start(String name, List<String> command) {
        Path log = directory.resolve(name + ".log");
        try {
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            members.add(new Member(name, process, log));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + command, e);
        }
    }

    /**
     * Waits until every process exited with status 0.
     *
     * @throws IllegalStateException naming the first process that failed or was still running at
     *     the deadline ({@code timeout} for the whole group)
     */
    public void awaitAll(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Member> running = new ArrayList<>(members);
        while (!running.isEmpty()) {
            CompletableFuture<?> anyExit = CompletableFuture.anyOf(
                    running.stream().map(m -> m.process.onExit()).toArray(CompletableFuture[]::new));
            try {
                anyExit.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                throw failure(running.get(0), "still running after the run's timeout of " + timeout.toSeconds() + " s");
            } catch (ExecutionException e) {
                throw new IllegalStateException("cannot wait for the benchmark processes", e);
            }
            for (Member member : List.copyOf(running)) {
                if (!member.process.isAlive()) {
                    running.remove(member);
                    if (member.process.exitValue() != 0) {
                        throw failure(member, "exited with status " + member.process.exitValue());
                    }
                }
            }
        }
    }

    private IllegalStateException failure(Member member, String what) {
        close();
        return new IllegalStateException("benchmark process " + member.name + " " + what + "; end of "
                + member.log + ":\n" + tail(member.log));
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    /** Kills every process still running. */
    @Override
    public void close() {
        for (Member member : members) {
            member.process.descendants().forEach(ProcessHandle::destroyForcibly);
            member.process.destroyForcibly();
        }
    }
}
