package io.deisa.bench.scenario;

import io.deisa.bench.limits.MachineLimits;
import io.deisa.bench.process.JobWatcher;
import io.deisa.bench.process.PipelineRun;
import io.deisa.bench.report.Format;
import io.deisa.bench.report.LinePlot;
import io.deisa.bench.report.MarkdownTable;
import io.deisa.bench.report.Stats;

import me.tongfei.progressbar.ProgressBar;

import java.time.Duration;
import java.util.List;

/**
 * S6 chunk-parallel analytics: N bridges (each its own JVM) send one square float64 chunk per
 * timestep; the callback reads the array whole, downsampled 2 x 2 where it is read ({@code
 * preprocess}, a quarter of the bytes), or as a {@code summary()} aggregate (never assembled), with
 * 1, 2 or 4 readers. The figures are the array bytes per second reaching the callbacks, against the
 * same-run loopback {@code iperf3}, and the bytes the readers' tasks wrote to the tasks after them
 * (Flink's {@code write-bytes} of the source vertex, from the REST API) per timestep, against the
 * array's bytes.
 */
public final class ChunkParallelScenario implements Scenario {
    private static final int WARMUP = 20;
    private static final int MEASURED = 200;

    private final int bridges;
    private final List<Integer> sizes;
    private final List<String> forms;
    private final List<Integer> parallelisms;

    /** The scenario over these chunk sizes (n for n x n), forms and reader counts, with {@code bridges} bridges. */
    public ChunkParallelScenario(int bridges, List<Integer> sizes, List<String> forms, List<Integer> parallelisms) {
        this.bridges = bridges;
        this.sizes = sizes;
        this.forms = forms;
        this.parallelisms = parallelisms;
    }

    @Override
    public String id() {
        return "chunk-parallel";
    }

    @Override
    public String run(BenchContext context) throws Exception {
        MachineLimits limits = context.limits();
        MarkdownTable table = new MarkdownTable("chunk", "bridges", "form", "readers", "MB/s of array data",
                "ratio to iperf3 (" + Format.number(limits.tcpBytesPerSecond() / 1e6, 0) + " MB/s)",
                "bytes out of the readers per timestep", "ratio to the array's bytes",
                "accumulator bytes per timestep");
        LinePlot plot = new LinePlot("S6 chunk-parallel analytics: rate against readers", "readers (parallelism)",
                "MB/s of array data (median of " + context.runs() + " runs)")
                .reference("iperf3 loopback " + Format.number(limits.tcpBytesPerSecond() / 1e6, 0) + " MB/s",
                        limits.tcpBytesPerSecond() / 1e6);
        try (ProgressBar progress = context.progress(id(),
                (long) sizes.size() * forms.size() * parallelisms.size() * context.runs())) {
            for (int size : sizes) {
                for (String form : forms) {
                    for (int readers : parallelisms) {
                        long bytesPerTimestep = (long) bridges * size * size * Double.BYTES;
                        double[] rates = new double[context.runs()];
                        double[] bytesOut = new double[context.runs()];
                        double[] accumulatorBytes = new double[context.runs()];
                        for (int r = 0; r < context.runs(); r++) {
                            PipelineRun run = new PipelineRun(bridges, bridges, size + "x" + size, "float64",
                                    WARMUP + MEASURED, false, BenchContext.analytics("NOOP", 5, "--form", form,
                                            "--chunk", size + "x" + size, "--parallelism", Integer.toString(readers),
                                            "--checkpoint-interval-ms", "0"),
                                    BenchContext.ANALYTICS_HEAP, BenchContext.BRIDGE_HEAP, Duration.ofMinutes(15));
                            String label = size + "-" + form.toLowerCase() + "-p" + readers + "-run" + r;
                            PipelineRun.Result result = context.run(id(), label, run);
                            RunMeasures measures = new RunMeasures(result);
                            rates[r] = measures.throughput(WARMUP - 1, WARMUP + MEASURED - 1, bytesPerTimestep) / 1e6;
                            JobWatcher.Summary job = result.checkpoints();
                            bytesOut[r] = job.sourceBytesPerTimestep();
                            accumulatorBytes[r] = job.accumulatorBytesPerTimestep();
                            progress.step();
                        }
                        Stats stats = Stats.of(rates);
                        Stats out = Stats.of(bytesOut);
                        plot.add(form.toLowerCase() + ", " + size + "² chunks", readers, stats.median());
                        table.row(size + "²", bridges, form.toLowerCase(), readers, stats.medianRange(0),
                                Format.percent(stats.median() * 1e6 / limits.tcpBytesPerSecond()),
                                Format.bytes(out.median()), Format.percent(out.median() / bytesPerTimestep),
                                form.equalsIgnoreCase("AGGREGATE") ? Format.bytes(Stats.of(accumulatorBytes).median()) : "–");
                    }
                }
            }
        }
        return "### S6 chunk-parallel analytics\n\n" + MEASURED + " timesteps after " + WARMUP + " of warm-up; "
                + bridges + " bridges, each its own JVM, one float64 chunk each per timestep; no checkpoints; the"
                + " callback does nothing with what it gets. Rate = array bytes of the measured timesteps over the"
                + " time between the callback starts of the last warm-up and the last timestep. Bytes out = Flink's"
                + " write-bytes of the source vertex (readers, with their chained preprocessing and partial"
                + " combining), read from the REST API every 500 ms, over the timesteps the callbacks had completed"
                + " at that reading: what crossed from the readers to the next tasks (with 1 reader the whole job"
                + " is one chained task and nothing crosses). Accumulator bytes = the readers' accumulatorBytesOut"
                + " metric (the Java-serialized partials sent to Merge partials), per timestep, read the same way. Median (min–max) of "
                + context.runs() + " runs.\n\n" + table.toMarkdown()
                + context.plot("s6-chunk-parallel", "S6: MB/s of array data against readers, per form", plot);
    }
}
