package io.deisa.bench.scenario;

import io.deisa.bench.limits.MachineLimits;
import io.deisa.bench.process.PipelineRun;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * What every scenario of one benchmark invocation shares: the number of runs per configuration,
 * the directory of run logs and timing tables, the machine's limits measured in this invocation,
 * the heap sizes, and the progress bar.
 */
public final class BenchContext {
    /** Heap of the analytics JVM ({@code -Xms = -Xmx}). */
    public static final String ANALYTICS_HEAP = "6g";
    /** Heap of each bridge JVM. */
    public static final String BRIDGE_HEAP = "1g";

    private final int runs;
    private final Path resultsDirectory;
    private final String command;
    private final Path plotsDirectory;
    private MachineLimits limits;

    /**
     * @param runs runs per configuration
     * @param resultsDirectory where each run's logs and timing tables go
     * @param command the command line that reproduces this invocation, quoted in the report
     * @param report the results document; plots go to {@code plots/} beside it
     */
    public BenchContext(int runs, Path resultsDirectory, String command, Path report) {
        this.runs = runs;
        this.resultsDirectory = resultsDirectory;
        this.command = command;
        Path parent = report.toAbsolutePath().getParent();
        this.plotsDirectory = parent.resolve("plots");
    }

    /**
     * Writes {@code plot} as {@code plots/<name>.png} beside the report and returns the Markdown
     * that embeds it (empty when the plot has no point).
     */
    public String plot(String name, String altText, io.deisa.bench.report.LinePlot plot) throws IOException {
        if (plot.isEmpty()) {
            return "";
        }
        plot.writePng(plotsDirectory.resolve(name + ".png"));
        return "\n![" + altText + "](plots/" + name + ".png)\n";
    }

    /** Runs per configuration. */
    public int runs() {
        return runs;
    }

    /** The reproducing command line. */
    public String command() {
        return command;
    }

    /** The machine's limits, measured on first use in this invocation. */
    public synchronized MachineLimits limits() throws IOException, InterruptedException {
        if (limits == null) {
            System.out.println("measuring the machine's limits (iperf3 loopback, a Java socket read, memory copy)...");
            limits = MachineLimits.measure();
        }
        return limits;
    }

    /** The directory of run {@code label} of scenario {@code scenario}. */
    public Path runDirectory(String scenario, String label) {
        return resultsDirectory.resolve(scenario).resolve(label);
    }

    /** Runs {@code run} in the directory of {@code label} with the standard deadline. */
    public PipelineRun.Result run(String scenario, String label, PipelineRun run)
            throws InterruptedException, java.io.IOException {
        return run.run(runDirectory(scenario, label));
    }

    /** A console progress bar over {@code total} runs of {@code scenario}. */
    public ProgressBar progress(String scenario, long total) {
        return new ProgressBarBuilder().setTaskName(scenario).setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(1000).continuousUpdate().build();
    }

    /** The analytics JVM arguments for callback {@code work} and buffer timeout. */
    public static List<String> analytics(String work, long bufferTimeoutMs, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("--work", work,
                "--buffer-timeout-ms", Long.toString(bufferTimeoutMs)));
        args.addAll(List.of(more));
        return args;
    }
}
