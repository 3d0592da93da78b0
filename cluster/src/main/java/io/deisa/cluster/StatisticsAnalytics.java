package io.deisa.cluster;

import io.deisa.analytics.DeisaArray;
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
 * {@code --parallelism n} and {@code --max-ahead k} (how many timesteps the simulation may run ahead).
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
                default -> throw new IllegalArgumentException("Unknown argument " + args[i]
                        + "; expected --head host:port, --array name, --parallelism n, --max-ahead k");
            }
        }
        String name = array;
        Deisa deisa = new Deisa(options.build());
        deisa.registerCallback((windows, ctx) -> {
            DeisaArray values = windows.get(name).get(0);
            ctx.set("mean", values.mean(), windows.timestep());
            ctx.set("min", values.min(), windows.timestep());
            ctx.set("max", values.max(), windows.timestep());
        }, List.of(WindowSpec.of(array)));
        deisa.executeCallbacks();
    }
}
