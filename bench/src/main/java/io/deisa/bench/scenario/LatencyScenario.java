package io.deisa.bench.scenario;

import io.deisa.bench.process.PipelineRun;
import io.deisa.bench.report.LinePlot;
import io.deisa.bench.report.MarkdownTable;
import io.deisa.bench.report.Stats;

import me.tongfei.progressbar.ProgressBar;

import java.time.Duration;
import java.util.List;

/**
 * S2 latency: N bridges (each its own JVM) share a 64 x 64 float64 array (a 64 x 64/N chunk each);
 * every bridge sends timestep t, then waits until it reads the feedback the callback publishes
 * for t. Figures: send→callback start (from the last bridge's send of t) and send→feedback seen
 * by each bridge, p50/p90/p99, at several {@code execution.buffer-timeout}s.
 */
public final class LatencyScenario implements Scenario {
    private static final int SIDE = 64;
    private static final double WARMUP_FRACTION = 0.1;

    private final List<Integer> bridges;
    private final List<Long> bufferTimeouts;
    private final int timesteps;
    private final int slowTimesteps;

    /**
     * @param bridges bridge counts (each must divide 64)
     * @param bufferTimeouts {@code execution.buffer-timeout}s, ms
     * @param timesteps timesteps per run
     * @param slowTimesteps timesteps per run at buffer timeouts of 50 ms and more, whose round trips
     *     take up to a few buffer timeouts each
     */
    public LatencyScenario(List<Integer> bridges, List<Long> bufferTimeouts, int timesteps, int slowTimesteps) {
        this.bridges = bridges;
        this.bufferTimeouts = bufferTimeouts;
        this.timesteps = timesteps;
        this.slowTimesteps = slowTimesteps;
    }

    @Override
    public String id() {
        return "latency";
    }

    @Override
    public String run(BenchContext context) throws Exception {
        MarkdownTable table = new MarkdownTable("bridges", "buffer timeout", "timesteps",
                "send→callback p50 (ms)", "p90", "p99", "send→feedback p50 (ms)", "p90", "p99");
        LinePlot plot = new LinePlot("S2 latency: send→callback percentiles", "bridges",
                "send→callback (ms, median of " + context.runs() + " runs)").reference("p99 target 10 ms", 10);
        try (ProgressBar progress = context.progress(id(), (long) bridges.size() * bufferTimeouts.size() * context.runs())) {
            for (long bufferTimeout : bufferTimeouts) {
                for (int n : bridges) {
                    int steps = bufferTimeout >= 50 ? slowTimesteps : timesteps;
                    long warmup = Math.round(steps * WARMUP_FRACTION);
                    double[][] callback = new double[3][context.runs()];
                    double[][] feedback = new double[3][context.runs()];
                    for (int r = 0; r < context.runs(); r++) {
                        PipelineRun run = new PipelineRun(n, n, SIDE + "x" + (SIDE / n), "float64", steps, true,
                                BenchContext.analytics("ACK", bufferTimeout), BenchContext.ANALYTICS_HEAP,
                                BenchContext.BRIDGE_HEAP, Duration.ofMinutes(15));
                        RunMeasures measures = new RunMeasures(
                                context.run(id(), "timeout" + bufferTimeout + "-n" + n + "-run" + r, run));
                        fillPercentiles(Stats.of(measures.sendToCallbackMillis(warmup)), callback, r);
                        fillPercentiles(Stats.of(measures.sendToFeedbackMillis(warmup)), feedback, r);
                        progress.step();
                    }
                    plot.add("p50, buffer timeout " + bufferTimeout + " ms", n, Stats.of(callback[0]).median());
                    plot.add("p99, buffer timeout " + bufferTimeout + " ms", n, Stats.of(callback[2]).median());
                    table.row(n, bufferTimeout + " ms", steps,
                            Stats.of(callback[0]).medianRange(2), Stats.of(callback[1]).medianRange(2),
                            Stats.of(callback[2]).medianRange(2), Stats.of(feedback[0]).medianRange(2),
                            Stats.of(feedback[1]).medianRange(2), Stats.of(feedback[2]).medianRange(2));
                }
            }
        }
        return "### S2 latency\n\nA " + SIDE + "×" + SIDE + " float64 array split over N bridges (each its own JVM); each"
                + " bridge sends t, then polls `get(\"ack\", t)` (collective, every 100 µs) until the callback's"
                + " feedback for t arrives. send→callback: from the last bridge's call of `send(t)` to the start of"
                + " the callback of t; send→feedback: from each bridge's `send(t)` to its `get` returning the value."
                + " The first " + Math.round(WARMUP_FRACTION * 100) + " % of the timesteps are warm-up. Percentiles"
                + " per run; median (min–max) over " + context.runs() + " runs.\n\n" + table.toMarkdown()
                + context.plot("s2-latency", "S2: send→callback p50 and p99 against bridges", plot);
    }

    private static void fillPercentiles(Stats stats, double[][] into, int run) {
        into[0][run] = stats.percentile(50);
        into[1][run] = stats.percentile(90);
        into[2][run] = stats.percentile(99);
    }
}
