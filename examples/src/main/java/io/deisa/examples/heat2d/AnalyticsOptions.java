package io.deisa.examples.heat2d;

import io.deisa.job.Deisa;
import io.deisa.job.DeisaOptions;

import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** Command-line options of the heat2d analytics, shared by the {@code analytics} and {@code demo} subcommands. */
public final class AnalyticsOptions {
    @Option(names = "--output", defaultValue = "target/heat2d",
            description = "Directory of the results: " + Heat2dAnalytics.STATS + ", " + Heat2dAnalytics.SNAPSHOTS + " (default: ${DEFAULT-VALUE}).")
    Path output;

    @Option(names = "--snapshot-every", defaultValue = "25",
            description = "Shared timesteps between two HDF5 snapshots of the temperature, 0 for none (default: ${DEFAULT-VALUE}).")
    int snapshotEvery;

    @Option(names = "--parallelism", defaultValue = "2", description = "Parallelism of the source and the array assembly (default: ${DEFAULT-VALUE}).")
    int parallelism;

    /** The output directory, absolute. */
    Path output() {
        return output.toAbsolutePath();
    }

    /**
     * The analytics job of {@code config} with its head on {@code head} (on an embedded cluster,
     * {@link Deisa} picks and prints the web UI's address).
     */
    Deisa analytics(Heat2dConfig config, String head) throws IOException {
        Deisa deisa = new Deisa(DeisaOptions.builder().head(head).parallelism(parallelism).build());
        Heat2dAnalytics.register(deisa, config, output(), snapshotEvery);
        return deisa;
    }
}
