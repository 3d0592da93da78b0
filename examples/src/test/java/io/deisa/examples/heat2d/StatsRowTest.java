package io.deisa.examples.heat2d;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

class StatsRowTest {
    @Test
    void oneRowPerTimestepInTimestepOrderWhateverTheOrderAndRepetitionOfWrites(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("stats.csv");
        StatsRow.create(file);
        StatsRow t20 = new StatsRow(20, 21.5, 20.0, 30.25, 0.1, Double.NaN);
        StatsRow t0 = new StatsRow(0, 20.0, 20.0, 20.0, Double.NaN, Double.NaN);
        StatsRow t40 = new StatsRow(40, 23.0000000001, 20.0, 33.0, 0.075, 0.025);
        t20.storeIn(file);
        t0.storeIn(file);
        t40.storeIn(file);
        t20.storeIn(file); // a callback that ran again after a recovery
        assertThat(StatsRow.read(file)).containsExactly(t0, t20, t40);
        assertThat(Files.readAllLines(file)).first().isEqualTo(StatsRow.HEADER);
        try (var files = Files.list(dir)) {
            assertThat(files).as("no temporary file left").containsExactly(file);
        }
    }
}
