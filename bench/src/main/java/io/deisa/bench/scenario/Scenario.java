package io.deisa.bench.scenario;

/** One benchmark scenario: runs its configurations and reports them as Markdown. */
public interface Scenario {
    /** Short identifier, also the report section's id and the CLI subcommand. */
    String id();

    /** Runs every configuration {@code context.runs()} times and returns the report section. */
    String run(BenchContext context) throws Exception;
}
