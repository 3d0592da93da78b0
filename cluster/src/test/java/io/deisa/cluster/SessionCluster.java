package io.deisa.cluster;

import io.deisa.bridge.internal.Ports;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real session cluster for tests, run by {@code bin/cluster} on free ports: a JobManager and
 * TaskManagers as separate JVMs, with their run directory under {@code target/}. Shared with the
 * other modules' tests through this module's test jar ({@code deisa-cluster} type {@code test-jar}).
 */
public final class SessionCluster implements AutoCloseable {
    /** The project's root directory (tests run in a module's directory). */
    public static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper();

    final int restPort = freePort();
    /** The run directory: pid files, logs in {@code log/}, the output of every bin/cluster command. */
    public final Path runDir;
    private final Map<String, String> env;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private SessionCluster(Path runDir) {
        this.runDir = runDir;
        this.env = Map.of(
                "DEISA_CLUSTER_DIR", runDir.toString(),
                "DEISA_OUTPUT_DIR", runDir.resolve("output").toString(),
                "DEISA_CLUSTER_TIMEOUT", "60",
                "JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** Starts a JobManager and {@code taskManagers} TaskManagers; returns when they registered. */
    public static SessionCluster start(int taskManagers) throws Exception {
        return start(taskManagers, ROOT.resolve("cluster/target/it-cluster-" + ProcessHandle.current().pid()));
    }

    /**
     * As {@link #start(int)}, with the run directory {@code runDir} and extra {@code -Dkey=value}
     * settings for every JVM of the cluster.
     */
    public static SessionCluster start(int taskManagers, Path runDir, String... settings) throws Exception {
        SessionCluster cluster = new SessionCluster(runDir);
        try {
            List<String> args = new ArrayList<>(List.of("start", "--taskmanagers", String.valueOf(taskManagers),
                    "-Drest.port=" + cluster.restPort,
                    "-Djobmanager.rpc.port=" + freePort(),
                    "-Djobmanager.memory.process.size=1024m",
                    "-Dtaskmanager.memory.process.size=1280m",
                    "-Dexecution.checkpointing.interval=2s"));
            args.addAll(List.of(settings));
            cluster.script(Duration.ofSeconds(120), args.toArray(String[]::new));
        } catch (Exception | AssertionError e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    public String restUrl() {
        return "http://localhost:" + restPort;
    }

    /** Submits the analytics jar's {@code mainClass} with {@code args}; returns the job id. */
    public String submit(String mainClass, String... args) throws Exception {
        return submit(analyticsJar(), mainClass, args);
    }

    /** Submits {@code jar}'s {@code mainClass} with {@code args} ({@code bin/cluster submit}); returns the job id. */
    public String submit(Path jar, String mainClass, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("submit", "--jar", jar.toString(), "--class", mainClass, "--"));
        command.addAll(List.of(args));
        List<String> lines = script(Duration.ofSeconds(120), command.toArray(String[]::new));
        String jobId = lines.get(lines.size() - 1).trim();
        if (!jobId.matches("[0-9a-f]{32}")) {
            throw new AssertionError("bin/cluster submit printed no job id: " + lines);
        }
        return jobId;
    }

    /** The shaded analytics jar built by this module before its tests. */
    static Path analyticsJar() throws IOException {
        try (Stream<Path> files = Files.list(ROOT.resolve("cluster/target"))) {
            return files.filter(p -> p.getFileName().toString().endsWith("-analytics.jar")).findFirst()
                    .orElseThrow(() -> new AssertionError("no cluster/target/*-analytics.jar: run mvn package"));
        }
    }

    /** GET {@code path} of the REST API as JSON. */
    public JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(restUrl() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET " + path + ": HTTP " + response.statusCode() + " " + response.body());
        }
        return JSON.readTree(response.body());
    }

    /** Polls the job's state until it is terminal or {@code timeout} passed; returns the last state. */
    public String awaitTerminal(String jobId, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String state = get("/jobs/" + jobId).get("state").asText();
        while (!List.of("FINISHED", "FAILED", "CANCELED").contains(state) && System.nanoTime() < deadline) {
            Thread.sleep(200);
            state = get("/jobs/" + jobId).get("state").asText();
        }
        return state;
    }

    /** Stops the cluster with {@code bin/cluster stop}; kills what is left as a last resort. */
    @Override
    public void close() throws Exception {
        List<ProcessHandle> processes = processes();
        try {
            script(Duration.ofSeconds(90), "stop");
        } finally {
            for (ProcessHandle process : processes) {
                if (process.isAlive()) {
                    process.destroyForcibly();
                }
            }
        }
    }

    /**
     * Kills with SIGKILL the TaskManager process that runs the first subtask of the job's vertex
     * whose name starts with {@code vertexName}: the REST API names its TaskManager's resource id,
     * which that TaskManager's log names at its start.
     *
     * @return the killed process
     */
    public ProcessHandle killTaskManagerRunning(String jobId, String vertexName) throws Exception {
        String vertexId = null;
        for (JsonNode vertex : get("/jobs/" + jobId).get("vertices")) {
            if (vertex.get("name").asText().startsWith(vertexName)) {
                vertexId = vertex.get("id").asText();
            }
        }
        if (vertexId == null) {
            throw new AssertionError("job " + jobId + " has no vertex named " + vertexName + "...");
        }
        String resourceId = get("/jobs/" + jobId + "/vertices/" + vertexId + "/taskmanagers")
                .get("taskmanagers").get(0).get("taskmanager-id").asText();
        try (Stream<Path> logs = Files.list(runDir.resolve("log"))) {
            for (Path log : logs.filter(p -> p.getFileName().toString().matches("taskmanager-\\d+\\.log")).toList()) {
                if (Files.readString(log).contains("Starting TaskManager with ResourceID: " + resourceId)) {
                    String name = log.getFileName().toString().replace(".log", ".pid");
                    long pid = Long.parseLong(Files.readString(runDir.resolve(name)).trim());
                    ProcessHandle process = ProcessHandle.of(pid).orElseThrow();
                    process.destroyForcibly(); // SIGKILL
                    process.onExit().get(30, TimeUnit.SECONDS);
                    return process;
                }
            }
        }
        throw new AssertionError("no TaskManager log names resource id " + resourceId);
    }

    /** The cluster's JVMs, from the pid files. */
    public List<ProcessHandle> processes() throws IOException {
        List<ProcessHandle> processes = new ArrayList<>();
        if (!Files.isDirectory(runDir)) {
            return processes;
        }
        try (Stream<Path> files = Files.list(runDir)) {
            for (Path pidFile : files.filter(p -> p.toString().endsWith(".pid")).toList()) {
                ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim())).ifPresent(processes::add);
            }
        }
        return processes;
    }

    /** Runs {@code bin/cluster args}; returns its output lines, or throws if it failed or timed out. */
    public List<String> script(Duration timeout, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(ROOT.resolve("bin/cluster").toString()));
        command.addAll(List.of(args));
        Files.createDirectories(runDir);
        File output = runDir.resolve("script-" + args[0] + ".out").toFile();
        ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile())
                .redirectErrorStream(true).redirectOutput(output);
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new AssertionError("bin/cluster " + String.join(" ", args) + " did not end within " + timeout);
        }
        List<String> lines = Files.readAllLines(output.toPath());
        if (process.exitValue() != 0) {
            throw new AssertionError("bin/cluster " + String.join(" ", args) + " exited " + process.exitValue()
                    + ":\n" + String.join("\n", lines));
        }
        return lines;
    }

    public static int freePort() {
        return Ports.free();
    }

}
