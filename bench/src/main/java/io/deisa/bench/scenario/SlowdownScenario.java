package io.deisa.bench.scenario;

import io.deisa.bench.process.AnalyticsMain;
import io.deisa.bench.process.JvmCommand;
import io.deisa.bench.process.NativeRanks;
import io.deisa.bench.process.PipelineRun;
import io.deisa.bench.process.ProcessGroup;
import io.deisa.bench.process.SlowdownRank;
import io.deisa.bench.process.TimingTable;
import io.deisa.bench.report.Format;
import io.deisa.bench.report.MarkdownTable;
import io.deisa.bench.report.Stats;
import io.deisa.bridge.internal.Ports;
import io.deisa.examples.heat2d.MpirunLauncher;

import me.tongfei.progressbar.ProgressBar;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * S3 simulation slowdown: the heat2d solver under {@code mpirun} (1 or 2 ranks, a square tile per
 * rank), with no bridge, or sharing every k steps with a no-op or a mean-min-max callback. Figures:
 * time inside {@code send} per step, the slowdown of the step loop against no bridge, and the median
 * time of one {@code send} against a same-run copy of the tile.
 */
public final class SlowdownScenario implements Scenario {
    private static final int STEPS = 500;
    /**
     * Shared timesteps run first, untimed ({@code WARMUP_SHARES × k} solver steps, at most {@link
     * #MAX_WARMUP_STEPS}): the timed steps
     * measure the analytics in their steady state, which is the premise of the target. With 500
     * solver steps (50 shares at k = 10) the timed steps fell within the analytics' JIT warm-up: the
     * analytics lagged tens of shares behind, the bridge's buffer pool allocated a new direct buffer
     * for most shares (84 allocations for 100 shares, counted with async-profiler), and {@code send}
     * measured their zeroing. The run without a bridge warms its solver for {@code WARMUP_SHARES}
     * steps.
     */
    private static final int WARMUP_SHARES = 500;
    /** Bounds the warm-up of rare shares: 5000 steps of a 1024² tile take 10-25 s here. */
    private static final int MAX_WARMUP_STEPS = 5000;
    private static final String RANK_HEAP = "1g";

    private final List<Integer> ranks;
    private final List<Integer> sizes;
    private final List<Integer> shareEvery;
    private final List<Long> checkpointIntervals;
    private final List<NativeRanks.Language> languages;
    private final int maxAhead;

    /**
     * The scenario over these rank counts, tile sizes per rank, share intervals, checkpoint
     * intervals in ms (0: off, negative: the job's default) and simulation languages, with the
     * analytics' {@code maxSimulationAhead} = {@code maxAhead}.
     */
    public SlowdownScenario(List<Integer> ranks, List<Integer> sizes, List<Integer> shareEvery,
            List<Long> checkpointIntervals, List<NativeRanks.Language> languages, int maxAhead) {
        this.maxAhead = maxAhead;
        this.ranks = ranks;
        this.sizes = sizes;
        this.shareEvery = shareEvery;
        this.checkpointIntervals = checkpointIntervals;
        this.languages = languages;
    }

    @Override
    public String id() {
        return "slowdown";
    }

    @Override
    public String run(BenchContext context) throws Exception {
        MpirunLauncher mpirun = MpirunLauncher.find().orElseThrow(() -> new IllegalStateException(
                "S3 needs mpirun, ompi_info and the Open MPI Java bindings (bin/setup installs them)"));
        double copyBytesPerSecond = context.limits().directCopy();
        MarkdownTable table = new MarkdownTable("ranks", "tile per rank", "rank in", "share every", "mode", "checkpoints",
                "step loop (ms/step)", "inside send (ms/step)", "slowdown vs no bridge", "median send (ms)",
                "median send ÷ same-run copy");
        List<String> modes = List.of("NOOP", "MEAN_MIN_MAX");
        try (ProgressBar progress = context.progress(id(),
                (long) ranks.size() * sizes.size() * languages.size()
                        * (1 + shareEvery.size() * modes.size() * checkpointIntervals.size()) * context.runs())) {
            for (int r : ranks) {
                for (int size : sizes) {
                  for (NativeRanks.Language language : languages) {
                    String lang = language.name().toLowerCase();
                    double[][] alone = runs(context, mpirun, language, r, size, 1, null, -1, progress);
                    double baseline = Stats.of(alone[0]).median();
                    table.row(r, size + "²", lang, "–", "no bridge", "–", Stats.of(alone[0]).medianRange(3), "–", "–", "–",
                            "–");
                    double copyMs = 8.0 * size * size / copyBytesPerSecond * 1e3;
                    for (int k : shareEvery) {
                        for (String mode : modes) {
                            for (long interval : checkpointIntervals) {
                                double[][] shared = runs(context, mpirun, language, r, size, k, mode, interval, progress);
                                Stats loop = Stats.of(shared[0]);
                                table.row(r, size + "²", lang, k, "bridge + " + mode.toLowerCase().replace('_', '-'),
                                        interval < 0 ? "default (2 s)" : interval == 0 ? "off" : interval + " ms",
                                        loop.medianRange(3), Stats.of(shared[1]).medianRange(3),
                                        Format.percent(loop.median() / baseline - 1), Stats.of(shared[2]).medianRange(3),
                                        Format.number(Stats.of(shared[2]).median() / copyMs, 1) + " ×");
                            }
                        }
                    }
                  }
                }
            }
        }
        return "### S3 simulation slowdown\n\nThe heat2d solver (5-point stencil, halo exchange over MPI) under"
                + " `mpirun`, a square tile per rank, " + STEPS + " steps timed after " + WARMUP_SHARES
                + " shares (" + WARMUP_SHARES + " × k steps, at most " + MAX_WARMUP_STEPS + ") untimed with the same sharing, each rank a JVM with -Xms" + RANK_HEAP
                + " -Xmx" + RANK_HEAP + " (java), or the same solver in Python (numpy, mpi4py) or C with their bridges;"
                + " sharing copies the tile (`Tile.interior()`, not counted in send) and sends it. Step loop:"
                + " wall time of the slowest rank per step; inside send: mean over ranks of the time in `send`,"
                + " per step; median send: mean over ranks of the median time of one `send`, against a same-run"
                + " copy of the tile (memory copy, double[] → direct buffer, in the limits). The analytics (maxSimulationAhead " + maxAhead + ") run in their own JVM on the same 2 cores."
                + " Median (min–max) of "
                + context.runs() + " runs.\n\n" + table.toMarkdown();
    }

