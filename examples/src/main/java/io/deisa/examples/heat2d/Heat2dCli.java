package io.deisa.examples.heat2d;

import io.deisa.job.Deisa;

import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * The heat2d command line: {@code simulation} (the ranks, as threads or under mpirun),
 * {@code analytics} (the analytics job, on the embedded cluster or submitted to a session
 * cluster) and {@code demo} (both, with a progress bar; see {@link Heat2dDemo}).
 *
 * <pre>
 * heat2d demo                                      # what bin/demo runs
 * heat2d analytics --head 0.0.0.0:29600 --output out
 * bin/cluster submit --jar examples/target/deisa-examples-*-analytics.jar \
 *     --class io.deisa.examples.heat2d.Heat2dCli -- analytics --head 0.0.0.0:29600 --output /abs/out
 * mpirun -np 4 java -Djava.library.path=... -cp ... io.deisa.examples.heat2d.Heat2dCli \
 *     simulation --mpi --head analytics-host:29600
 * </pre>
 */
@Command(name = "heat2d", mixinStandardHelpOptions = true,
        description = "2D heat equation on an insulated plate with a steerable heater, analysed in situ by deisa.",
        subcommands = {Heat2dCli.Simulation.class, Heat2dCli.Analytics.class, Heat2dDemo.class})
public final class Heat2dCli {
    /** Default analytics head: $DEISA_HEAD, else 127.0.0.1:29600. */
    static final String DEFAULT_HEAD = System.getenv().getOrDefault("DEISA_HEAD", "127.0.0.1:29600");

    /**
     * Runs the command line and exits with its status; submitted to a session cluster (the main
     * then runs inside the JobManager), it returns instead, or throws on a non-zero status, so as
     * not to exit the cluster's JVM.
     */
    public static void main(String[] args) {
        int status = new CommandLine(new Heat2dCli()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
        if (onCluster()) {
            if (status != 0) {
                throw new IllegalStateException("heat2d " + String.join(" ", args) + " ended with status " + status);
            }
            return;
        }
        System.exit(status);
    }

    /** Whether this program was submitted to a Flink cluster (bin/cluster submit, flink run) rather than run alone. */
    static boolean onCluster() {
        return !(StreamExecutionEnvironment.getExecutionEnvironment() instanceof LocalStreamEnvironment);
    }

    /** {@code heat2d simulation}: the simulation side alone. */
    @Command(name = "simulation", mixinStandardHelpOptions = true,
            description = "Runs the simulation ranks against analytics running elsewhere.")
    static final class Simulation implements Callable<Integer> {
        @Mixin Heat2dOptions options;

        @Option(names = "--mpi", description = "This process is one MPI rank (start it with mpirun); default: one thread per rank.")
        boolean mpi;

        @Option(names = "--head", description = "host:port of the analytics head (default: $DEISA_HEAD, else 127.0.0.1:29600).")
        String head = DEFAULT_HEAD;

        @Option(names = "--timeout", defaultValue = "120", description = "Seconds to wait for the rendezvous and the head (default: ${DEFAULT-VALUE}).")
        long timeoutSeconds;

        @Override
        public Integer call() throws Exception {
            Heat2dConfig config = options.toConfig();
            Duration timeout = Duration.ofSeconds(timeoutSeconds);
            if (mpi) {
                return MpiRanks.run(config, head, timeout, new String[0]);
            }
            ThreadRanks.run(config, head, timeout).forEach(r -> System.out.println(r.toLine()));
            return 0;
        }
    }

    /** {@code heat2d analytics}: the analytics side alone. */
    @Command(name = "analytics", mixinStandardHelpOptions = true,
            description = "Runs the analytics until the simulation closes: on an embedded cluster, or submitted to a session cluster "
                    + "(bin/cluster submit --jar examples/target/deisa-examples-*-analytics.jar --class io.deisa.examples.heat2d.Heat2dCli -- analytics ...), "
                    + "where the job runs on after the submission returns and the results are written on the TaskManager.")
    static final class Analytics implements Callable<Integer> {
        @Mixin Heat2dOptions options;

        @Mixin AnalyticsOptions analytics;

        @Option(names = "--head", description = "host:port the analytics head listens on (default: $DEISA_HEAD, else 127.0.0.1:29600).")
        String head = DEFAULT_HEAD;

        @Override
        public Integer call() throws Exception {
            Heat2dConfig config = options.toConfig();
            boolean onCluster = onCluster();
            Deisa deisa = analytics.analytics(config, head);
            System.out.printf("heat2d analytics: head %s, results in %s%n", head, analytics.output());
            deisa.executeCallbacks();
            if (onCluster) {
                // Submitted: the job runs on the cluster until the simulation closes.
                return 0;
            }
            Heat2dReport.print(StatsRow.read(analytics.output().resolve(Heat2dAnalytics.STATS)), config, System.out);
            return 0;
        }
    }
}
