package io.deisa.bench;

import io.deisa.bench.scenario.BenchContext;
import io.deisa.bench.scenario.IngestScenario;
import io.deisa.bench.scenario.Scenario;
import io.deisa.bench.report.ReportFile;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The benchmark harness run by {@code bin/bench}: one subcommand per scenario, {@code limits} for
 * the machine's own limits, {@code all} for everything. Each writes its section of the results
 * document with the command that reproduces it.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "deisa-flink benchmarks: scenarios against the machine's own limits.",
        subcommands = {BenchCli.Limits.class, BenchCli.Ingest.class, BenchCli.All.class})
public final class BenchCli {
    private BenchCli() {}

    /** Runs the command line; exits with its status. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchCli()).execute(args));
    }

    /** Options every subcommand takes. */
    static final class Common {
        @Option(names = "--runs", defaultValue = "3", description = "Runs per configuration (default: ${DEFAULT-VALUE}).")
        int runs;

        @Option(names = "--results", defaultValue = "bench/target/results",
                description = "Directory of run logs and timing tables (default: ${DEFAULT-VALUE}).")
        Path results;

        @Option(names = "--report", defaultValue = "docs/benchmarks.md",
                description = "Results document to update (default: ${DEFAULT-VALUE}).")
        Path report;

        @Spec(Spec.Target.MIXEE)
        CommandSpec spec;

        /** Runs the scenarios and writes their sections, then the machine's limits. */
        int run(List<Scenario> scenarios) throws Exception {
            String command = "bin/bench " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
            BenchContext context = new BenchContext(runs, results, command);
            ReportFile file = new ReportFile(report);
            for (Scenario scenario : scenarios) {
                String section = scenario.run(context);
                file.writeSection(scenario.id(), section + "\nReproduce: `" + command + "`\n");
                System.out.println(section);
            }
            file.writeSection("limits", "### Machine limits, measured by `" + command + "`\n\n"
                    + context.limits().toMarkdown());
            System.out.println("updated " + report);
            return 0;
        }
    }

    /** Measures the machine's limits only. */
    @Command(name = "limits", description = "Measure loopback TCP (iperf3) and memory copy bandwidth.")
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
    static final class Ingest implements Callable<Integer> {
        @Mixin
        Common common;

        @Option(names = "--bridges", split = ",", defaultValue = "1,2,4", description = "Bridge counts.")
        List<Integer> bridges;

        @Option(names = "--sizes", split = ",", defaultValue = "256,1024,2048", description = "Chunk sizes n (n x n).")
        List<Integer> sizes;

        @Option(names = "--works", split = ",", defaultValue = "NOOP,MEAN", description = "Callback works.")
        List<String> works;

        @Override
        public Integer call() throws Exception {
            return common.run(List.of(new IngestScenario(bridges, sizes, works)));
        }
    }

    /** Every scenario with its defaults. */
    @Command(name = "all", description = "Every scenario with its default configurations.")
    static final class All implements Callable<Integer> {
        @Mixin
        Common common;

        @Override
        public Integer call() throws Exception {
            List<Scenario> scenarios = new ArrayList<>();
            scenarios.add(new IngestScenario(List.of(1, 2, 4), List.of(256, 1024, 2048), List.of("NOOP", "MEAN")));
            return common.run(scenarios);
        }
    }
}
