package io.deisa.bench.scenario;

import io.deisa.bench.process.PipelineRun;
import io.deisa.bench.report.Format;
import io.deisa.bench.report.LinePlot;
import io.deisa.bench.report.MarkdownTable;
import io.deisa.bench.report.Stats;

import me.tongfei.progressbar.ProgressBar;

import java.time.Duration;
import java.util.List;

/**
 * S4 many bridges: 64 to 512 bridges as threads of at most 4 JVMs, one 100 x 100 int64 chunk each
 * per timestep, a no-op callback; figures: ms per timestep through the callbacks in the steady
 * state, and µs per bridge per timestep.
 */
public final class ManyBridgesScenario implements Scenario {
    private static final int PROCESSES = 4;
    /** Measured timesteps, after the warm-up. */
    private static final int MEASURED = 250;
    /**
     * Timesteps before the measured ones: hundreds of threads per JVM keep the JIT compilers busy
     * for hundreds of timesteps (at 256 bridges the time per timestep fell from 87 ms over the
     * first 100 to 35 ms after 600).
     */
    private static final int WARMUP = 500;
    private static final int TIMESTEPS = WARMUP + MEASURED;

    private final List<Integer> bridges;

    /** The scenario over these bridge counts. */
    public ManyBridgesScenario(List<Integer> bridges) {
        this.bridges = bridges;
    }

    @Override
    public String id() {
        return "many-bridges";
    }

    @Override
    public String run(BenchContext context) throws Exception {
        MarkdownTable table = new MarkdownTable("bridges", "ms per timestep", "µs per bridge per timestep",
                "analytics JVM: peak threads", "peak open descriptors");
        LinePlot plot = new LinePlot("S4 many bridges: time per bridge and timestep", "bridges (log scale)",
                "µs per bridge per timestep (median of " + context.runs() + " runs)").logX()
                .reference("target 50 µs", 50);
        try (ProgressBar progress = context.progress(id(), (long) bridges.size() * context.runs())) {
            for (int n : bridges) {
                double[] perTimestep = new double[context.runs()];
                long threads = 0;
                long fds = 0;
                for (int r = 0; r < context.runs(); r++) {
                    PipelineRun run = new PipelineRun(n, Math.min(PROCESSES, n), "100x100", "int64", TIMESTEPS, false,
                            BenchContext.analytics("NOOP", 5), BenchContext.ANALYTICS_HEAP, "2g",
                            Duration.ofMinutes(15));
                    RunMeasures measures = new RunMeasures(context.run(id(), "n" + n + "-run" + r, run));
                    perTimestep[r] = measures.secondsPerTimestep(WARMUP - 1, TIMESTEPS - 1) * 1e3;
                    threads = Math.max(threads, measures.peakThreads());
                    fds = Math.max(fds, measures.peakOpenFds());
                    progress.step();
                }
                Stats ms = Stats.of(perTimestep);
                double[] perBridge = new double[perTimestep.length];
                for (int i = 0; i < perTimestep.length; i++) {
                    perBridge[i] = perTimestep[i] * 1e3 / n;
                }
                plot.add("one reader, 100×100 int64 chunks", n, Stats.of(perBridge).median());
                table.row(n, ms.medianRange(2), Stats.of(perBridge).medianRange(1), threads, fds);
            }
        }
        return "### S4 many bridges\n\nBridges as threads of " + PROCESSES + " JVMs, one 100×100 int64 chunk each per"
                + " timestep, " + MEASURED + " measured timesteps after " + WARMUP + " of warm-up, no-op callback;"
                + " time per timestep between the callbacks of timesteps " + (WARMUP - 1) + " and " + (TIMESTEPS - 1)
                + ". Median (min–max) of "
                + context.runs() + " runs.\n\n" + table.toMarkdown()
                + "\nBytes per timestep at 512 bridges: " + Format.number(512 * 100 * 100 * 8 / 1e6, 1) + " MB.\n"
                + context.plot("s4-many-bridges", "S4: µs per bridge and timestep against bridges", plot);
    }
}
