package io.deisa.bench.scenario;

import io.deisa.bench.limits.MachineLimits;
import io.deisa.bench.process.JobWatcher;
import io.deisa.bench.process.NativeRanks;
import io.deisa.bench.process.PipelineRun;
import io.deisa.bench.report.Format;
import io.deisa.bench.report.LinePlot;
import io.deisa.bench.report.MarkdownTable;
import io.deisa.bench.report.Stats;

import me.tongfei.progressbar.ProgressBar;

import java.time.Duration;
import java.util.List;

/**
 * S1 ingest: N bridges (each its own JVM, or each a Python or C process under mpirun) send one
 * square float64 chunk per timestep with no simulation work; the figure is the rate at which assembled arrays reach the callback (no-op, or a
 * global mean), and its ratio to the loopback TCP throughput measured in the same invocation.
 */
public final class IngestScenario implements Scenario {
    private static final int WARMUP = 20;
    private static final int MEASURED = 200;

    private final List<Integer> bridges;
    private final List<Integer> sizes;
    private final List<String> works;
    private final List<Long> checkpointIntervals;
    private final List<NativeRanks.Language> languages;
    private final int maxAhead;

    /**
     * The scenario over these bridge counts, chunk sizes (n for n x n), callback works, checkpoint
     * intervals in ms (0: off, negative: the job's default) and the bridges' languages, with the
     * analytics' {@code maxSimulationAhead} = {@code maxAhead}.
     */
    public IngestScenario(List<Integer> bridges, List<Integer> sizes, List<String> works, List<Long> checkpointIntervals,
            List<NativeRanks.Language> languages, int maxAhead) {
        this.maxAhead = maxAhead;
        this.bridges = bridges;
        this.sizes = sizes;
        this.works = works;
        this.checkpointIntervals = checkpointIntervals;
        this.languages = languages;
    }

    @Override
    public String id() {
        return "ingest";
    }

    @Override
    public String run(BenchContext context) throws Exception {
        MachineLimits limits = context.limits();
        MarkdownTable table = new MarkdownTable("chunk", "bridges", "bridges in", "callback", "checkpoints", "MB/s assembled",
                "ratio to iperf3 (" + Format.number(limits.tcpBytesPerSecond() / 1e6, 0) + " MB/s)",
                "ratio to a Java socket read (" + Format.number(limits.javaSocketReadBytesPerSecond() / 1e6, 0)
                        + " MB/s)", "checkpoints completed", "checkpoint size avg / max", "checkpoint duration avg / max");
        LinePlot plot = new LinePlot("S1 ingest: assembled MB/s against the machine's limits",
                "chunk per bridge and timestep (MiB, log scale)", "MB/s assembled (median of " + context.runs() + " runs)")
                .logX()
                .reference("iperf3 loopback " + Format.number(limits.tcpBytesPerSecond() / 1e6, 0) + " MB/s",
                        limits.tcpBytesPerSecond() / 1e6)
                .reference("a Java socket read into new arrays " + Format.number(
                        limits.javaSocketReadBytesPerSecond() / 1e6, 0) + " MB/s", limits.javaSocketReadBytesPerSecond() / 1e6);
        try (ProgressBar progress = context.progress(id(), (long) sizes.size() * bridges.size() * works.size()
                * checkpointIntervals.size() * languages.size() * context.runs())) {
            for (int size : sizes) {
                for (int n : bridges) {
                  for (NativeRanks.Language language : languages) {
                    for (String work : works) {
                        for (long interval : checkpointIntervals) {
                            long bytesPerTimestep = (long) n * size * size * Double.BYTES;
                            double[] rates = new double[context.runs()];
                            JobWatcher.Summary checkpoints = JobWatcher.Summary.NONE;
                            for (int r = 0; r < context.runs(); r++) {
                                PipelineRun run = new PipelineRun(n, n, size + "x" + size, "float64", WARMUP + MEASURED,
                                        false, BenchContext.analytics(work, 5, "--checkpoint-interval-ms",
                                                Long.toString(interval), "--max-ahead", Integer.toString(maxAhead)), BenchContext.ANALYTICS_HEAP,
                                        BenchContext.BRIDGE_HEAP, Duration.ofMinutes(15), language);
                                String label = size + "-n" + n + "-" + language.name().toLowerCase() + "-"
                                        + work.toLowerCase() + "-cp" + interval + "-run" + r;
                                PipelineRun.Result result = context.run(id(), label, run);
                                RunMeasures measures = new RunMeasures(result);
                                if (result.checkpoints().sizeMaxBytes() >= checkpoints.sizeMaxBytes()) {
                                    checkpoints = result.checkpoints(); // the run with the largest checkpoint
                                }
                                rates[r] = measures.throughput(WARMUP - 1, WARMUP + MEASURED - 1, bytesPerTimestep) / 1e6;
                                progress.step();
                            }
                            Stats stats = Stats.of(rates);
                            plot.add(n + (n == 1 ? " bridge, " : " bridges, ") + language.name().toLowerCase() + ", "
                                    + work.toLowerCase() + (interval == 0 ? ", no checkpoints"
                                            : interval < 0 ? ", checkpoints every 2 s" : ", checkpoints every " + interval + " ms"),
                                    size * (double) size * Double.BYTES / (1 << 20), stats.median());
                            table.row(size + "²", n, language.name().toLowerCase(), work.toLowerCase(),
                                    interval < 0 ? "default (2 s)" : interval == 0 ? "off" : interval + " ms",
                                    stats.medianRange(0),
                                    Format.percent(stats.median() * 1e6 / limits.tcpBytesPerSecond()),
                                    Format.percent(stats.median() * 1e6 / limits.javaSocketReadBytesPerSecond()),
                                    checkpoints.completed(),
                                    checkpoints.completed() == 0 ? "–" : Format.number(checkpoints.sizeAvgBytes() / 1e6, 1)
                                            + " / " + Format.number(checkpoints.sizeMaxBytes() / 1e6, 1) + " MB",
                                    checkpoints.completed() == 0 ? "–" : checkpoints.durationAvgMillis() + " / "
                                            + checkpoints.durationMaxMillis() + " ms");
                        }
                    }
                  }
                }
            }
        }
        return "### S1 ingest\n\n" + MEASURED + " timesteps after " + WARMUP + " of warm-up; float64 chunks, one per"
                + " bridge and timestep, each bridge its own JVM (java) or its own process under mpirun (python:"
                + " deisa_flink with mpi4py; c: libdeisa_bridge); rate = array bytes of the measured timesteps over"
                + " the time between the callback starts of the last warm-up and the last timestep; maxSimulationAhead "
                + maxAhead + ". Median (min–max)"
                + " of " + context.runs() + " runs.\n\n" + table.toMarkdown()
                + context.plot("s1-ingest", "S1: MB/s assembled against chunk size, with iperf3 and a Java socket read", plot);
    }
}
