package io.deisa.bench.scenario;

import io.deisa.bench.process.PipelineRun;
import io.deisa.bench.report.Format;
import io.deisa.bench.report.LinePlot;
import io.deisa.bench.report.MarkdownTable;
import io.deisa.bench.report.Stats;

import me.tongfei.progressbar.ProgressBar;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * S5 windows: 4 bridges (each its own JVM) send 512 x 512 float64 chunks; the callback reads the
 * oldest and newest array of its window. Two passes per window size: callback latency
 * (send→callback start), and memory (a full collection every {@value #GC_EVERY} timesteps, after
 * the callback, then the live heap), so that memory can be checked against window × array size.
 */
public final class WindowScenario implements Scenario {
    private static final int BRIDGES = 4;
    private static final int SIDE = 512;
    private static final int TIMESTEPS = 150;
    private static final int GC_EVERY = 10;
    private static final long ARRAY_BYTES = (long) BRIDGES * SIDE * SIDE * Double.BYTES;

    private final List<Integer> windows;

    /** The scenario over these window sizes. */
    public WindowScenario(List<Integer> windows) {
        this.windows = windows;
    }

    @Override
    public String id() {
        return "windows";
    }

    @Override
    public String run(BenchContext context) throws Exception {
        MarkdownTable table = new MarkdownTable("window", "window × array (MB)", "callback p50 (ms)", "p90", "p99",
                "peak live heap (MB)", "live heap first → last sample (MB)", "bound (MB)");
        double overhead = Double.NaN;
        StringBuilder notes = new StringBuilder();
        LinePlot plot = new LinePlot("S5 windows: live heap against window size", "window (timesteps)",
                "MB (median of " + context.runs() + " runs)");
        try (ProgressBar progress = context.progress(id(), (long) windows.size() * context.runs() * 2)) {
            for (int window : windows) {
                double[][] latency = new double[3][context.runs()];
                double[] peak = new double[context.runs()];
                double[] first = new double[context.runs()];
                double[] last = new double[context.runs()];
                for (int r = 0; r < context.runs(); r++) {
                    RunMeasures timed = new RunMeasures(context.run(id(), "w" + window + "-latency-run" + r,
                            run(window, 0)));
                    Stats stats = Stats.of(timed.sendToCallbackMillis(window + 10));
                    latency[0][r] = stats.percentile(50);
                    latency[1][r] = stats.percentile(90);
                    latency[2][r] = stats.percentile(99);
                    progress.step();
                    long[] samples = new RunMeasures(context.run(id(), "w" + window + "-memory-run" + r,
                            run(window, GC_EVERY))).liveHeapSamples();
                    long[] steady = Arrays.copyOfRange(samples, Math.min(samples.length - 1, window / GC_EVERY + 1),
                            samples.length);
                    peak[r] = Arrays.stream(samples).max().orElseThrow() / 1e6;
                    first[r] = steady[0] / 1e6;
                    last[r] = steady[steady.length - 1] / 1e6;
                    progress.step();
                }
                double windowMb = window * ARRAY_BYTES / 1e6;
                double peakMb = Stats.of(peak).median();
                if (Double.isNaN(overhead)) {
                    overhead = peakMb - 1.5 * windowMb;
                    notes.append("Fixed overhead = peak live heap of the first window size minus 1.5 × its window: ")
                            .append(Format.number(overhead, 0)).append(" MB (the embedded Flink cluster, the timesteps"
                                    + " in flight, the job's buffers).\n");
                }
                double bound = 1.5 * windowMb + overhead;
                plot.add("peak live heap", window, peakMb);
                plot.add("bound 1.5 × window × array + fixed", window, bound);
                plot.add("window × array", window, windowMb);
                table.row(window, Format.number(windowMb, 0), Stats.of(latency[0]).medianRange(1),
                        Stats.of(latency[1]).medianRange(1), Stats.of(latency[2]).medianRange(1),
                        Stats.of(peak).medianRange(0),
                        Format.number(Stats.of(first).median(), 0) + " → " + Format.number(Stats.of(last).median(), 0),
                        Format.number(bound, 0) + (peakMb <= bound + 0.5 ? " ✓" : " ✗"));
            }
        }
        return "### S5 windows\n\n" + BRIDGES + " bridges (each its own JVM), " + SIDE + "×" + SIDE + " float64 chunks ("
                + Format.number(ARRAY_BYTES / 1e6, 1) + " MB per array), " + TIMESTEPS + " timesteps; the callback"
                + " computes the mean of the newest and of the oldest array of its window. Latency pass:"
                + " send→callback start after the window filled. Memory pass: `System.gc()` every " + GC_EVERY
                + " timesteps after the callback, then the used heap (the live set); first/last: the first sample"
                + " after the window filled, and the last. Bound = 1.5 × window × array + fixed overhead. Median"
                + " (min–max) of " + context.runs() + " runs.\n\n" + table.toMarkdown() + "\n" + notes
                + context.plot("s5-windows", "S5: peak live heap against window size, with its bound", plot);
    }

    private static PipelineRun run(int window, int gcEvery) {
        return new PipelineRun(BRIDGES, BRIDGES, SIDE + "x" + SIDE, "float64", TIMESTEPS, false,
                BenchContext.analytics("WINDOW_CHANGE", 5, "--window", Integer.toString(window),
                        "--gc-every", Integer.toString(gcEvery)),
                BenchContext.ANALYTICS_HEAP, BenchContext.BRIDGE_HEAP, Duration.ofMinutes(15));
    }
}
