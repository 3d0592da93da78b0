package io.deisa.cluster;

import io.deisa.analytics.ChunkAggregates;
import io.deisa.analytics.DeisaArray;
import io.deisa.analytics.Summary;
import io.deisa.analytics.WindowSpec;
import io.deisa.job.Deisa;
import io.deisa.job.DeisaOptions;

import java.util.Arrays;
import java.util.List;

/**
 * Analytics to submit to a session cluster: for every shared timestep of one array, publishes its
 * global mean, minimum and maximum as feedback ({@code mean}, {@code min}, {@code max}), which
 * every bridge reads with {@code Bridge.get}.
 *
 * <pre>
 * bin/cluster submit -- --head 0.0.0.0:29600 --array temperature --parallelism 2
 * </pre>
 *
 * <p>Arguments: {@code --head host:port} (where the head listens, on the JobManager; a wildcard
 * host makes the TaskManagers reach it through {@code jobmanager.rpc.address}; default {@code
 * $DEISA_HEAD} or {@code 127.0.0.1:29600}), {@code --array name} (default {@code temperature}),
 * {@code --parallelism n}, {@code --max-ahead k} (how many timesteps the simulation may run ahead)
 * and {@code --form whole|aggregate}: {@code whole} (the default) assembles the array in the
 * callback's task; {@code aggregate} computes a {@link Summary} chunk by chunk where the chunks are
 * read ({@link ChunkAggregates#summary()}), so the array is never assembled and may be larger than
 * any TaskManager.
 */
public final class StatisticsAnalytics {
    private StatisticsAnalytics() {}

    /**
     * Runs the analytics until the simulation closes.
     *
     * @throws IllegalArgumentException on an unknown or incomplete argument
     */
    public static void main(String[] args) {
        DeisaOptions.Builder options = DeisaOptions.builder();
        String array = "temperature";
        boolean aggregate = false;
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("Missing value after " + args[i] + " in " + Arrays.toString(args));
            }
            String value = args[i + 1];
            switch (args[i]) {
                case "--head" -> options.head(value);
                case "--array" -> array = value;
                case "--parallelism" -> options.parallelism(Integer.parseInt(value));
                case "--max-ahead" -> options.maxSimulationAhead(Integer.parseInt(value));
                case "--form" -> aggregate = switch (value) {
                    case "whole" -> false;
                    case "aggregate" -> true;
                    default -> throw new IllegalArgumentException("--form is whole or aggregate, not " + value);
                };
                default -> throw new IllegalArgumentException("Unknown argument " + args[i]
                        + "; expected --head host:port, --array name, --parallelism n, --max-ahead k,"
                        + " --form whole|aggregate");
            }
        }
        String name = array;
        Deisa deisa = new Deisa(options.build());
        if (aggregate) {
            deisa.registerCallback((windows, ctx) -> {
                Summary summary = windows.<Summary>aggregates(name).get(0);
                ctx.set("mean", summary.mean(), windows.timestep());
                ctx.set("min", summary.min(), windows.timestep());
                ctx.set("max", summary.max(), windows.timestep());
            }, List.of(WindowSpec.of(array).aggregate(ChunkAggregates.summary())));
            deisa.executeCallbacks();
            return;
        }
        deisa.registerCallback((windows, ctx) -> {
            DeisaArray values = windows.get(name).get(0);
            ctx.set("mean", values.mean(), windows.timestep());
            ctx.set("min", values.min(), windows.timestep());
            ctx.set("max", values.max(), windows.timestep());
        }, List.of(WindowSpec.of(array)));
        deisa.executeCallbacks();
    }
}
