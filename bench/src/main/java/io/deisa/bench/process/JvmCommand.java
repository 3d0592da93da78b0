package io.deisa.bench.process;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a benchmark JVM: this JVM's java and class path, a fixed heap
 * ({@code -Xms = -Xmx}), G1, and the module openings Flink needs.
 */
public final class JvmCommand {
    private static final List<String> OPENS = List.of(
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED");

    private JvmCommand() {}

    /** {@code java -Xms<heap> -Xmx<heap> ... mainClass args}. */
    public static List<String> of(String heap, Class<?> mainClass, List<String> args) {
        List<String> command = new ArrayList<>(prefix(heap));
        command.add(mainClass.getName());
        command.addAll(args);
        return command;
    }

    /** {@code java -Xms<heap> -Xmx<heap> ... -cp <class path>}, ready for a main class. */
    public static List<String> prefix(String heap) {
        List<String> command = new ArrayList<>(List.of(java(), "-Xms" + heap, "-Xmx" + heap, "-XX:+UseG1GC"));
        command.addAll(OPENS);
        command.addAll(List.of("-cp", System.getProperty("java.class.path")));
        return command;
    }

    /** The java launcher of this JVM. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
