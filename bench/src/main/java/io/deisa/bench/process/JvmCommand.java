package io.deisa.bench.process;

import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.GlobalConfiguration;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a benchmark JVM: this JVM's java and class path, a fixed heap
 * ({@code -Xms = -Xmx}), G1, and the module openings Flink needs. The analytics JVM, which stands
 * for a TaskManager, also gets the TaskManager JVM options of the session cluster's configuration
 * ({@link #taskManagerOptions}), so that the benchmarks measure what a deployment runs.
 */
public final class JvmCommand {
    private static final List<String> OPENS = List.of(
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED");

    /**
     * The session cluster's configuration directory: {@code $FLINK_CONF_DIR} as for {@code
     * bin/cluster}, else {@code flink-conf} under the repository root.
     */
    public static final Path FLINK_CONF = Path.of(System.getenv().getOrDefault("FLINK_CONF_DIR", "flink-conf"));

    private JvmCommand() {}

    /**
     * {@code java -Xms<heap> -Xmx<heap> ... <TaskManager options> options mainClass args}: a JVM
     * that runs the analytics as a TaskManager of the session cluster would.
     */
    public static List<String> analytics(String heap, List<String> options, Class<?> mainClass, List<String> args) {
        return analytics(FLINK_CONF, heap, options, mainClass, args);
    }

    static List<String> analytics(Path configDirectory, String heap, List<String> options, Class<?> mainClass,
            List<String> args) {
        List<String> all = new ArrayList<>(taskManagerOptions(configDirectory));
        all.addAll(options);
        return of(heap, all, mainClass, args);
    }

    /**
     * {@code env.java.opts.taskmanager} of the Flink configuration in {@code configDirectory}
     * (its {@code config.yaml}), split on white space.
     *
     * @throws IllegalStateException if the directory has no {@code config.yaml} (the benchmarks run
     *     from the repository root, or with {@code FLINK_CONF_DIR} set)
     */
    public static List<String> taskManagerOptions(Path configDirectory) {
        if (!Files.isRegularFile(configDirectory.resolve("config.yaml"))) {
            throw new IllegalStateException("No Flink configuration at " + configDirectory.toAbsolutePath()
                    + "/config.yaml: run the benchmarks from the repository root (bin/bench does) or set FLINK_CONF_DIR");
        }
        String options = GlobalConfiguration.loadConfiguration(configDirectory.toString())
                .get(CoreOptions.FLINK_TM_JVM_OPTIONS);
        return options == null || options.isBlank() ? List.of() : List.of(options.strip().split("\\s+"));
    }

    /** {@code java -Xms<heap> -Xmx<heap> ... mainClass args}. */
    public static List<String> of(String heap, Class<?> mainClass, List<String> args) {
        return of(heap, List.of(), mainClass, args);
    }

    /** {@code java -Xms<heap> -Xmx<heap> ... options mainClass args}, e.g. options to profile it. */
    public static List<String> of(String heap, List<String> options, Class<?> mainClass, List<String> args) {
        List<String> command = new ArrayList<>(prefix(heap));
        command.addAll(options);
        command.add(mainClass.getName());
        command.addAll(args);
        return command;
    }

    /** {@code java -Xms<heap> -Xmx<heap> ... -cp <class path>}, ready for a main class. */
    public static List<String> prefix(String heap) {
        List<String> command = new ArrayList<>(List.of(java()));
        command.addAll(options(heap));
        command.addAll(List.of("-cp", System.getProperty("java.class.path")));
        return command;
    }

    /**
     * The JVM options: {@code -Xms<heap> -Xmx<heap>}, G1 with 32 MiB regions, the module openings.
     * With G1's default regions (2 MiB for a 6 GiB heap) every chunk of 1 MiB or more is a
     * humongous object rounded up to whole regions: a 512 x 512 float64 chunk (2 MiB + 16 bytes)
     * took 4 MiB of heap. With 32 MiB regions, chunks below 16 MiB are ordinary objects.
     */
    public static List<String> options(String heap) {
        List<String> options = new ArrayList<>(List.of("-Xms" + heap, "-Xmx" + heap, "-XX:+UseG1GC",
                "-XX:G1HeapRegionSize=32m"));
        options.addAll(OPENS);
        return options;
    }

    /** The java launcher of this JVM. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
