package io.deisa.examples.heat2d;

import java.io.PrintStream;
import java.util.List;

/** Prints the analytics' results of a run, and compares them with the ranks' own final state. */
public final class Heat2dReport {
    private static final int TABLE_ROWS = 12;

    private Heat2dReport() {}

    /** A table of about a dozen of {@code rows} (always the last) and the steering summary. */
    public static void print(List<StatsRow> rows, Heat2dConfig config, PrintStream out) {
        out.printf("%8s %10s %10s %10s %12s %12s%n", "t", "mean K", "min K", "max K", "dmean/dt K/s", "heater pub.");
        int every = Math.max(1, rows.size() / TABLE_ROWS);
        for (int i = 0; i < rows.size(); i++) {
            if (i % every == 0 || i == rows.size() - 1) {
                StatsRow r = rows.get(i);
                out.printf("%8d %10.4f %10.4f %10.4f %12.6f %12s%n", r.t(), r.mean(), r.min(), r.max(), r.meanRate(),
                        r.steered() ? String.format("%.4f", r.publishedPower()) : "-");
            }
        }
        rows.stream().filter(StatsRow::steered).findFirst().ifPresentOrElse(
                first -> out.printf("Steering: mean %.4f K > threshold %.2f K at t=%d: heater power %.4f -> %.4f K m²/s "
                                + "(expected dmean/dt %.6f -> %.6f K/s)%n",
                        first.mean(), config.threshold(), first.t(), config.power(), first.publishedPower(),
                        config.power() / config.area(), first.publishedPower() / config.area()),
                () -> out.printf("Steering: the mean never exceeded the threshold %.2f K%n", config.threshold()));
    }

    /** Compares the analytics' last row with the ranks' final state; returns whether they agree. */
    public static boolean check(List<StatsRow> rows, List<RankResult> ranks, PrintStream out) {
        StatsRow last = rows.get(rows.size() - 1);
        double mean = RankResult.mean(ranks);
        boolean agree = last.t() == ranks.get(0).timestep()
                && Math.abs(last.mean() - mean) <= 1e-12 * Math.abs(mean)
                && last.min() == RankResult.min(ranks) && last.max() == RankResult.max(ranks);
        out.printf("Check against the ranks' own final state (t=%d): mean %.12f vs %.12f, min %.6f vs %.6f, "
                        + "max %.6f vs %.6f, heater power in force %.4f: %s%n",
                ranks.get(0).timestep(), last.mean(), mean, last.min(), RankResult.min(ranks), last.max(),
                RankResult.max(ranks), ranks.get(0).heaterPower(), agree ? "OK" : "MISMATCH");
        return agree;
    }
}
