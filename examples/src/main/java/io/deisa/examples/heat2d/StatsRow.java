package io.deisa.examples.heat2d;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

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

    /** Appends this row to {@code file}. */
    public void appendTo(Path file) {
        String line = t + "," + mean + "," + min + "," + max + "," + meanRate + "," + publishedPower + "\n";
        try {
            Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
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
