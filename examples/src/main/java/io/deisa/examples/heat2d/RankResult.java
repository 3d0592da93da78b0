package io.deisa.examples.heat2d;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one rank reports at the end of its run: statistics of its own final tile and the heater
 * power it applied last. A rank under mpirun prints it as one line ({@link #toLine}) that the
 * launcher parses back ({@link #parse}); doubles are printed exactly (round-trip).
 *
 * @param rank the rank
 * @param timestep the last timestep (the run's end)
 * @param sum sum of the tile's temperatures
 * @param min lowest temperature of the tile
 * @param max highest temperature of the tile
 * @param cells number of cells of the tile
 * @param heaterPower heater power in force at the end
 */
public record RankResult(int rank, long timestep, double sum, double min, double max, long cells, double heaterPower) {
    private static final Pattern LINE = Pattern.compile(
            "heat2d rank (\\d+) final: t=(\\d+) sum=(\\S+) min=(\\S+) max=(\\S+) cells=(\\d+) power=(\\S+)");

    /** The line a rank prints. */
    public String toLine() {
        return "heat2d rank " + rank + " final: t=" + timestep + " sum=" + sum + " min=" + min + " max=" + max
                + " cells=" + cells + " power=" + heaterPower;
    }

    /** The result printed on {@code line}, if it is a {@link #toLine} line. */
    public static Optional<RankResult> parse(String line) {
        Matcher m = LINE.matcher(line.strip());
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new RankResult(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)),
                Double.parseDouble(m.group(3)), Double.parseDouble(m.group(4)), Double.parseDouble(m.group(5)),
                Long.parseLong(m.group(6)), Double.parseDouble(m.group(7))));
    }

    /** Mean of the whole plate from the results of all ranks. */
    public static double mean(List<RankResult> results) {
        return results.stream().mapToDouble(RankResult::sum).sum() / results.stream().mapToLong(RankResult::cells).sum();
    }

    /** Lowest temperature of the whole plate. */
    public static double min(List<RankResult> results) {
        return results.stream().mapToDouble(RankResult::min).min().orElseThrow();
    }

    /** Highest temperature of the whole plate. */
    public static double max(List<RankResult> results) {
        return results.stream().mapToDouble(RankResult::max).max().orElseThrow();
    }
}
