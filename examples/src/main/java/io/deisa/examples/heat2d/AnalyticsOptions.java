package io.deisa.examples.heat2d;

import io.deisa.examples.Ports;
import io.deisa.job.Deisa;
import io.deisa.job.DeisaOptions;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;

import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** Command-line options of the heat2d analytics, shared by the {@code analytics} and {@code demo} subcommands. */
public final class AnalyticsOptions {
    /** Ports tried for the Flink web UI of an embedded cluster. */
    static final int UI_FROM = 8081;
    static final int UI_TO = 8181;

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
     * The analytics job of {@code config} with its head on {@code head}; on an embedded cluster,
     * its web UI on {@code uiPort} or the next free port up to {@value #UI_TO} (none when -1).
     */
    Deisa analytics(Heat2dConfig config, String head, int uiPort) throws IOException {
        Configuration flink = new Configuration();
        if (uiPort > 0) {
            flink.set(RestOptions.BIND_PORT, uiPort + "-" + UI_TO);
        }
        Deisa deisa = new Deisa(DeisaOptions.builder().head(head).parallelism(parallelism).configuration(flink).build());
        Heat2dAnalytics.register(deisa, config, output(), snapshotEvery);
        return deisa;
    }

    /** The first free port for the web UI, or -1. */
    static int uiPort() {
        return Ports.firstFree(UI_FROM, UI_TO);
    }
}
