package io.deisa.bench;

import io.deisa.bench.process.AnalyticsMain;
import io.deisa.bench.process.NativeRanks;
import io.deisa.bench.report.ReportFile;
import io.deisa.bench.scenario.BenchContext;
import io.deisa.bench.scenario.ChunkParallelScenario;
import io.deisa.bench.scenario.IngestScenario;
import io.deisa.bench.scenario.LatencyScenario;
import io.deisa.bench.scenario.ManyBridgesScenario;
import io.deisa.bench.scenario.Scenario;
import io.deisa.bench.scenario.SlowdownScenario;
import io.deisa.bench.scenario.WindowScenario;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The benchmark harness run by {@code bin/bench}: one subcommand per scenario, {@code limits} for
 * the machine's own limits, {@code all} for every scenario with its defaults. Each first measures
 * and writes the machine's limits, then writes each scenario's section of the results document
 * with the command that reproduces it.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT,
        description = {"deisa-flink benchmarks: scenarios against the machine's own limits.",
            "Scenarios, options and values are taken in any case."},
        subcommands = {BenchCli.Limits.class, BenchCli.Ingest.class, BenchCli.ChunkParallel.class, BenchCli.Latency.class, BenchCli.Slowdown.class,
            BenchCli.ManyBridges.class, BenchCli.Windows.class, BenchCli.All.class})
public final class BenchCli {
    private BenchCli() {}

