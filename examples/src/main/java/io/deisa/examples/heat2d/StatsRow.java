package io.deisa.examples.heat2d;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The analytics' result for one shared timestep, one line of the CSV file the analytics write
 * ({@code t,mean,min,max,dmean_dt,heater_power}; doubles round-trip exactly, {@code NaN} where
 * there is no value).
 *
 * @param t the timestep (solver step)
 * @param mean mean temperature of the plate, K
 * @param min lowest temperature, K
 * @param max highest temperature, K
 * @param meanRate time derivative of the mean over the last two shared timesteps, K/s ({@code NaN}
 *     at the first)
 * @param publishedPower heater power published for this timestep, or {@code NaN}
 */
public record StatsRow(long t, double mean, double min, double max, double meanRate, double publishedPower) {
    /** The CSV header line. */
    public static final String HEADER = "t,mean,min,max,dmean_dt,heater_power";

    /** Whether the analytics published a heater power for this timestep. */
    public boolean steered() {
        return !Double.isNaN(publishedPower);
    }

    /** Creates {@code file} (and its directory) holding only the header. */
    public static void create(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Files.writeString(file, HEADER + "\n", StandardCharsets.UTF_8);
    }

    /**
     * Stores this row in {@code file}, in timestep order, replacing a row of the same timestep: a
     * callback that runs again after the job recovered from a failure writes the same row again,
     * and the file keeps one row per timestep. The file is rewritten under a temporary name and
     * renamed into place, so a reader sees the old or the new file, never a half-written one.
     * Linear in the rows of the file, which hold one line per shared timestep.
     */
    public void storeIn(Path file) {
        try {
            Map<Long, StatsRow> rows = new TreeMap<>();
            if (Files.exists(file)) {
                read(file).forEach(row -> rows.put(row.t(), row));
            }
            rows.put(t, this);
            StringBuilder text = new StringBuilder(HEADER).append('\n');
            rows.values().forEach(row -> text.append(row.line()).append('\n'));
            Path temporary = file.resolveSibling("." + file.getFileName() + ".tmp");
            Files.writeString(temporary, text, StandardCharsets.UTF_8);
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store the row of timestep " + t + " in " + file, e);
        }
    }

    private String line() {
        return t + "," + mean + "," + min + "," + max + "," + meanRate + "," + publishedPower;
    }

    /** The rows of {@code file}, in file order. */
    public static List<StatsRow> read(Path file) throws IOException {
        return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                .filter(line -> !line.isBlank() && !line.equals(HEADER))
                .map(StatsRow::parse)
                .toList();
    }

    private static StatsRow parse(String line) {
        String[] f = line.split(",");
        return new StatsRow(Long.parseLong(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]),
                Double.parseDouble(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[5]));
    }
}
