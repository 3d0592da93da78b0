package io.deisa.job;

import io.deisa.bridge.Bridge;
import io.deisa.bridge.SystemMetadata;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * A simulation rank as its own JVM, for tests: sends chunk {@code t * (rank + 1)} of array
 * "array" for t = 0..last on a 1 x worldSize grid and closes the run, or dies abruptly (no close,
 * no cleanup) right after sending timestep {@code dieAfter}.
 *
 * <p>Arguments: {@code rank worldSize masterPort headPort last dieAfter} ({@code dieAfter < 0}:
 * never).
 */
public final class BridgeProcess {
    private BridgeProcess() {}

    public static void main(String[] args) {
        int rank = Integer.parseInt(args[0]);
        int worldSize = Integer.parseInt(args[1]);
        int masterPort = Integer.parseInt(args[2]);
        int headPort = Integer.parseInt(args[3]);
        int last = Integer.parseInt(args[4]);
        int dieAfter = Integer.parseInt(args[5]);
        SystemMetadata sys = SystemMetadata.builder()
                .worldSize(worldSize)
                .masterAddress("127.0.0.1")
                .masterPort(masterPort)
                .head("127.0.0.1:" + headPort)
                .connectTimeout(Duration.ofSeconds(60))
                .build();
        try (Bridge bridge = new Bridge(rank, Map.of("array", SimulationHarness.rowOfScalars(rank, worldSize)), sys)) {
            for (int t = 0; t <= last; t++) {
                bridge.send("array", new int[] {t * (rank + 1)}, t);
                if (t == dieAfter) {
                    System.out.println("rank " + rank + " dies after timestep " + t);
                    System.out.flush();
                    Runtime.getRuntime().halt(3);
                }
            }
            System.out.println("rank " + rank + " closed at " + bridge.close(last));
        }
    }

    /** Starts a rank as a child JVM with this test's classpath. */
    static Process launch(SimulationHarness world, int rank, int last, int dieAfter) throws java.io.IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                BridgeProcess.class.getName(), Integer.toString(rank), Integer.toString(world.worldSize),
                Integer.toString(world.masterPort), Integer.toString(world.headPort), Integer.toString(last),
                Integer.toString(dieAfter))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.INHERIT)
                .start();
    }
}