    /** Runs the command line; exits with its status. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /**
     * The command line: subcommands, option names and enum values (callback works, forms,
     * languages) in any case, e.g. {@code Ingest --Works noop}.
     */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new BenchCli())
                .setSubcommandsCaseInsensitive(true)
                .setOptionsCaseInsensitive(true)
                .setCaseInsensitiveEnumValuesAllowed(true);
        // every option's help line ends with its default
        cli.getSubcommands().values().forEach(sub -> sub.getCommandSpec().usageMessage().showDefaultValues(true));
        return cli;
    }

    /** Options every subcommand takes. */
    static final class Common {
        @Option(names = "--runs", defaultValue = "3", description = "Runs per configuration.")
        int runs;

        @Option(names = "--results", defaultValue = "bench/target/results",
                description = "Directory of run logs and timing tables.")
        Path results;

        @Option(names = "--report", defaultValue = "docs/benchmarks.md",
                description = "Results document to update.")
        Path report;

        @Spec(Spec.Target.MIXEE)
        CommandSpec spec;

        /** Measures the machine's limits and writes them, then runs the scenarios and writes their sections. */
        int run(List<Scenario> scenarios) throws Exception {
            String command = "bin/bench " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
            BenchContext context = new BenchContext(runs, results, command, report);
            ReportFile file = new ReportFile(report);
            file.writeSection("limits", "### Machine limits, measured by `" + command + "`\n\n"
                    + context.limits().toMarkdown());
            for (Scenario scenario : scenarios) {
                String section = scenario.run(context);
                file.writeSection(scenario.id(), section + "\nReproduce: `" + command + "`\n");
                System.out.println(section);
            }
            System.out.println("updated " + report);
            return 0;
        }
    }

    /** A subcommand running one scenario. */
    abstract static class ScenarioCommand implements Callable<Integer> {
        @Mixin
        Common common;

        abstract Scenario scenario();

        @Override
        public Integer call() throws Exception {
            return common.run(List.of(scenario()));
        }
    }

    /** Measures the machine's limits only. */
    @Command(name = "limits", description = "Measure loopback TCP (iperf3, a Java socket read) and memory copy.")
    static final class Limits implements Callable<Integer> {
        @Mixin
        Common common;

        @Override
        public Integer call() throws Exception {
            return common.run(List.of());
        }
    }

    /** S1. */
    @Command(name = "ingest", description = "S1: assembled MB/s for N bridges and chunk sizes, vs iperf3.")
    static final class Ingest extends ScenarioCommand {
        @Option(names = "--bridges", split = ",", defaultValue = "1,2,4", description = "Bridge counts.")
        List<Integer> bridges;

        @Option(names = "--sizes", split = ",", defaultValue = "256,1024,2048", description = "Chunk sizes n (n x n).")
        List<Integer> sizes;

        @Option(names = "--works", split = ",", defaultValue = "NOOP,MEAN",
                description = "Callback works, any case: ${COMPLETION-CANDIDATES}.")
        List<AnalyticsMain.Work> works;

        @Option(names = "--checkpoint-intervals", split = ",", defaultValue = "-1",
                description = "DeisaOptions.checkpointInterval values in ms (0: off; -1: the default, 2000).")
        List<Long> checkpointIntervals;

        @Option(names = "--langs", split = ",", defaultValue = "JAVA",
                description = "Bridge languages, any case: ${COMPLETION-CANDIDATES} (python and c run under mpirun).")
        List<NativeRanks.Language> languages;

        @Option(names = "--max-ahead", defaultValue = "1",
                description = "The analytics' maxSimulationAhead: with 1, one bridge's"
                        + " rate is bound by a round trip per timestep.")
        int maxAhead;

        @Override
        Scenario scenario() {
            return new IngestScenario(bridges, sizes, names(works), checkpointIntervals, languages, maxAhead);
        }
    }

    /** S6. */
    @Command(name = "chunk-parallel",
            description = "S6: whole arrays vs preprocess (downsample 2x2) vs aggregate (summary), 1/2/4 readers.")
    static final class ChunkParallel extends ScenarioCommand {
        @Option(names = "--bridges", defaultValue = "4", description = "Bridges.")
        int bridges;

        @Option(names = "--sizes", split = ",", defaultValue = "1024", description = "Chunk sizes n (n x n).")
        List<Integer> sizes;

        @Option(names = "--forms", split = ",", defaultValue = "WHOLE,PREPROCESS,AGGREGATE",
                description = "How the callback reads the array, any case: ${COMPLETION-CANDIDATES}.")
        List<AnalyticsMain.Form> forms;

        @Option(names = "--readers", split = ",", defaultValue = "1,2,4", description = "Reader counts (parallelism).")
        List<Integer> readers;

        @Override
        Scenario scenario() {
            return new ChunkParallelScenario(bridges, sizes, names(forms), readers);
        }
    }

    /** S2. */
    @Command(name = "latency", description = "S2: send→callback and send→feedback percentiles.")
    static final class Latency extends ScenarioCommand {
        @Option(names = "--bridges", split = ",", defaultValue = "1,2,4", description = "Bridge counts.")
        List<Integer> bridges;

        @Option(names = "--buffer-timeouts", split = ",", defaultValue = "100,5,1",
                description = "execution.buffer-timeout values, ms.")
        List<Long> bufferTimeouts;

        @Option(names = "--timesteps", defaultValue = "2000", description = "Timesteps per run.")
        int timesteps;

        @Option(names = "--slow-timesteps", defaultValue = "200",
                description = "Timesteps per run at buffer timeouts of 50 ms and more.")
        int slowTimesteps;

        @Override
        Scenario scenario() {
            return new LatencyScenario(bridges, bufferTimeouts, timesteps, slowTimesteps);
        }
    }

    /** S3. */
    @Command(name = "slowdown", description = "S3: heat2d under mpirun, time in send and slowdown.")
    static final class Slowdown extends ScenarioCommand {
        @Option(names = "--ranks", split = ",", defaultValue = "1,2", description = "MPI rank counts.")
        List<Integer> ranks;

        @Option(names = "--sizes", split = ",", defaultValue = "256,1024", description = "Tile side per rank.")
        List<Integer> sizes;

        @Option(names = "--share-every", split = ",", defaultValue = "1,10", description = "Share intervals.")
        List<Integer> shareEvery;

        @Option(names = "--checkpoint-intervals", split = ",", defaultValue = "-1",
                description = "DeisaOptions.checkpointInterval values in ms (0: off; -1: the default, 2000).")
        List<Long> checkpointIntervals;

        @Option(names = "--langs", split = ",", defaultValue = "JAVA",
                description = "Simulation languages, any case: ${COMPLETION-CANDIDATES}.")
        List<NativeRanks.Language> languages;

        @Option(names = "--max-ahead", defaultValue = "1",
                description = "The analytics' maxSimulationAhead: a large value shows send's own cost.")
        int maxAhead;

        @Override
        Scenario scenario() {
            return new SlowdownScenario(ranks, sizes, shareEvery, checkpointIntervals, languages, maxAhead);
        }
    }

    /** S4. */
    @Command(name = "many-bridges", description = "S4: 64-512 bridges in threads of up to 4 JVMs.")
    static final class ManyBridges extends ScenarioCommand {
        @Option(names = "--bridges", split = ",", defaultValue = "64,256,512", description = "Bridge counts.")
        List<Integer> bridges;

        @Override
        Scenario scenario() {
            return new ManyBridgesScenario(bridges);
        }
    }

    /** S5. */
    @Command(name = "windows", description = "S5: callback latency and live heap vs window size.")
    static final class Windows extends ScenarioCommand {
        @Option(names = "--windows", split = ",", defaultValue = "1,2,5,10,50", description = "Window sizes.")
        List<Integer> windows;

        @Override
        Scenario scenario() {
            return new WindowScenario(windows);
        }
    }

    /** The enum constants' names, as the analytics process takes them. */
    private static List<String> names(List<? extends Enum<?>> values) {
        return values.stream().map(Enum::name).toList();
    }

    /** Every scenario with its defaults. */
    @Command(name = "all", description = "Every scenario with its default configurations.")
    static final class All implements Callable<Integer> {
        @Mixin
        Common common;

        @Override
        public Integer call() throws Exception {
            List<Scenario> scenarios = new ArrayList<>();
            for (ScenarioCommand command : List.of(new Latency(), new Windows(), new Ingest(), new Slowdown(),
                    new ManyBridges(), new ChunkParallel())) {
                new CommandLine(command).parseArgs();
                scenarios.add(command.scenario());
            }
            return common.run(scenarios);
        }
    }
}
