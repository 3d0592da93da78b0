package io.deisa.bench.limits;

import io.deisa.bench.report.Format;
import io.deisa.bench.report.MarkdownTable;
import io.deisa.bench.report.Stats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The machine a benchmark run ran on and its own limits, measured in the same run: loopback TCP
 * ({@link Iperf3}, three measurements), loopback TCP on the Java reader's path ({@link
 * JavaSocketRead}, three measurements) and memory copy ({@link MemoryCopy}).
 *
 * @param cpu the processor model
 * @param cores processors available to the JVM
 * @param memoryGiB physical memory
 * @param java the Java runtime
 * @param tcpLoopback loopback TCP, bytes/s
 * @param javaSocketRead loopback TCP read by a Java socket into new arrays, bytes/s
 * @param heapCopy System.arraycopy, bytes/s
 * @param directCopy double[] into a direct buffer, bytes/s
 */
public record MachineLimits(String cpu, int cores, double memoryGiB, String java, Stats tcpLoopback,
        Stats javaSocketRead, double heapCopy, double directCopy) {

    private static final int IPERF_SECONDS = 3;
    private static final int IPERF_RUNS = 3;

    /** Measures this machine. */
    public static MachineLimits measure() throws IOException, InterruptedException {
        double[] tcp = new double[IPERF_RUNS];
        double[] javaRead = new double[IPERF_RUNS];
        for (int i = 0; i < IPERF_RUNS; i++) {
            tcp[i] = Iperf3.loopbackBytesPerSecond(IPERF_SECONDS);
            javaRead[i] = JavaSocketRead.loopbackBytesPerSecond(IPERF_SECONDS);
        }
        return new MachineLimits(readCpuModel(), Runtime.getRuntime().availableProcessors(), readMemoryGiB(),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
                Stats.of(tcp), Stats.of(javaRead), MemoryCopy.heapToHeapBytesPerSecond(),
                MemoryCopy.heapToDirectBytesPerSecond());
    }

    /** Median loopback TCP throughput, bytes/s: the reference of the ingest ratio. */
    public double tcpBytesPerSecond() {
        return tcpLoopback.median();
    }

    /** Median loopback throughput of a Java socket reading into new arrays, bytes/s: the reader's ceiling. */
    public double javaSocketReadBytesPerSecond() {
        return javaSocketRead.median();
    }

    /** The limits as a Markdown table. */
    public String toMarkdown() {
        return "Machine: " + cpu + ", " + cores + " cores, " + Format.number(memoryGiB, 0) + " GiB, " + java + ".\n\n"
                + new MarkdownTable("limit", "measured", "how")
                        .row("loopback TCP, one stream", megabytesPerSecond(tcpLoopback),
                                "`iperf3 -c 127.0.0.1 -t " + IPERF_SECONDS + "`, median (min–max) of " + IPERF_RUNS)
                        .row("loopback TCP, Java socket into new arrays", megabytesPerSecond(javaSocketRead),
                                "8 MiB chunks: `SocketChannel.write` from a direct buffer, `Socket` stream into a new"
                                        + " `byte[]` each (the source reader's path), " + IPERF_SECONDS
                                        + " s, median (min–max) of " + IPERF_RUNS)
                        .row("memory copy, heap → heap", Format.number(heapCopy / 1e6, 0) + " MB/s",
                                "`System.arraycopy`, 256 MiB, best of 8")
                        .row("memory copy, double[] → direct buffer", Format.number(directCopy / 1e6, 0) + " MB/s",
                                "`DoubleBuffer.put`, 256 MiB, best of 8 (the copy in `Bridge.send`)")
                        .toMarkdown();
    }

    private static String megabytesPerSecond(Stats bytesPerSecond) {
        return Stats.of(bytesPerSecond.median() / 1e6, bytesPerSecond.min() / 1e6, bytesPerSecond.max() / 1e6)
                .medianRange(0) + " MB/s";
    }

    private static String readCpuModel() throws IOException {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).strip())
                    .findFirst().orElse(System.getProperty("os.arch"));
        }
    }

    private static double readMemoryGiB() throws IOException {
        try (Stream<String> lines = Files.lines(Path.of("/proc/meminfo"))) {
            return lines.filter(l -> l.startsWith("MemTotal:"))
                    .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElse(0) / (1024.0 * 1024);
        }
    }
}
