package io.deisa.bench.process;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Watches the job running on a Flink cluster through its REST API ({@code /jobs/overview}, {@code
 * /jobs/<id>/checkpoints}, {@code /jobs/<id>}) and keeps the last figures the cluster gave:
 * checkpoints completed, their size (what a checkpoint wrote: {@code checkpointed_size}, bytes,
 * average and largest) and end-to-end duration (ms, average and longest), and the bytes the
 * source's tasks wrote to other tasks ({@code write-bytes} of the source vertex: what crossed the
 * network, or the local channels of an embedded cluster, after the readers). Polls every 500 ms on
 * a daemon thread; the last answer before the job (or the cluster) ended is the run's.
 *
 * <p>Also a command: {@code JobWatcher <rest-url>} prints the checkpoint summary of the job running
 * there once it has finished, e.g. next to {@code bin/demo} with the web UI address it prints.
 */
public final class JobWatcher implements AutoCloseable {
    /**
     * Checkpoint figures of one run.
     *
     * @param completed checkpoints completed
     * @param sizeAvgBytes average bytes a checkpoint wrote
     * @param sizeMaxBytes largest bytes a checkpoint wrote
     * @param durationAvgMillis average end-to-end duration, ms
     * @param durationMaxMillis longest end-to-end duration, ms
     * @param sourceBytesOut bytes the source's tasks had written to other tasks at the last answer
     * @param timestepsAtLastAnswer timesteps the callbacks had completed when that answer came
     *     (0 when unknown), to turn {@code sourceBytesOut} into bytes per timestep
     * @param accumulatorBytesOut the {@code accumulatorBytesOut} of the source's tasks (the partial
     *     accumulators of {@code Combine partials}) at the last answer, summed over subtasks
     */
    public record Summary(long completed, long sizeAvgBytes, long sizeMaxBytes, long durationAvgMillis,
            long durationMaxMillis, long sourceBytesOut, long timestepsAtLastAnswer, long accumulatorBytesOut) {
        /** Nothing seen. */
        public static final Summary NONE = new Summary(0, 0, 0, 0, 0, 0, 0, 0);

        /** Partial accumulator bytes per completed timestep, or NaN when unknown. */
        public double accumulatorBytesPerTimestep() {
            return timestepsAtLastAnswer == 0 ? Double.NaN : (double) accumulatorBytesOut / timestepsAtLastAnswer;
        }

        /** Bytes the source's tasks wrote per completed timestep, or NaN when unknown. */
        public double sourceBytesPerTimestep() {
            return timestepsAtLastAnswer == 0 ? Double.NaN : (double) sourceBytesOut / timestepsAtLastAnswer;
        }

        /** Writes the summary as one tab-separated line. */
        public void write(Path file) {
            try {
                Files.writeString(file, completed + "\t" + sizeAvgBytes + "\t" + sizeMaxBytes + "\t"
                        + durationAvgMillis + "\t" + durationMaxMillis + "\t" + sourceBytesOut + "\t" + timestepsAtLastAnswer
                        + "\t" + accumulatorBytesOut + "\n");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Reads a summary written by {@link #write}; {@link #NONE} when the file does not exist. */
        public static Summary read(Path file) {
            if (!Files.exists(file)) {
                return NONE;
            }
            try {
                String[] f = Files.readString(file).strip().split("\t");
                return new Summary(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]),
                        Long.parseLong(f[3]), Long.parseLong(f[4]), Long.parseLong(f[5]), Long.parseLong(f[6]),
                        Long.parseLong(f[7]));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final String rest;
    private final java.util.function.LongSupplier timestepsDone;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Thread thread;
    private volatile boolean stopped;
    private volatile Summary last = Summary.NONE;
    private volatile boolean jobSeen;
    private volatile boolean jobEnded;

    /** Starts watching the cluster whose REST API is at {@code rest} (e.g. {@code http://localhost:8081}). */
    public JobWatcher(String rest) {
        this(rest, () -> 0);
    }

    /**
     * Starts watching the cluster whose REST API is at {@code rest}; {@code timestepsDone} tells how
     * many timesteps the callbacks completed, read with each answer.
     */
    public JobWatcher(String rest, java.util.function.LongSupplier timestepsDone) {
        this.rest = rest;
        this.timestepsDone = timestepsDone;
        this.thread = new Thread(this::watch, "deisa-bench-job-watcher");
        thread.setDaemon(true);
        thread.start();
    }

    private void watch() {
        String job = null;
        while (!stopped) {
            try {
                if (job == null) {
                    for (JsonNode entry : get("/jobs/overview").path("jobs")) {
                        if ("RUNNING".equals(entry.path("state").asText())) {
                            job = entry.path("jid").asText();
                            jobSeen = true;
                        }
                    }
                } else {
                    long done = timestepsDone.getAsLong();
                    JsonNode stats = get("/jobs/" + job + "/checkpoints");
                    JsonNode summary = stats.path("summary");
                    JsonNode details = get("/jobs/" + job);
                    long sourceBytesOut = 0;
                    long accumulatorBytesOut = 0;
                    for (JsonNode vertex : details.path("vertices")) {
                        if (vertex.path("name").asText().startsWith("Source")) {
                            sourceBytesOut += vertex.path("metrics").path("write-bytes").asLong();
                            for (JsonNode metric : get("/jobs/" + job + "/vertices/" + vertex.path("id").asText()
                                    + "/subtasks/metrics?get=Combine_partials.accumulatorBytesOut&agg=sum")) {
                                accumulatorBytesOut += metric.path("sum").asLong();
                            }
                        }
                    }
                    last = new Summary(stats.path("counts").path("completed").asLong(),
                            summary.path("checkpointed_size").path("avg").asLong(),
                            summary.path("checkpointed_size").path("max").asLong(),
                            summary.path("end_to_end_duration").path("avg").asLong(),
                            summary.path("end_to_end_duration").path("max").asLong(),
                            sourceBytesOut, done, accumulatorBytesOut);
                    String state = details.path("state").asText();
                    if (!state.isEmpty() && !"RUNNING".equals(state) && !"RESTARTING".equals(state)
                            && !"CREATED".equals(state) && !"INITIALIZING".equals(state)) {
                        jobEnded = true;
                        return;
                    }
                }
            } catch (IOException e) {
                if (jobSeen) {
                    jobEnded = true; // the cluster went away with the job
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(rest + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException(rest + path + " answered " + response.statusCode());
        }
        return JSON.readTree(response.body());
    }

    /** The last summary the cluster gave. */
    public Summary summary() {
        return last;
    }

    @Override
    public void close() {
        stopped = true;
        thread.interrupt();
    }

    /** Prints the checkpoint summary of the job running at {@code args[0]} once it has ended. */
    public static void main(String[] args) throws InterruptedException {
        if (args.length != 1) {
            System.err.println("usage: JobWatcher <rest-url, e.g. http://localhost:8081>");
            System.exit(2);
        }
        JobWatcher watcher = new JobWatcher(args[0]);
        while (!watcher.jobEnded) {
            Thread.sleep(200);
        }
        Summary s = watcher.summary();
        System.out.printf("checkpoints completed: %d, size avg %.1f KiB max %.1f KiB, duration avg %d ms max %d ms%n",
                s.completed(), s.sizeAvgBytes() / 1024.0, s.sizeMaxBytes() / 1024.0, s.durationAvgMillis(),
                s.durationMaxMillis());
    }
}