    /**
     * Per run: {ms per step of the slowest rank, ms inside send per step (mean over ranks), median ms
     * of one send (mean over ranks)}.
     */
    private double[][] runs(BenchContext context, MpirunLauncher mpirun, NativeRanks.Language language, int ranks,
            int size, int k, String mode, long checkpointInterval, ProgressBar progress) throws Exception {
        double[][] figures = new double[3][context.runs()];
        for (int run = 0; run < context.runs(); run++) {
            Path dir = context.runDirectory(id(), ranks + "-" + size + "-" + language.name().toLowerCase() + "-"
                    + (mode == null ? "alone"
                    : k + "-" + mode.toLowerCase() + "-cp" + checkpointInterval) + "-run" + run);
            Files.createDirectories(dir);
            String head = "127.0.0.1:" + Ports.free();
            List<String> args = new ArrayList<>(List.of("--size", Integer.toString(size),
                    "--steps", Integer.toString(STEPS), "--warmup-steps", Integer.toString(warmupSteps(k)),
                    "--share-every", Integer.toString(k),
                    "--out", dir.resolve("rank").toString()));
            try (ProcessGroup group = new ProcessGroup(dir)) {
                if (mode == null) {
                    args.add("--no-bridge");
                } else {
                    args.addAll(List.of("--head", head));
                    group.start("analytics", JvmCommand.analytics(BenchContext.ANALYTICS_HEAP,
                            PipelineRun.jvmOptions(PipelineRun.ANALYTICS_OPTIONS_ENV), AnalyticsMain.class,
                            List.of("--head", head, "--work", mode, "--max-ahead", Integer.toString(maxAhead),
                                    "--checkpoint-interval-ms",
                                    Long.toString(checkpointInterval), "--out", dir.resolve("callbacks.tsv").toString())));
                }
                if (language == NativeRanks.Language.JAVA) {
                    List<String> rankOptions = new ArrayList<>(JvmCommand.options(RANK_HEAP));
                    rankOptions.addAll(PipelineRun.jvmOptions(PipelineRun.BRIDGE_OPTIONS_ENV));
                    group.start("ranks", mpirun.command(ranks, rankOptions, SlowdownRank.class.getName(), args));
                } else {
                    group.start("ranks", NativeRanks.command(language, ranks, "slowdown", args));
                }
                group.awaitAll(Duration.ofMinutes(10));
            }
            List<long[]> rows = new ArrayList<>();
            for (int rank = 0; rank < ranks; rank++) {
                rows.addAll(TimingTable.read(dir.resolve("rank-" + rank + ".tsv")).rows());
            }
            figures[0][run] = rows.stream().mapToLong(row -> row[1]).max().orElseThrow() / 1e6 / STEPS;
            figures[1][run] = rows.stream().mapToLong(row -> row[2]).average().orElseThrow() / 1e6 / STEPS;
            figures[2][run] = rows.stream().mapToLong(row -> row[4]).average().orElseThrow() / 1e6;
            progress.step();
        }
        return figures;
    }

    /** Untimed solver steps before the timed ones when sharing every {@code k} steps. */
    static int warmupSteps(int k) {
        return (int) Math.min((long) WARMUP_SHARES * k, MAX_WARMUP_STEPS);
    }
}
